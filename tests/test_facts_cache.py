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


@pytest.fixture
def big_tree(tree: Path) -> Path:
    """Nine documents more: one changed is under REPACK_SHARE of them."""
    pages = [f"p{i}" for i in range(9)]
    toctree = "".join(f"   {p}\n" for p in pages)
    (tree / "index.rst").write_text(
        f"Index\n=====\n\n.. toctree::\n\n   a\n   b\n{toctree}\n.. include:: part.inc\n",
        encoding="utf-8",
    )
    for page in pages:
        (tree / f"{page}.rst").write_text(f"{page}\n==\n\nSee :doc:`a`.\n", encoding="utf-8")
    return tree


def test_a_few_changed_documents_are_kept_beside_the_pack(
    big_tree: Path, parsed: list[str], reads: list[str]
) -> None:
    """The pack holds what it held; a document's new bytes get an entry of their own."""
    from novadoclint.factscache import REPACK_SHARE

    assert 1 <= REPACK_SHARE * 12 < 2
    cold = findings(big_tree)
    before = (big_tree / "a.rst").read_text(encoding="utf-8")
    (big_tree / "a.rst").write_text("A\n=\n\nSee :doc:`missing`.\n", encoding="utf-8")
    changed = findings(big_tree)
    reads.clear()
    parsed.clear()
    assert findings(big_tree) == changed
    assert (sorted(reads), parsed) == (["entry", "pack"], [])
    (big_tree / "a.rst").write_text(before, encoding="utf-8")  # the pack's bytes again
    reads.clear()
    assert findings(big_tree) == cold
    assert (reads, parsed) == (["pack"], [])


def test_a_changed_include_is_kept_beside_the_pack(
    big_tree: Path, parsed: list[str], reads: list[str]
) -> None:
    """A pack entry whose include changed is passed over for the document's own entry."""
    findings(big_tree)
    (big_tree / "part.inc").write_text("See :doc:`nowhere`.\n", encoding="utf-8")
    changed = findings(big_tree)
    assert parsed[-1:] == ["index.rst"]
    reads.clear()
    parsed.clear()
    assert findings(big_tree) == changed
    assert (sorted(reads), parsed) == (["entry", "pack"], [])


def test_the_pack_is_written_again_when_enough_changed(
    tree: Path, parsed: list[str], reads: list[str]
) -> None:
    """One document of three is over REPACK_SHARE: the pack holds the new bytes."""
    findings(tree)
    (tree / "a.rst").write_text("A\n=\n\nSee :doc:`missing`.\n", encoding="utf-8")
    changed = findings(tree)
    reads.clear()
    parsed.clear()
    assert findings(tree) == changed
    assert (reads, parsed) == (["pack"], [])


def test_a_pack_of_other_bytes_or_shapes_is_a_miss(
    tree: Path, parsed: list[str], reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pack's entry is used only for the key of the document's bytes now, and well formed."""
    from novadoclint.safety.cache import DiskCache

    cold = findings(tree)
    real = DiskCache.get
    packs: list[dict[str, object]] = []

    def get(self: DiskCache, key: str) -> object | None:
        found = real(self, key)
        if not key.startswith("pack\0") or not isinstance(found, dict) or packs:
            return found
        good = found["a.rst"]
        assert isinstance(good, tuple)
        packs.append(found)
        return {  # a.rst: another document's entry; b.rst: the wrong key; index.rst: no shape
            "a.rst": (good[0], found["b.rst"][1]),
            "b.rst": (good[0], found["b.rst"][1]),
            "index.rst": (found["index.rst"][0], "not an entry"),
        }

    monkeypatch.setattr(DiskCache, "get", get)
    reads.clear()
    parsed.clear()
    assert findings(tree) == cold
    assert len(packs) == 1
    assert (sorted(reads), sorted(parsed)) == (
        ["entry", "entry", "entry", "pack"],  # each document's own entry: there is none
        ["a.rst", "b.rst", "index.rst"],
    )
    reads.clear()
    parsed.clear()
    assert findings(tree) == cold  # and a pack of the results parsed was written
    assert (reads, parsed) == (["pack"], [])


def test_a_tree_too_large_to_pack_keeps_entries_of_their_own(
    tree: Path, parsed: list[str], reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rather than a stale pack read first on every run, or the tree pickled in vain again."""
    from novadoclint.safety import cache as cache_module
    from novadoclint.safety.cache import DiskCache

    findings(tree)
    (pack,) = Path(os.environ["NOVADOCLINT_CACHE_DIR"]).rglob("facts-*/*/*")
    monkeypatch.setattr(cache_module, "MAX_PAYLOAD", pack.stat().st_size // 2)
    packed: list[object] = []
    real_put = DiskCache.put

    def put(self: DiskCache, key: str, value: object, **kwargs: float | None) -> bool:
        if key.startswith("pack\0"):
            packed.append(value if type(value) is tuple else "a pack")
        return real_put(self, key, value, **kwargs)

    monkeypatch.setattr(DiskCache, "put", put)
    (tree / "a.rst").write_text("A\n=\n\nSee :doc:`missing`.\n", encoding="utf-8")
    changed = findings(tree)  # a pack too large: the mark, and three entries
    assert packed == ["a pack", ("too large to pack", 3)]
    reads.clear()
    parsed.clear()
    assert findings(tree) == changed
    assert (sorted(reads), parsed) == (["entry", "entry", "entry", "pack"], [])
    (tree / "b.rst").write_text("B\n=\n\nSee :doc:`gone`.\n", encoding="utf-8")
    findings(tree)
    assert parsed == ["b.rst"] and len(packed) == 2  # not tried again
