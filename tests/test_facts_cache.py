"""The phase-1 facts cache: warm runs equal cold ones, and only changed files re-parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from novadoclint import phase1
from novadoclint.engine import lint

TREE = {
    "conf.py": "extensions = []\n",
    "index.rst": "Index\n=====\n\n.. toctree::\n\n   a\n   b\n\n.. include:: part.inc\n",
    "part.inc": "See :doc:`a`.\n",
    "a.rst": "A\n=\n\nSee :doc:`b`.\n",
    "b.rst": "B\n=\n\nSee :doc:`a`.\n",
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name, text in TREE.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records which documents phase 1 actually parses."""
    seen: list[str] = []
    real = phase1.phase1_file

    def spy(ctx, rule_ids, item):  # type: ignore[no-untyped-def]
        seen.append(item[1])
        return real(ctx, rule_ids, item)

    monkeypatch.setattr(phase1, "phase1_file", spy)
    return seen


def findings(tree: Path) -> list[str]:
    return [f.render() for f in lint([tree], overrides={"jobs": 1}).findings]


def test_warm_run_parses_nothing_and_equals_cold(tree: Path, parsed: list[str]) -> None:
    cold = findings(tree)
    assert sorted(parsed) == ["a.rst", "b.rst", "index.rst"]
    parsed.clear()
    assert findings(tree) == cold
    assert parsed == []


def test_one_changed_file_reparses_one_file(tree: Path, parsed: list[str]) -> None:
    findings(tree)
    parsed.clear()
    (tree / "a.rst").write_text("A\n=\n\nSee :doc:`missing`.\n", encoding="utf-8")
    result = findings(tree)
    assert parsed == ["a.rst"]
    assert any("unknown document: 'missing'" in line for line in result)


def test_changed_include_reparses_its_includer(tree: Path, parsed: list[str]) -> None:
    findings(tree)
    parsed.clear()
    (tree / "part.inc").write_text("See :doc:`nowhere`.\n", encoding="utf-8")
    result = findings(tree)
    assert parsed == ["index.rst"]
    assert any("part.inc" in line and "nowhere" in line for line in result)


def test_corrupt_cache_is_a_miss(
    tree: Path, parsed: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    cold = findings(tree)
    import os

    root = Path(os.environ["NOVADOCLINT_CACHE_DIR"])
    for entry in root.rglob("*"):
        if entry.is_file():
            entry.write_bytes(entry.read_bytes()[:10])
    parsed.clear()
    assert findings(tree) == cold
    assert len(parsed) == 3


def test_no_cache_reads_nothing(tree: Path, parsed: list[str]) -> None:
    lint([tree], overrides={"jobs": 1})
    parsed.clear()
    lint([tree], overrides={"jobs": 1, "cache": False})
    assert len(parsed) == 3
