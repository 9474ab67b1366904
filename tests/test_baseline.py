"""Baselines: write one, the next run is clean; a new problem still fails; lines may move."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from novadoclint.cli import main


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "conf.py").write_text("extensions = []\n")
    (tmp_path / "index.rst").write_text(
        "Index\n=====\n\n.. toctree::\n\n   a\n\nSee :doc:`old` and :doc:`old`.\n"
    )
    (tmp_path / "a.rst").write_text("A\n=\n\nText.\n")
    return tmp_path


def test_baseline_round_trip(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "baseline.json"
    assert main(["--write-baseline", str(base), str(tree)]) == 0
    entries = json.loads(base.read_text())["findings"]
    assert [e["rule"] for e in entries] == ["doc-ref-missing", "doc-ref-missing"]
    assert main(["--baseline", str(base), str(tree)]) == 0
    # Moving the findings down two lines does not break the baseline.
    index = tree / "index.rst"
    index.write_text(index.read_text().replace("See :doc:", "\n\nSee :doc:"))
    assert main(["--baseline", str(base), str(tree)]) == 0
    # A third occurrence of the same problem is new: entries count.
    index.write_text(index.read_text() + "\nAnd :doc:`old`.\n")
    capsys.readouterr()
    assert main(["--baseline", str(base), str(tree)]) == 1
    out = capsys.readouterr().out
    assert out.count("doc-ref-missing") == 1


def test_bad_baseline_exit_2(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["--baseline", str(bad), str(tree)]) == 2
    assert "baseline is not valid JSON" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content",
    [
        '{"version": 2, "findings": []}',
        '{"version": 1, "findings": [{"path": "a.rst", "rule": "D001"}]}',
        '{"version": 1, "findings": [{"path": ["a.rst"], "rule": "D001", "message": "x"}]}',
        '{"version": 1, "findings": 3}',
        "[]",
    ],
)
def test_malformed_baseline_exit_2(
    tree: Path, tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """decide.apply_baseline reads through baseline.read: every malformed file is exit 2."""
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["--baseline", str(bad), str(tree)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: " in err and "internal error" not in err


def test_baseline_and_fail_on_from_the_config(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the baseline leaves decides the exit code, at the config file's fail level."""
    base = tmp_path / "baseline.json"
    (tree / "a.rst").write_text("A\n=\n\n" + "x " * 50 + "\n")  # a new D001 warning
    assert main(["--write-baseline", str(base), str(tree)]) == 0
    (tree / "index.rst").write_text((tree / "index.rst").read_text() + "\nAnd :doc:`old`.\n")
    assert main(["--baseline", str(base), str(tree)]) == 1  # the third doc-ref-missing
    (tree / ".novadoclint.toml").write_text('severity = { doc-ref-missing = "info" }\n')
    assert main(["--baseline", str(base), str(tree)]) == 0
    (tree / ".novadoclint.toml").write_text(
        'severity = { doc-ref-missing = "info" }\nfail-on = "info"\n'
    )
    assert main(["--baseline", str(base), str(tree)]) == 1
