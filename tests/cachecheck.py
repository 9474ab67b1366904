"""What the tests of the caches of derived answers share (derived, redirects, requirements,
link-malformed): a tree written, a lint of a few rules, and a cache entry forged."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from novadoclint.checks import ALL_RULES
from novadoclint.engine import lint_project
from novadoclint.project.discover import load_project
from novadoclint.safety.cache import DiskCache
from novadoclint.settings import load


def write_files(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def lint_selected(
    srcdir: Path, select: Sequence[str], *, cache: bool = True
) -> list[tuple[str, int, str]]:
    """A one-process lint of the selected rules: each finding's rule, line and message."""
    settings = replace(load(srcdir, rules=ALL_RULES), select=tuple(select), jobs=1, cache=cache)
    findings, _ = lint_project(load_project(srcdir, True), settings)
    return [(f.rule, f.line, f.message) for f in findings]


def forge_entries(
    monkeypatch: pytest.MonkeyPatch, kinds: str | tuple[str, ...], forged: object
) -> None:
    """Every entry of these kinds (fingerprint prefixes) reads as ``forged``: one that
    passed the cache's own checks but has another shape."""
    real_get = DiskCache.get

    def get(self: DiskCache, key: str) -> object | None:
        found = real_get(self, key)
        return forged if self.fingerprint.startswith(kinds) else found

    monkeypatch.setattr(DiskCache, "get", get)


def entries(cache_dir: Path, kind: str) -> int:
    """How many entries of one kind (a fingerprint prefix) the cache holds."""
    if not cache_dir.is_dir():
        return 0
    return sum(1 for p in cache_dir.glob(f"{kind}-*/*/*") if p.is_file())
