"""The markup rules' fixes (issue 16): each rewrite is the one its message names, and mends.

Each case lints a one-page tree through phase 1, applies the fixes of one
rule's hits with fixes.apply_edits and checks the text is the expected one;
then that the rule no longer fires there, that no other rule finds anything
new, and that docutils reports nothing it did not report before. Near misses
are findings whose rewrite could break the page: they carry no fix.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from novadoclint import parse
from novadoclint.checks import ALL_RULES
from novadoclint.context import Context
from novadoclint.edits import FixSafety
from novadoclint.findings import Hit
from novadoclint.fixes import apply_edits
from novadoclint.phase1 import file_rule_ids, phase1_file, project_context
from novadoclint.project.discover import load_project
from novadoclint.registry import Phase
from novadoclint.settings import load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TITLE = "Page\n====\n\n"
SAFE, UNSAFE = FixSafety.SAFE, FixSafety.UNSAFE
RULES = {r.id: r for r in ALL_RULES}
MARKUP = (
    "default-role",
    "default-role-missing-space",
    "directive-missing-colon",
    "directive-missing-space",
    "directive-three-dots",
    "hyperlink-missing-underscore",
    "role-double-backticks",
    "role-extra-backtick",
    "role-leading-backtick",
    "role-missing-backticks",
    "role-missing-colon",
    "role-missing-space-before",
    "role-missing-space-after",
    "directive-missing-blank-line",
    "dangling-hyphen",
)


def context(root: Path) -> Context:
    settings = replace(load(root, rules=ALL_RULES), jobs=1)
    return project_context(load_project(root, (root / "conf.py").is_file()), settings)


def lint(root: Path) -> list[tuple[str, Hit]]:
    """Every file rule's hits on index.rst."""
    ctx = context(root)
    with parse.namespace(ctx.vocabulary):
        result = phase1_file(ctx, file_rule_ids(), ("index", "index.rst"))
    return list(result.hits)


def tree(root: Path, text: str, conf: str = "extensions = []\n") -> Path:
    (root / "conf.py").write_text(conf, encoding="utf-8")
    (root / "index.rst").write_text(text, encoding="utf-8")
    return root


def system_messages(root: Path, text: str) -> Counter[str]:
    """docutils' warnings and errors for a text, without their lines (a fix moves none)."""
    with parse.namespace(context(root).vocabulary):
        parsed = parse.parse(text, str(root / "index.rst"), str(root))
    return Counter(m.text for m in parsed.messages if m.level >= 2)


def fixed(root: Path, rule_id: str) -> str:
    """index.rst with the fixes of ``rule_id``'s hits applied."""
    text = (root / "index.rst").read_text(encoding="utf-8")
    edits = [e for rid, hit in lint(root) if rid == rule_id and hit.fix for e in hit.fix.edits]
    new, skipped = apply_edits(text, edits)
    assert skipped == ()
    return new


