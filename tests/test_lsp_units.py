"""novadoclint-lsp's parts without a server: ranges, discovery, a tree's re-lint."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

pytest.importorskip("lsprotocol")

from lsprotocol import types as lsp

from novadoclint import phase2
from novadoclint.edits import Edit
from novadoclint.findings import Finding, Hit, Severity
from novadoclint.lsp import actions, navigation, workspace
from novadoclint.lsp.client import apply_text_edits
from novadoclint.lsp.diagnostics import from_units, span, split_lines, to_range, units
from novadoclint.registry import Phase, Rule, RuleDoc


@pytest.mark.parametrize(
    ("line", "column", "message", "expected"),
    [
        ("See :ref:`nolabel` here.", 5, "undefined label: 'nolabel'", ":ref:`nolabel`"),
        ("See :ref:`nolabel` here.", 11, "undefined label: 'nolabel'", ":ref:`nolabel`"),
        ("A `link <x.html>`_ here.", 3, "x", "`link <x.html>`_"),
        ("   * - :doc:`gone`", 8, "unknown document: 'gone'", ":doc:`gone`"),
        # no role at the column: the message's quoted name on the line
        ("   .. image:: pics/no.png", 1, "image file not readable: 'pics/no.png'", "pics/no.png"),
        # the quoted name inside a role (a column the parser did not know): the role
        ("Read me, :ref:`nolabel`.", 1, "undefined label: 'nolabel'", ":ref:`nolabel`"),
        # neither: the line's text, without indentation and trailing blanks
        ("   Some text.   ", 1, "a problem", "Some text."),
        ("Title", 1, "'elsewhere' is missing", "Title"),
    ],
)
def test_span_covers_the_offending_text(
    line: str, column: int, message: str, expected: str
) -> None:
    start, end = span(line, column, message)
    assert line[start:end] == expected


def test_a_finding_past_the_end_is_a_point() -> None:
    finding = Finding("a.rst", 9, 1, "x", "m", Severity.WARNING)
    rng = to_range(["one", "two"], finding)
    assert (rng.start.line, rng.start.character, rng.end.character) == (8, 0, 0)


def test_lines_are_split_as_lsp_counts_them() -> None:
    assert split_lines("a\r\nb\rc\nd\x0ce\u2028f") == ["a", "b", "c", "d\x0ce\u2028f"]


def test_discover(tmp_path: Path) -> None:
    for name in (
        "doc/source/conf.py",
        "pkg/conf.py",
        "pkg/__init__.py",
        ".tox/conf.py",
        "doc/source/_build/conf.py",
        "node_modules/conf.py",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    (tmp_path / ".git").mkdir()
    found = workspace.discover(tmp_path)
    assert found == [((tmp_path / "doc/source").resolve(), True)]
    # a folder inside a tree: the tree it belongs to
    sub = tmp_path / "doc/source/admin"
    sub.mkdir()
    assert workspace.discover(sub) == [((tmp_path / "doc/source").resolve(), True)]
    assert workspace.discover(tmp_path / "missing") == []


def test_is_config(tmp_path: Path) -> None:
    src = tmp_path / "doc" / "source"
    src.mkdir(parents=True)
    assert workspace.is_config(src, src / "conf.py")
    assert workspace.is_config(src, tmp_path / "pyproject.toml")
    assert workspace.is_config(src, tmp_path / ".novadoclint.toml")
    assert not workspace.is_config(src, src / "sub" / "conf.py")  # another tree's
    assert not workspace.is_config(src, src / "index.rst")
    assert not workspace.is_config(src, tmp_path / "other" / "tox.ini")


def _crash(index: object, ctx: object) -> list[Hit]:
    """Crashes.

    ## Why is this bad?
    It crashes.

    ## Example
    ```rst
    x
    ```

    ## Use instead
    ```rst
    y
    ```
    """
    raise RuntimeError("boom")


def test_a_crashing_rule_is_a_finding_and_the_tree_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVADOCLINT_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "docs"
    src.mkdir()
    (src / "conf.py").write_text("")
    (src / "index.rst").write_text("I\n=\n\n:doc:`nope`\n")
    crash = Rule(
        "crash-test", Severity.ERROR, Phase.TREE, _crash, RuleDoc.parse(_crash.__doc__ or "")
    )
    selected = phase2.tree_rules
    monkeypatch.setattr(phase2, "tree_rules", lambda settings: (*selected(settings), crash))
    tree = workspace.Tree(src.resolve(), True)
    tree.load()
    rules = {f.rule for found in tree.findings.values() for f in found}
    assert {"internal-error", "doc-ref-missing"} <= rules
    tree.overlay["index.rst"] = "I\n=\n"
    tree.update(["index.rst"])
    rules = {f.rule for found in tree.findings.values() for f in found}
    assert "internal-error" in rules and "doc-ref-missing" not in rules


def test_a_broken_config_is_said_not_raised(tmp_path: Path) -> None:
    src = tmp_path / "docs"
    src.mkdir()
    (src / "conf.py").write_text("")
    (src / ".novadoclint.toml").write_text("select = 3\n")
    tree = workspace.Tree(src.resolve(), True)
    tree.load()
    assert tree.error and tree.findings == {}
    tree.update(["index.rst"])  # nothing to do, no crash
    (src / ".novadoclint.toml").write_text("")
    tree.load()
    assert tree.error is None


def test_what_the_build_writes_is_read_again_when_autosummary_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVADOCLINT_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "docs"
    src.mkdir()
    (src / "conf.py").write_text("extensions = ['sphinx.ext.autosummary']\n")
    summary = ".. autosummary::\n   :toctree: gen\n\n   pkg.func\n"
    index = "I\n=\n\n{}\nSee :doc:`gen/pkg.func`.\n"
    (src / "index.rst").write_text(index.format(summary))
    tree = workspace.Tree(src.resolve(), True)
    tree.load()

    def rules() -> set[str]:
        return {f.rule for found in tree.findings.values() for f in found}

    assert "doc-ref-missing" not in rules()
    assert tree.built is not None
    tree.overlay["index.rst"] = index.format(summary) + "\nMore.\n"  # the same directives
    before = tree.built
    tree.update(["index.rst"])
    assert tree.built is not None and tree.built[1] is before[1]  # reused
    tree.overlay["index.rst"] = index.format("")
    tree.update(["index.rst"])
    assert "doc-ref-missing" in rules()
    tree.overlay["index.rst"] = index.format(summary)
    tree.update(["index.rst"])
    assert "doc-ref-missing" not in rules()


def test_columns_in_each_position_encoding() -> None:
    text = "a\u00e9\U0001f600b"
    assert [units(text, i, "utf-16") for i in range(5)] == [0, 1, 2, 4, 5]
    assert [units(text, i, "utf-8") for i in range(5)] == [0, 1, 3, 7, 8]
    assert [units(text, i, "utf-32") for i in range(5)] == [0, 1, 2, 3, 4]
    assert [from_units(text, u, "utf-16") for u in (0, 1, 2, 4, 5, 9)] == [0, 1, 2, 3, 4, 4]


def test_rename_refuses_what_it_cannot_rename_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVADOCLINT_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "docs"
    src.mkdir()
    (src / "conf.py").write_text("extensions = ['sphinx.ext.autosectionlabel']\n")
    (src / "index.rst").write_text(
        ".. _top:\n\nIndex\n=====\n\nSee :ref:`Index` and :ref:`top`, :ref:`the\ntop <top>`.\n"
    )
    tree = workspace.Tree(src.resolve(), True)
    tree.load()
    assert tree.index is not None

    def read(path: str) -> list[str]:
        return split_lines(tree.text(path) or "")

    section = navigation.Target("label", "index")  # autosectionlabel's: a title
    assert navigation.rename_label(tree.index, read, section) is None
    # one :ref: to top is broken over two lines: renaming only some would break it
    assert navigation.rename_label(tree.index, read, navigation.Target("label", "top")) is None
    (src / "index.rst").write_text(".. _top:\n\nIndex\n=====\n\nSee :ref:`top`.\n")
    tree.load()
    edits = navigation.rename_label(tree.index, read, navigation.Target("label", "top"))
    assert edits == [("index.rst", 0, 4, 7), ("index.rst", 5, 10, 13)]


def test_a_file_outside_the_source_dir_belongs_to_the_tree_including_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVADOCLINT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / ".git").mkdir()
    src = tmp_path / "doc"
    src.mkdir()
    (src / "conf.py").write_text("")
    (src / "index.rst").write_text("I\n=\n\n.. include:: ../README.rst\n")
    (tmp_path / "README.rst").write_text("Read me.\n")
    (tmp_path / "OTHER.rst").write_text("Not included.\n")
    tree = workspace.Tree(src.resolve(), True)
    tree.load()
    assert tree.relative(tmp_path / "README.rst") == "../README.rst"
    assert tree.relative(tmp_path / "OTHER.rst") is None
    assert tree.relative(src / "index.rst") == "index.rst"


def test_offsets_as_positions_in_each_encoding() -> None:
    text = "a\r\nb\U0001f600c\rd\n"
    at = text.index("c")
    for encoding, character in (("utf-16", 3), ("utf-8", 5), ("utf-32", 2)):
        assert actions.Positions(text, encoding)(at) == lsp.Position(1, character)
    positions = actions.Positions(text, "utf-16")
    assert positions(text.index("d")) == lsp.Position(2, 0)
    assert positions(len(text)) == lsp.Position(3, 0)


def _document(text: str) -> actions.Document:
    return actions.Document("file:///d/x.rst", "x.rst", text, 1, "utf-16", False)


def _apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """One LSP edit on a text whose lines end at LF or CRLF (UTF-16 columns, no surrogates)."""
    (edit,) = edits
    starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]

    def offset(position: lsp.Position) -> int:
        return starts[position.line] + position.character

    return text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]


def test_an_edit_between_cr_and_lf_takes_the_whole_line_break() -> None:
    text = "ab\r\ncd"
    for start, end in ((3, 3), (1, 3), (3, 5)):
        edit = Edit("x.rst", start, end, "X")
        found = actions.text_edits(_document(text), [edit])
        # no position falls between the CR and the LF (line 0, column 3), the result is the same
        assert lsp.Position(0, 3) not in (found[0].range.start, found[0].range.end)
        assert _apply(text, found) == text[:start] + "X" + text[end:]


def test_offsets_skip_a_leading_bom_the_lint_did_not_see() -> None:
    text = "\ufeffab  \n"
    (found,) = actions.text_edits(_document(text), [Edit("x.rst", 2, 4, "")])
    assert found.range == lsp.Range(lsp.Position(0, 3), lsp.Position(0, 5))


def test_the_difference_is_sent_line_by_line() -> None:
    found = actions.difference(_document("a\nb\nc\n"), "a\nB\nc\n")
    assert [(e.range.start.line, e.range.end.line, e.new_text) for e in found] == [(1, 2, "B\n")]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("a\nb\n", "x\na\nb\n"),  # a line added first
        ("a\nb\nc", "a\nb\nc\n"),  # the final newline
        ("a\n\n\nb\n\n\nc\n", "a\n\nb\n\n\nc  \n"),  # repeated lines
        ("a\r\nb\r\n", "a\nb\n"),  # every line
        ("a\nb\nc\n", ""),
        ("", "a\n"),
        ("a\na\na\n", "a\na\n"),
    ],
)
def test_the_difference_turns_the_text_into_the_other(before: str, after: str) -> None:
    found = actions.difference(_document(before), after)
    edits = [
        {
            "range": {
                "start": {"line": e.range.start.line, "character": e.range.start.character},
                "end": {"line": e.range.end.line, "character": e.range.end.character},
            },
            "newText": e.new_text,
        }
        for e in found
    ]
    assert apply_text_edits(before, edits) == after


@pytest.mark.parametrize(
    ("only", "quickfix", "fix_all"),
    [
        (None, True, True),
        (["quickfix"], True, False),
        (["source"], False, True),
        (["source.fixAll"], False, True),
        (["source.fixAll.novadoclint"], False, True),
        (["source.fixAll.ruff", "refactor"], False, False),
    ],
)
def test_the_kinds_a_client_asks_for(only: list[str] | None, quickfix: bool, fix_all: bool) -> None:
    assert actions.wanted(actions.QUICKFIX, only) is quickfix
    assert actions.wanted(actions.FIX_ALL, only) is fix_all


def test_a_tree_knows_the_text_its_findings_count_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVADOCLINT_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "docs"
    src.mkdir()
    (src / "conf.py").write_text("")
    page = "I\n=\n\nText.  \n"
    (src / "index.rst").write_text(page)
    old = time.time() - 60  # written a minute before the lint
    os.utime(src / "index.rst", (old, old))
    tree = workspace.Tree(src.resolve(), True)
    tree.load()
    assert tree.linted_text("index.rst") == page
    assert tree.linted_text("missing.rst") is None
    # the editor's text, once linted
    edited = "I\n=\n\nMore text.   \n"
    tree.overlay["index.rst"] = edited
    assert tree.linted_text("index.rst") == page  # not linted yet
    tree.update(["index.rst"])
    assert tree.linted_text("index.rst") == edited
    (fix,) = [f.fix for f in tree.findings["index.rst"] if f.rule == "D002"]
    assert fix is not None and fix.edits[0].start == edited.index("   ")
    # an in-memory lint keeps nothing
    findings = tree.findings
    assert [f.rule for f in tree.lint_text("index.rst", "I\n=\n\nOK.\n")] == []
    assert tree.findings is findings and tree.linted_text("index.rst") == edited
    # closed again, and the file written after the lint: not what was linted
    del tree.overlay["index.rst"]
    tree.update(["index.rst"])
    assert tree.linted_text("index.rst") == page
    (src / "index.rst").write_text("Changed.\n")
    assert tree.linted_text("index.rst") is None
