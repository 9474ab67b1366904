"""The names an extension novadoclint cannot read may provide: near misses, uses, owners."""

from __future__ import annotations

from novadoclint.checks import syntax, unreadable


def test_near_miss_is_one_edit_of_a_known_name() -> None:
    known = frozenset({"code-block", "note", "ref", "deco", "table", "pep"})
    assert syntax.near_miss("code-bock", known) == "code-block"  # deletion
    assert syntax.near_miss("reff", known) == "ref"  # insertion
    assert syntax.near_miss("ntoe", known) == "note"  # a swap of neighbours
    assert syntax.near_miss("Notr", known) == "note"  # substitution, any case
    for other in ("tab", "issue", "pr", "pypi", "user", "autoprogram-cliff", "list-plugins"):
        assert syntax.near_miss(other, known) is None, other
    assert syntax.near_miss("pe", known) is None  # too short to tell


def test_marked_up_skips_what_docutils_never_parses() -> None:
    text = """\
.. tab:: One

   :issue:`1` inside an unknown directive.

.. note:: See :pr:`2`.

   And :user:`x`, `y`:gh:.

A literal block::

   .. fake:: x
   :fake:`x`

Back in the text with ``:literal:`x``` and :kbd:`C`.

.. a comment :comment:`x`

   .. commented:: y

.. code-block:: rst

   .. example:: z

.. |sub| replace:: :subst:`x`
"""
    found = list(unreadable._marked_up(text, frozenset({"note", "replace"})))
    assert found == [
        ("directive", "tab"),
        ("directive", "note"),
        ("role", "pr"),
        ("role", "user"),
        ("role", "gh"),
        ("role", "kbd"),
        ("directive", "code-block"),
        ("directive", "replace"),
        ("role", "subst"),
    ]


def test_stems() -> None:
    assert unreadable._shares_stem("issue", "sphinx_issues")
    assert unreadable._shares_stem("tab", "sphinx_inline_tabs")
    assert unreadable._shares_stem("autoprogram-cliff", "cliff.sphinxext")
    assert unreadable._shares_stem("pytest", "pygments_pytest")
    assert not unreadable._shares_stem("pr", "sphinx_issues")
    assert not unreadable._shares_stem("ext", "sphinx.ext.foo")  # sphinx, ext: no one's stem


def test_conf_place() -> None:
    text = "import os\n\nextensions = [\n    'a.b',\n    \"é_ext\", 'x']\n"
    assert unreadable._conf_place(text, "a.b") == (4, 5)
    assert unreadable._conf_place(text, "x") == (5, 14)  # characters, not bytes
    assert unreadable._conf_place(text, "loaded.by.setup") == (3, 1)  # the extensions line
    assert unreadable._conf_place("extensions = [", "a") == (1, 1)