CASES = [
    # (rule, text, expected after the fix)
    ("directive-missing-colon", ".. note:\n   A hidden note.\n", ".. note::\n   A hidden note.\n"),
    ("directive-missing-colon", ".. note\n\n   Content.\n", ".. note::\n\n   Content.\n"),
    ("directive-missing-colon", ".. versionadded 2.1\n", ".. versionadded:: 2.1\n"),
    ("directive-missing-colon", ".. warning: Back up.\n", ".. warning:: Back up.\n"),
    (
        "directive-missing-colon",
        "* item\n\n  .. code-block: python\n\n     x = 1\n",
        "* item\n\n  .. code-block:: python\n\n     x = 1\n",
    ),
    (
        "hyperlink-missing-underscore",
        "See the `API <https://example.org/api>` now.\n",
        "See the `API <https://example.org/api>`_ now.\n",
    ),
    (
        "hyperlink-missing-underscore",
        "* See the `API\n  reference <https://example.org/api>`, now.\n",
        "* See the `API\n  reference <https://example.org/api>`_, now.\n",
    ),
    ("role-missing-backticks", "See :ref:label.\n", "See :ref:`label`.\n"),
    (
        "role-missing-backticks",
        "(:doc:install) and :ref:upgrades, then\n:ref:x\n\n.. _label:\n\nx\n",
        "(:doc:`install`) and :ref:`upgrades`, then\n:ref:`x`\n\n.. _label:\n\nx\n",
    ),
    ("role-missing-backticks", "Use :ref:x\n============\n", "Use :ref:`x`\n============\n"),
    (
        "role-extra-backtick",
        "Use :command:`nova-manage`` to do it.\n",
        "Use :command:`nova-manage` to do it.\n",
    ),
    (
        "role-extra-backtick",
        "See :doc:`install`` and :ref:`x`` too.\n",
        "See :doc:`install` and :ref:`x` too.\n",
    ),
    (
        "default-role",
        "Restart the `nova-compute` service, then\nset `[DEFAULT]\ndebug` here.\n",
        "Restart the ``nova-compute`` service, then\nset ``[DEFAULT]\ndebug`` here.\n",
    ),
    (
        "default-role",
        "* In a list, `a value`, (`b`)\n  and `c\n  d`.\n",
        "* In a list, ``a value``, (``b``)\n  and ``c\n  d``.\n",
    ),
    ("default-role", "About `x`\n===========\n", "About ``x``\n===========\n"),
    # unsafe: the reviewer rewraps a line the backticks take past D001's limit
    ("default-role", "x" * 72 + " `abc`\n", "x" * 72 + " ``abc``\n"),
    ("role-missing-backticks", "x" * 64 + " :ref:label\n", "x" * 64 + " :ref:`label`\n"),
    (
        "role-double-backticks",
        "Run :command:``nova-manage db sync`` first.\n",
        "Run :command:`nova-manage db sync` first.\n",
    ),
    ("role-leading-backtick", "See `:ref:`upgrades` first.\n", "See :ref:`upgrades` first.\n"),
    (
        "role-missing-colon",
        "See ref:`upgrades` and :doc`install`.\n",
        "See :ref:`upgrades` and :doc:`install`.\n",
    ),
    (
        "default-role-missing-space",
        "Run the``nova-manage`` command (see``x``).\n",
        "Run the ``nova-manage`` command (see ``x``).\n",
    ),
    ("directive-missing-space", "..note::\n\n   Back up.\n", ".. note::\n\n   Back up.\n"),
    ("directive-missing-space", "..note:: Back up.\n", ".. note:: Back up.\n"),
    (
        "directive-three-dots",
        "... versionchanged:: 2.1\n\n   The option.\n",
        ".. versionchanged:: 2.1\n\n   The option.\n",
    ),
    ("directive-three-dots", "  ... note::\n\n     Indented.\n", "  .. note::\n\n     Indented.\n"),
    (
        "role-missing-space-before",
        "Read the:ref:`upgrades` first.\n",
        "Read the :ref:`upgrades` first.\n",
    ),
    (
        "role-missing-space-before",
        "Use (see:py:func:`os.path.join`).\n",
        "Use (see :py:func:`os.path.join`).\n",
    ),
    (
        "role-missing-space-after",
        "Create :class:`Flavor`s and :class:`Image`.\n",
        "Create :class:`Flavor`\\ s and :class:`Image`.\n",
    ),
    (
        "directive-missing-blank-line",
        ".. code-block:: console\n   $ ls\n   $ pwd\n",
        ".. code-block:: console\n\n   $ ls\n   $ pwd\n",
    ),
    (
        "directive-missing-blank-line",
        ".. code-block::\n   python\n   import os\n",
        ".. code-block::\n   python\n\n   import os\n",
    ),
    (
        "directive-missing-blank-line",
        "* An item:\n\n  .. figure:: flow.png\n     The flow of a request.\n",
        "* An item:\n\n  .. figure:: flow.png\n\n     The flow of a request.\n",
    ),
    # the same markup twice on a line: one finding (a search cannot tell them apart), both mended
    ("default-role", "Either `a` or `a`.\n", "Either ``a`` or ``a``.\n"),
    (
        "hyperlink-missing-underscore",
        "`one <https://a.example.org>` and `one <https://a.example.org>`\n",
        "`one <https://a.example.org>`_ and `one <https://a.example.org>`_\n",
    ),
    ("dangling-hyphen", "The call is non-\nblocking.\n", "The call is\nnon-blocking.\n"),
    (
        "dangling-hyphen",
        "1. An item on the command-\n   line, case-\n   insensitive.\n",
        "1. An item on the\n   command-line,\n   case-insensitive.\n",
    ),
]


