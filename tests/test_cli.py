"""The command line end to end: exit codes, formats, --explain, bad input."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import pytest

from novadoclint.cli import build_parser, main
from novadoclint.fixes import Change, Source, unified_diff

from harness import FIXTURES

SAMPLE = FIXTURES / "sample"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def make_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def test_sample_text_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SAMPLE.parent.parent)
    code, out, _ = run(capsys, "--jobs", "1", "fixtures/sample")
    assert code == 1
    expected = (SAMPLE / "expected.txt").read_text(encoding="utf-8")
    lines = out.splitlines()
    assert [line.removeprefix("fixtures/sample/") for line in lines[:-1]] == expected.splitlines()
    assert lines[-1] == "5 files checked, 4 findings (2 errors, 2 warnings)"


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json", "--jobs", "1", str(SAMPLE))
    data = json.loads(out)
    assert code == 1
    assert data["version"] == 1
    assert data["tool"]["name"] == "novadoclint"
    assert data["summary"]["files"] == 5
    assert data["summary"]["findings"] == len(data["findings"]) == 4
    first = data["findings"][0]
    assert set(first) == {"path", "line", "column", "rule", "severity", "message"}
    assert data["findings"] == sorted(
        data["findings"], key=lambda f: (f["path"], f["line"], f["column"], f["rule"])
    )


def test_fail_on_and_select(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--fail-on", "error", "--select", "D001,D002", str(SAMPLE))[0] == 0
    assert run(capsys, "--select", "D001", str(SAMPLE))[0] == 1
    code, out, _ = run(capsys, "--ignore", "D*,doc-ref-missing,diagram-*", str(SAMPLE))
    assert code == 0
    assert "no problems found" in out


def test_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run(capsys, "--format", "json", "--output", str(target), str(SAMPLE))
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["summary"]["findings"] == 4


def test_jobs_do_not_change_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"conf.py": "extensions = []\n"}
    pages = [f"p{i}" for i in range(12)]
    files["index.rst"] = "Index\n=====\n\n.. toctree::\n\n" + "".join(f"   {p}\n" for p in pages)
    for i, p in enumerate(pages):
        files[f"{p}.rst"] = (
            f"P{i}\n{'=' * (len(str(i)) + 1)}\n\nSee :doc:`p{i + 1}` and :doc:`nope{i}`.\n"
        )
    tree = make_tree(tmp_path, files)
    serial = run(capsys, "--jobs", "1", str(tree))
    parallel = run(capsys, "--jobs", "2", str(tree))
    assert serial == parallel
    assert serial[1].count("doc-ref-missing") == 13


def test_list_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--list-rules")
    assert code == 0 and "Enabled by default:" in out and "doc-ref-missing" in out
    code, out, _ = run(capsys, "--explain", "doc-ref-missing")
    assert code == 0
    assert out.startswith("doc-ref-missing (error, cross-document, enabled by default)")
    assert "Why is this bad?" in out and "Use instead" in out
    code, out, _ = run(capsys, "--explain", "all", "--format", "json")
    assert code == 0 and {r["id"] for r in json.loads(out)} >= {"rst-syntax", "D001"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--explain", "no-such-rule"], "unknown rule 'no-such-rule'"),
        (["--select", "no-such-rule"], "no rule matches 'no-such-rule'"),
        (["/no/such/path"], "no such file or directory"),
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["--profile", "nope"], "unknown profile 'nope'"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_bad_config_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tree = make_tree(
        tmp_path,
        {
            "conf.py": "",
            "index.rst": "Index\n=====\n",
            ".novadoclint.toml": "select = ['D001']\nbogus = 1\n",
        },
    )
    code, _, err = run(capsys, str(tree))
    assert code == 2
    assert ".novadoclint.toml:2: unknown key 'bogus'" in err
    (tree / ".novadoclint.toml").write_text("select = [\n")
    code, _, err = run(capsys, str(tree))
    assert code == 2 and "invalid TOML" in err


def test_bad_input_is_reported_and_the_rest_linted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tree = make_tree(
        tmp_path,
        {
            "conf.py": "extensions = ['sphinx.ext.todo'\n",
            "index.rst": "Index\n=====\n\nSee :doc:`missing`.\n",
            "empty.rst": "",
            "latin1.rst": b"Caf\xe9\n====\n",
            "binary.rst": bytes(range(256)),
            "unreadable.rst": "Unreadable\n==========\n",
        },
    )
    os.chmod(tree / "unreadable.rst", 0)
    before = sorted(p.name for p in tree.rglob("*"))
    code, out, err = run(capsys, "--jobs", "1", str(tree))
    os.chmod(tree / "unreadable.rst", 0o644)
    assert code == 1
    assert "Traceback" not in out + err
    assert "conf-syntax" in out and "doc-ref-missing" in out
    assert "latin1.rst:1:1: error encoding not valid UTF-8 at byte 3" in out
    if os.geteuid() != 0:  # root reads everything
        assert "file-unreadable" in out
    assert sorted(p.name for p in tree.rglob("*")) == before  # nothing written in the tree


def test_directory_without_conf(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"index.rst": "Index\n=====\n\nText.\n"})
    code, out, err = run(capsys, str(tree))
    assert code == 0
    assert "no conf.py" in err and "1 files checked" in out


def test_single_file_reports_only_that_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SAMPLE / "reference" / "index.rst"))
    assert code == 1
    assert "reference/index.rst" in out and "configure.rst" not in out


def test_readme_lists_every_option_once() -> None:
    """The options table is written by hand: each option of the parser, once, and no other."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(--[a-z-]+)", readme, flags=re.MULTILINE)
    options = {
        name
        for action in build_parser()._actions
        for name in action.option_strings
        if name.startswith("--") and name != "--help"
    }
    assert sorted(rows) == sorted(options)


