"""The phase-1 facts cache: warm runs equal cold ones, and only changed files re-parse."""

from __future__ import annotations

import os
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


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The facts-cache keys read (a pack's as 'pack', a document's entry as 'entry')."""
    from novadoclint.safety.cache import DiskCache

    seen: list[str] = []
    real = DiskCache.get

    def get(self: DiskCache, key: str) -> object | None:
        if self.fingerprint.startswith("facts-"):
            seen.append("pack" if key.startswith("pack\0") else "entry")
        return real(self, key)

    monkeypatch.setattr(DiskCache, "get", get)
    return seen


def test_a_warm_run_reads_one_pack(tree: Path, parsed: list[str], reads: list[str]) -> None:
    cold = findings(tree)
    assert reads == ["pack", "entry", "entry", "entry"]  # nothing yet: the pack is written
    reads.clear()
    parsed.clear()
    assert findings(tree) == cold
    assert (reads, parsed) == (["pack"], [])


def test_a_document_back_to_earlier_bytes_is_read_from_its_own_entry(
    tree: Path, parsed: list[str], reads: list[str]
) -> None:
    """The pack holds each document's last bytes only; older ones are still kept one by one."""
    cold = findings(tree)
    before = (tree / "a.rst").read_text(encoding="utf-8")
    (tree / "a.rst").write_text("A\n=\n\nSee :doc:`missing`.\n", encoding="utf-8")
    findings(tree)
    (tree / "a.rst").write_text(before, encoding="utf-8")
    reads.clear()
    parsed.clear()
    assert findings(tree) == cold
    assert (sorted(reads), parsed) == (["entry", "pack"], [])


def test_a_pack_of_other_bytes_or_shapes_is_passed_over(
    tree: Path, parsed: list[str], reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pack's entry is used only for the key of the document's bytes now, and well formed."""
    from novadoclint.safety.cache import DiskCache

    cold = findings(tree)
    real = DiskCache.get
    packs: list[dict[str, object]] = []

    def get(self: DiskCache, key: str) -> object | None:
        found = real(self, key)
        if not key.startswith("pack\0") or not isinstance(found, dict):
            return found
        good = found["a.rst"]
        assert isinstance(good, tuple)
        packs.append(found)
        return {  # a.rst: another document's entry; b.rst: the wrong key; index.rst: no shape
            "a.rst": (good[0], found["b.rst"][1]),  # type: ignore[index]
            "b.rst": (good[0], found["b.rst"][1]),  # type: ignore[index]
            "index.rst": (found["index.rst"][0], "not an entry"),  # type: ignore[index]
        }

    monkeypatch.setattr(DiskCache, "get", get)
    reads.clear()
    parsed.clear()
    assert findings(tree) == cold
    assert len(packs) == 1
    assert (sorted(reads), parsed) == (["entry", "entry", "entry", "pack"], [])


def test_a_pack_too_large_is_emptied(
    tree: Path, parsed: list[str], reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rather than a stale pack read first on every run: the documents' own entries, as before."""
    from novadoclint.safety import cache as cache_module

    cold = findings(tree)
    root = Path(os.environ["NOVADOCLINT_CACHE_DIR"])
    sizes = sorted(e.stat().st_size - cache_module._PREFIX for e in root.rglob("facts-*/*/*"))
    monkeypatch.setattr(cache_module, "MAX_PAYLOAD", sizes[-2] + 1)  # all but the pack fit
    (tree / "a.rst").write_text("A\n=\n\nSee :doc:`missing`.\n", encoding="utf-8")
    findings(tree)  # writes a pack: too large, so an empty one
    reads.clear()
    parsed.clear()
    assert findings(tree) != cold
    assert (sorted(reads), parsed) == (["entry", "entry", "entry", "pack"], [])