@pytest.mark.parametrize(("rule_id", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_fix_mends_and_breaks_nothing(
    rule_id: str, text: str, expected: str, tmp_path: Path
) -> None:
    root = tree(tmp_path, TITLE + text)
    before = lint(root)
    assert any(rid == rule_id for rid, _ in before)
    new = fixed(root, rule_id)
    assert new == TITLE + expected
    (root / "index.rst").write_text(new, encoding="utf-8")
    after = lint(root)
    assert [hit for rid, hit in after if rid == rule_id] == []
    others = Counter((rid, hit.message) for rid, hit in before if rid != rule_id)
    new_findings = Counter((rid, hit.message) for rid, hit in after) - others
    if RULES[rule_id].fix is UNSAFE:  # a reviewed fix may leave a line to rewrap
        new_findings.pop(("D001", "line too long"), None)
    assert new_findings == Counter()
    assert system_messages(root, new) - system_messages(root, TITLE + text) == Counter()
    assert fixed(root, rule_id) == new  # a second pass has nothing to do


NEAR_MISSES = [
    # (rule, text): the rule fires, and its fix could break the page
    ("directive-missing-colon", ".. code-block: python\n"),  # no content for it
    ("directive-missing-colon", ".. note:\n"),
    ("directive-missing-colon", ".. include: other.rst\n   x\n"),  # reads a file
    (
        "directive-missing-colon",
        "+-------------+\n| .. note:    |\n|    text     |\n+-------------+\n",
    ),
    ("directive-missing-space", "..note::\n"),  # nothing for the directive to hold
    (
        "directive-missing-space",
        "..note:: Back up\nthe database.\n",
    ),  # the second line would end it
    ("directive-missing-space", "..note: Back up.\n"),  # a space alone makes a comment
    ("directive-missing-space", "..note::\n\n> quoted\n"),  # a quoted literal block, not content
    ("directive-three-dots", "... note::\n"),
    (
        "hyperlink-missing-underscore",
        "`docs <https://a.example.org>` and `docs <https://b.example.org>`\n",
    ),  # one name, two targets
    (
        "hyperlink-missing-underscore",
        ".. _docs: https://c.example.org\n\n`docs <https://a.example.org>`\n",
    ),
    ("role-missing-backticks", "Use :ref:x\n==========\n"),  # the underline would be too short
    ("role-missing-backticks", "See **the :ref:label**.\n"),  # markup does not nest in bold
    ("role-missing-backticks", "See :ref:foo\\_bar.\n"),  # an escape docutils removed
    ("default-role", "A `\\*` star.\n"),  # a backslash is text in a literal
    (
        "default-role",
        "+-------+--------------+\n| table | `cell text`  |\n+-------+--------------+\n",
    ),
    ("default-role", "About `x`\n=========\n"),
    ("default-role", "See ref:`x`.\n"),  # a role missing its colon: role-missing-colon mends it
    ("role-double-backticks", "Run :command:``a \\ b`` first.\n"),
    ("role-missing-backticks", "x" * 68 + " :ref:label\n"),  # 79 characters: D001's limit
    ("directive-missing-colon", ".. note: " + "x" * 70 + "\n"),
    ("default-role", "Either `a` or ``a`` and `a`.\n"),  # a twin's text in a literal too
    ("role-extra-backtick", "Use :command:`a`` or **:command:`a``**.\n"),  # a twin in bold
    ("default-role-missing-space", "Compute the`sum`.\n"),  # doubling is default-role's
    (
        "default-role-missing-space",
        "In /etc/nova``nova.conf``.\n",
    ),  # part of a path  # twice on a line: the search finds the first
    ("role-missing-space-before", "Both the:ref:`a` and the:ref:`a`.\n"),  # twice on a line
    ("role-missing-space-after", "Read :ref:`a`s with a`b`c in it` here.\n"),  # a`b`c` stays
    ("role-missing-space-after", "Read :ref:`a`s `b`` here.\n"),  # an extra backtick
    ("directive-missing-blank-line", ".. image:: flow.png\n   The flow.\n"),  # no content
    ("directive-missing-blank-line", ".. highlight:: python\n   import os\n"),
    (
        "directive-missing-blank-line",
        ".. figure:: flow.png\n   The flow.\n   :width: 50%\n",
    ),  # the option would become caption text
    (
        "directive-missing-blank-line",
        "+------------------------------+\n| .. code-block:: console      |\n"
        "|    $ openstack server list   |\n+------------------------------+\n",
    ),
    ("dangling-hyphen", "* non-\n  blocking at the start of an item.\n"),  # the item's line
    ("dangling-hyphen", "non-\nblocking at the start of a paragraph.\n"),
    ("dangling-hyphen", "A (non-\nblocking) call.\n"),  # the bracket would be left alone
    ("dangling-hyphen", "A **bold non-\nblocking** call.\n"),
    ("dangling-hyphen", "A non-blocking and non-\nblocking call.\n"),  # twice on a line
]


@pytest.mark.parametrize(("rule_id", "text"), NEAR_MISSES, ids=[c[0] for c in NEAR_MISSES])
def test_near_miss_has_no_fix(rule_id: str, text: str, tmp_path: Path) -> None:
    hits = [hit for rid, hit in lint(tree(tmp_path, TITLE + text)) if rid == rule_id]
    assert hits
    assert [hit.fix for hit in hits] == [None] * len(hits)


def test_single_backticks_get_their_space_where_conf_sets_a_default_role(tmp_path: Path) -> None:
    root = tree(tmp_path, TITLE + "Sum the`x`.\n", "default_role = 'literal'\n")
    assert fixed(root, "default-role-missing-space") == TITLE + "Sum the `x`.\n"


def test_fix_in_an_included_file_is_made_in_that_file(tmp_path: Path) -> None:
    """An included file inside the project is fixed in the file itself (issue 16), its
    text read as --fix reads it; the finding has no column there, the fix finds its own."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")  # the project's top
    srcdir = tmp_path / "doc" / "source"
    srcdir.mkdir(parents=True)
    root = tree(srcdir, TITLE + "See ``x``.\n\n.. include:: ../../part.rst\n")
    part = "\ufeffRestart `nova`, then\r\nsee :ref:label and `nova` again.\r\n"
    (tmp_path / "part.rst").write_bytes(part.encode("utf-8"))
    hits = [
        (rid, hit) for rid, hit in lint(root) if rid in ("default-role", "role-missing-backticks")
    ]
    assert len(hits) == 3 and all(hit.fix for _, hit in hits)
    edits = [edit for _, hit in hits if hit.fix for edit in hit.fix.edits]
    assert {edit.path for edit in edits} == {"../../part.rst"}
    new, skipped = apply_edits(part[1:], edits)  # the BOM stays outside the text, as --fix reads
    assert skipped == ()
    assert new == "Restart ``nova``, then\r\nsee :ref:`label` and ``nova`` again.\r\n"


def test_blank_line_ends_as_its_neighbours_in_a_crlf_file(tmp_path: Path) -> None:
    """directive-missing-blank-line inserts the file's own line ending: CRLF stays CRLF."""
    root = tree(tmp_path, "")
    text = (TITLE + ".. code-block:: console\n   $ ls\n").replace("\n", "\r\n")
    (root / "index.rst").write_bytes(text.encode("utf-8"))
    edits = [
        e
        for rid, hit in lint(root)
        if rid == "directive-missing-blank-line" and hit.fix
        for e in hit.fix.edits
    ]
    new, _ = apply_edits(text, edits)
    assert new == text.replace("console\r\n", "console\r\n\r\n")


def test_rules_declare_the_fixes_their_hits_carry() -> None:
    declared = {r.id: r.fix for r in ALL_RULES if r.phase is Phase.FILE and r.fix is not None}
    markup = {rid: s for rid, s in declared.items() if rid.split("-")[0] in ("role", "directive")}
    assert declared["default-role"] is UNSAFE
    assert declared["default-role-missing-space"] is SAFE
    assert declared["hyperlink-missing-underscore"] is SAFE
    assert markup == {
        "directive-missing-colon": SAFE,
        "directive-missing-space": SAFE,
        "directive-three-dots": SAFE,
        "role-double-backticks": SAFE,
        "role-extra-backtick": SAFE,
        "role-leading-backtick": SAFE,
        "role-missing-backticks": SAFE,
        "role-missing-colon": UNSAFE,
        "role-missing-space-before": SAFE,
        "role-missing-space-after": UNSAFE,
        "directive-missing-blank-line": SAFE,
    }
    assert declared["dangling-hyphen"] is UNSAFE


def test_each_hit_carries_its_rules_safety(tmp_path: Path) -> None:
    root = tree(tmp_path, TITLE + "\n".join(text for _, text, _ in CASES))
    rules = {r.id: r.fix for r in ALL_RULES}
    fixes = [(rid, hit.fix) for rid, hit in lint(root) if hit.fix is not None]
    assert {rid for rid, _ in fixes} >= {case[0] for case in CASES}
    assert all(fix.safety is rules[rid] for rid, fix in fixes)


FIX_CASES = sorted(p.parent for p in FIXTURES.glob("*/fix/fixed") if p.parent.parent.name in MARKUP)


@pytest.mark.parametrize("case", FIX_CASES, ids=lambda p: p.parent.name)
def test_fixture_fixed_folder(case: Path, tmp_path: Path) -> None:
    """fixtures/<rule>/fix/fixed/index.rst: the page after the rule's fixes, until none is left."""
    rule_id = case.parent.name
    for name in ("conf.py", "index.rst"):
        shutil.copy(case / name, tmp_path / name)
    before = lint(tmp_path)
    for _ in range(3):
        text = (tmp_path / "index.rst").read_text(encoding="utf-8")
        new = fixed(tmp_path, rule_id)
        (tmp_path / "index.rst").write_text(new, encoding="utf-8")
        if new == text:
            break
    assert new == (case / "fixed" / "index.rst").read_text(encoding="utf-8")
    after = Counter((rid, hit.message) for rid, hit in lint(tmp_path))
    assert after - Counter((rid, hit.message) for rid, hit in before) == Counter()
    left = [hit for rid, hit in lint(tmp_path) if rid == rule_id]
    assert all(hit.fix is None for hit in left)  # what is left are the near misses
    assert len(left) < sum(rid == rule_id for rid, _ in before)