# --fix, --diff, --unsafe-fixes (issue 16)

FIXABLE_TREE: dict[str, str | bytes] = {
    "conf.py": "extensions = []\n",
    "index.rst": b"Index\r\n=====\r\n\r\nTrailing.   \r\n\r\nA :doc:`unrelated-name` stays.\r\n"
    b"\r\n.. toctree::\r\n\r\n   other\r\n",
    "other.rst": "Other\n=====\n\nClean.\n",
}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--unsafe-fixes"], "--unsafe-fixes needs --fix or --diff"),
        (["--fix", "--diff"], "--fix and --diff exclude each other"),
        (["--fix", "--check-links"], "--fix cannot be used with --check-links"),
        (["--diff", "--check-links"], "--diff cannot be used with --check-links"),
        (["--fix", "--write-baseline", "b.json"], "--fix cannot be used with --write-baseline"),
    ],
)
def test_fix_options_that_do_not_go_together_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    tree = make_tree(tmp_path, FIXABLE_TREE)
    code, out, err = run(capsys, *args, str(tree))
    assert (code, out) == (2, "") and message in err
    assert (tree / "index.rst").read_bytes() == FIXABLE_TREE["index.rst"]


def test_diff_prints_the_fixes_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = make_tree(tmp_path / "docs", FIXABLE_TREE)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "--diff", "--jobs", "1", "docs")
    assert code == 1
    lines = FIXABLE_TREE["index.rst"].decode().splitlines()  # type: ignore[union-attr]
    assert out == "--- a/docs/index.rst\n+++ b/docs/index.rst\n@@ -1,10 +1,10 @@\n" + "".join(
        f"-{line}\\r\n" for line in lines
    ) + "".join(f"+{line.rstrip()}\n" for line in lines)
    assert (tree / "index.rst").read_bytes() == FIXABLE_TREE["index.rst"]
    code, out, _ = run(capsys, "--diff", "--select", "D005", "docs")
    assert (code, out) == (0, "")


def test_fix_rewrites_reports_what_remains_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = make_tree(tmp_path / "docs", FIXABLE_TREE)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "--fix", "--jobs", "1", "docs")
    assert code == 1 and err == ""
    assert (tree / "index.rst").read_bytes() == (
        b"Index\n=====\n\nTrailing.\n\nA :doc:`unrelated-name` stays.\n\n.. toctree::\n\n   other\n"
    )
    assert out.splitlines() == [
        "docs/index.rst:6:3: error doc-ref-missing unknown document: 'unrelated-name'",
        "2 files checked, 1 finding (1 error)",
        "Found 12 findings (11 fixed, 1 remaining).",
    ]
    # nothing left to fix: the exit code is the remaining findings'
    code, out, _ = run(capsys, "--fix", "--jobs", "1", "docs")
    assert code == 1 and out.endswith("Found 1 finding (0 fixed, 1 remaining).\n")
    code, out, _ = run(capsys, "--fix", "--ignore", "doc-ref-missing", "docs")
    assert code == 0 and out.endswith("Found 0 findings (0 fixed, 0 remaining).\n")


def test_fix_with_json_keeps_the_contract_and_says_the_count_on_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tree = make_tree(tmp_path, FIXABLE_TREE)
    code, out, err = run(capsys, "--fix", "--format", "json", "--jobs", "1", str(tree))
    data = json.loads(out)
    assert code == 1 and [f["rule"] for f in data["findings"]] == ["doc-ref-missing"]
    assert set(data["findings"][0]) == {"path", "line", "column", "rule", "severity", "message"}
    assert "Found 12 findings (11 fixed, 1 remaining)." in err


