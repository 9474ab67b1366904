"""project/derived.py: tree-wide answers read from local Python, kept in the cache between runs.

A warm run must answer as a cold one without parsing conf.py's extensions
again (what they write, register and label), scan a changed extension again,
treat a forged entry as a miss, and keep nothing with --no-cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cachecheck import forge_entries, lint_selected, write_files

from novadoclint.project import derived, generated, vocabulary

EXTENSION = """
    import os

    from docutils.parsers.rst import Directive


    class Table(Directive):
        def run(self):
            self.state.nested_parse(['.. _made-here:'], 0, self.content)
            return []


    def inited(app):
        with open(os.path.join(app.srcdir, 'gen', 'options.rst'), 'w') as out:
            out.write('Options\\n=======\\n')


    def setup(app):
        app.add_directive('gen-table', Table)
        app.connect('builder-inited', inited)
"""

FILES = {
    "conf.py": """
        import os
        import sys
        sys.path.insert(0, os.path.abspath('_exts'))
        extensions = ['writer']
    """,
    "_exts/writer.py": EXTENSION,
    "index.rst": """
        Index
        =====

        .. toctree::

           gen/options

        See :ref:`made-here`.

        .. gen-table::
    """,
}

KINDS = ("writers", "labels", "registrations")
SRC = Path(__file__).resolve().parents[1] / "src"


def lint(root: Path, *, cache: bool = True) -> list[tuple[str, int, str]]:
    return lint_selected(root, ("all",), cache=cache)


def kept(cache_dir: Path) -> set[str]:
    """The derived answers' kinds the cache holds entries of."""
    if not cache_dir.is_dir():
        return set()
    return {p.name.split("-")[0] for p in cache_dir.iterdir() if any(p.rglob("*"))} & {*KINDS}


def refuse_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any scan of an extension's Python fails the run's rules (or the test) from now on."""

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("scanned again")

    monkeypatch.setattr(generated, "_module_writers", fail)
    monkeypatch.setattr(generated, "_source_makes_labels", fail)
    monkeypatch.setattr(vocabulary, "_module_registrations", fail)


def test_the_tree_uses_all_three_answers(tmp_path: Path, cache_dir: Path) -> None:
    """The tree's findings depend on each answer, so the tests below can see one go wrong."""
    write_files(tmp_path / "docs", FILES)
    cold = lint(tmp_path / "docs", cache=False)
    rules = [rule for rule, _, _ in cold]
    assert "ref-label-assumed" in rules  # makes_labels: the directive's module writes '.. _'
    assert "toctree-entry-missing" not in rules  # the writer writes gen/options.rst
    assert "directive-unknown" not in rules and "unknown-directive" not in rules
    (tmp_path / "docs/_exts/writer.py").write_text("def setup(app):\n    pass\n")
    bare = [rule for rule, _, _ in lint(tmp_path / "docs", cache=False)]
    assert "toctree-entry-missing" in bare and bare != rules


def test_a_warm_run_answers_from_the_cache_without_parsing(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path / "docs", FILES)
    cold = lint(tmp_path / "docs", cache=False)
    assert kept(cache_dir) == set()  # --no-cache keeps nothing
    assert lint(tmp_path / "docs") == cold
    assert kept(cache_dir) == set(KINDS)
    refuse_scans(monkeypatch)
    assert lint(tmp_path / "docs") == cold


def test_a_changed_extension_is_scanned_again(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path / "docs", FILES)
    lint(tmp_path / "docs")
    (tmp_path / "docs/_exts/writer.py").write_text("def setup(app):\n    pass\n")
    expected = lint(tmp_path / "docs", cache=False)
    assert lint(tmp_path / "docs") == expected
    refuse_scans(monkeypatch)
    assert lint(tmp_path / "docs") == expected


@pytest.mark.parametrize(
    "forged",
    [
        ("not a writer",),
        (("name", "yes", (), None, False),),
        (("name", True, ("a.rst", 1), None, False),),
        {"body_directives": ["x", 1]},
        {"body_directives": ("x",)},
        "a string",
        1,
    ],
)
def test_a_forged_entry_is_a_miss(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, forged: object
) -> None:
    """An entry that passed the cache's own checks but has another shape is not used."""
    write_files(tmp_path / "docs", FILES)
    cold = lint(tmp_path / "docs", cache=False)
    lint(tmp_path / "docs")
    forge_entries(monkeypatch, KINDS, forged)
    assert lint(tmp_path / "docs") == cold


def test_the_namespace_follows_the_code(tmp_path: Path, cache_dir: Path) -> None:
    module = tmp_path / "code.py"
    module.write_text("one = 1\n")
    first = derived.DerivedCache("writers", (str(module),))
    first.put(first.key(b"source"), ("answer",))
    assert first.get(first.key(b"source"), lambda v: True) == ("answer",)
    assert first.get(first.key(b"other source"), lambda v: True) is None
    module.write_text("one = 1.0\n")  # the code that computes the answers changed
    second = derived.DerivedCache("writers", (str(module),))
    assert second.get(second.key(b"source"), lambda v: True) is None
    off = derived.DerivedCache("writers", (str(module),), enabled=False)
    off.put(off.key(b"x"), ("answer",))
    assert off.get(off.key(b"x"), lambda v: True) is None


FINGERPRINT = """
import sys
from pathlib import Path

from novadoclint.checks import ALL_RULES
from novadoclint.factscache import fingerprint
from novadoclint.phase1 import file_rule_ids, project_context
from novadoclint.project.discover import load_project
from novadoclint.settings import load

root = Path(sys.argv[1])
ctx = project_context(load_project(root, True), load(root, rules=ALL_RULES))
print(fingerprint(ctx, file_rule_ids()))
"""


def test_a_set_in_conf_py_keeps_the_facts_cache_namespace(tmp_path: Path) -> None:
    """Sphinx's own conf.py has nitpick_ignore = {...}: its repr's order changed every run."""
    names = ", ".join(f"('py:class', 'module.Class{i}')" for i in range(40))
    write_files(
        tmp_path / "docs", {"conf.py": f"nitpick_ignore = {{{names}}}\n", "index.rst": "I\n=\n"}
    )
    seen = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(SRC)}
        command = [sys.executable, "-c", FINGERPRINT, str(tmp_path / "docs")]
        run = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        seen.add(run.stdout)
    assert len(seen) == 1


def test_stable_repr_sorts_sets_and_dicts_at_any_depth() -> None:
    one = {"b": [{"y", "x"}, ("t", frozenset({3, 1}))], "a": {"k": 1, "j": 2}}
    two = {"a": {"j": 2, "k": 1}, "b": [{"x", "y"}, ("t", frozenset({1, 3}))]}
    assert derived.stable_repr(one) == derived.stable_repr(two)
    assert derived.stable_repr(one) != derived.stable_repr({**one, "b": [{"x"}, ("t",)]})
    assert derived.stable_repr(["a", ("b", 1)]) == repr(["a", ("b", 1)])  # no set: repr's