def test_fix_honours_the_baseline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A finding the baseline hides is not reported, so not fixed either."""
    tree = make_tree(tmp_path / "docs", FIXABLE_TREE)
    baseline = tmp_path / "baseline.json"
    code, _, _ = run(capsys, "--write-baseline", str(baseline), "--select", "D002", str(tree))
    assert code == 0
    code, out, _ = run(
        capsys, "--fix", "--baseline", str(baseline), "--select", "D002,D004", str(tree)
    )
    assert b"Trailing.   \n" in (tree / "index.rst").read_bytes()
    assert out.endswith("Found 10 findings (10 fixed, 0 remaining).\n")


# A role's escaped space, unsafe, reads the text it swallowed again: `x` is then default-role's,
# whose fix only a second pass, after the re-lint, can see.
TWO_PASS_TREE: dict[str, str | bytes] = {
    "conf.py": "extensions = []\n",
    "index.rst": "Index\n=====\n\nCreate :class:`Flavor`s with `x`.   \n",
}


def _changes_between(before: dict[str, str | bytes], after: Path) -> str:
    """The unified diff --fix's result is from the tree as written (its files are text)."""
    changes = []
    for name, data in sorted(before.items()):
        old = data if isinstance(data, str) else data.decode("utf-8")
        new = (after / name).read_text(encoding="utf-8")
        if new != old:
            source = Source(f"docs/{name}", str(after / name), old.encode(), old, False)
            changes.append(Change(source, new))
    return unified_diff(changes)


def test_diff_shows_every_pass_of_fix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--diff runs --fix's passes on a copy: a fix a re-lint brings is in the diff too, the
    original is untouched and the copy is gone."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    shown = make_tree(tmp_path / "shown" / "docs", TWO_PASS_TREE)
    fixed = make_tree(tmp_path / "fixed" / "docs", TWO_PASS_TREE)
    args = ("--unsafe-fixes", "--select", "role-missing-space-after,default-role,D002", "docs")
    monkeypatch.chdir(fixed.parent)
    code, out, _ = run(capsys, "--fix", *args)
    assert code == 1
    text = (fixed / "index.rst").read_text(encoding="utf-8")
    assert text.endswith("Create :class:`Flavor`\\ s with ``x``.\n")  # two passes
    monkeypatch.chdir(shown.parent)
    code, out, err = run(capsys, "--diff", *args)
    assert (code, err) == (1, "")
    assert out == _changes_between(TWO_PASS_TREE, fixed)
    assert (shown / "index.rst").read_text(encoding="utf-8") == TWO_PASS_TREE["index.rst"]
    assert list(scratch.iterdir()) == []


def test_diff_honours_the_baseline_in_every_pass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The passes on the copy match the baseline by the original's paths."""
    tree = make_tree(tmp_path / "docs", TWO_PASS_TREE)
    monkeypatch.chdir(tmp_path)
    select = ("--select", "role-missing-space-after,default-role,D002", "docs")
    code, _, _ = run(capsys, "--write-baseline", "baseline.json", "--select", "D002", "docs")
    assert code == 0
    code, out, _ = run(capsys, "--diff", "--baseline", "baseline.json", "--unsafe-fixes", *select)
    assert code == 1
    assert "+Create :class:`Flavor`\\ s with ``x``.   \n" in out  # D002's finding is hidden
    assert (tree / "index.rst").read_text(encoding="utf-8") == TWO_PASS_TREE["index.rst"]


def test_an_included_file_is_fixed_once_in_itself(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two documents include one file outside the source dir: its findings, and their fixes,
    are one, made in the file; --diff shows the same."""
    include = "Page\n====\n\nSee ``x``.\n\n.. include:: ../../part.rst\n"
    make_tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "doc/source/conf.py": "extensions = []\n",
            "doc/source/index.rst": include + "\n.. toctree::\n\n   other\n",
            "doc/source/other.rst": include.replace("Page\n====", "Other\n====="),
            "part.rst": "Restart `nova` and see :ref:label.\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    args = ("--select", "default-role,role-missing-backticks", "doc/source")
    code, out, _ = run(capsys, "--diff", "--unsafe-fixes", *args)
    assert code == 1
    assert out == (
        "--- a/part.rst\n+++ b/part.rst\n@@ -1 +1 @@\n"
        "-Restart `nova` and see :ref:label.\n+Restart ``nova`` and see :ref:`label`.\n"
    )
    code, out, _ = run(capsys, "--fix", "--unsafe-fixes", *args)
    assert out.endswith("Found 2 findings (2 fixed, 0 remaining).\n")
    text = (tmp_path / "part.rst").read_text(encoding="utf-8")
    assert text == "Restart ``nova`` and see :ref:`label`.\n"
