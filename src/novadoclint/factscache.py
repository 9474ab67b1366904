"""The phase-1 cache: a document's facts and file findings, keyed by its content.

A warm run re-parses only what changed: the key is the document's path and
bytes; the entry remembers the hashes of the files it included, and a change
to any of them is a miss (Sphinx's DependenciesCollector idea). Everything
that could change a result without changing those bytes (novadoclint's own
code and data, conf.py, the vocabulary, the settings file rules read, the set
of file rules) is folded into the cache namespace's fingerprint, so a stale
entry is never seen. A document or include edited while the run reads it is
not stored (which bytes were parsed is unknown), nor is an internal error.
Any cache trouble is a miss: the run is still correct.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from novadoclint import __version__
from novadoclint.cache import DiskCache
from novadoclint.context import Context
from novadoclint.facts import FACTS_VERSION

if TYPE_CHECKING:
    from novadoclint.engine import Phase1Result

PACKAGE = Path(__file__).resolve().parent


def _code_stamp() -> str:
    """Which novadoclint code and data produced an entry: edits during development count."""
    stamp = hashlib.sha256()
    from novadoclint import data

    for folder in (PACKAGE, data.rules_dir()):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".toml"):
                info = path.stat()
                stamp.update(f"{path.name}:{info.st_size}:{info.st_mtime_ns};".encode())
    return stamp.hexdigest()


def fingerprint(ctx: Context, rule_ids: Iterable[str]) -> str:
    parts = (
        __version__,
        FACTS_VERSION,
        _code_stamp(),
        ctx.srcdir,
        repr(sorted(ctx.sphinx.values.items(), key=lambda kv: kv[0])),
        repr(ctx.vocabulary),
        repr(ctx.settings.doc8),
        ctx.settings.check_shell,
        sorted(rule_ids),
    )
    return "facts-" + hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _digest(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class FactsCache:
    """Lookup and store of phase-1 results for one run's context."""

    def __init__(self, ctx: Context, rule_ids: Iterable[str], root: Path | None = None) -> None:
        self._srcdir = ctx.srcdir
        self._cache = DiskCache(fingerprint(ctx, rule_ids), root)
        self._looked_up: dict[str, str] = {}  # path -> key of the bytes seen at lookup
        self._started = time.time_ns()
        self._digests: dict[str, str | None] = {}  # included files shared by many documents

    def _dependency_digest(self, dep: str) -> str | None:
        if dep not in self._digests:
            self._digests[dep] = _digest(os.path.join(self._srcdir, dep))
        return self._digests[dep]

    def _changed_since_start(self, dep: str) -> bool:
        try:
            return os.stat(os.path.join(self._srcdir, dep)).st_mtime_ns >= self._started
        except OSError:
            return False

    @staticmethod
    def key(path: str, raw: bytes) -> str:
        return hashlib.sha256(path.encode() + b"\0" + raw).hexdigest()

    def lookup(self, path: str) -> Phase1Result | None:
        try:
            raw = Path(self._srcdir, path).read_bytes()
        except OSError:
            return None
        key = self._looked_up[path] = self.key(path, raw)
        entry = self._cache.get(key)
        if not isinstance(entry, tuple) or len(entry) != 2:
            return None
        dependencies, result = entry
        for dep, digest in dependencies:
            if self._dependency_digest(dep) != digest:
                return None
        return result  # type: ignore[no-any-return]

    def store(self, path: str, result: Phase1Result) -> None:
        if any(rule == "internal-error" for rule, _ in result.hits):
            return  # a time budget overrun depends on the machine's load; a crash should recur
        try:
            raw = Path(self._srcdir, path).read_bytes()
        except OSError:
            return
        key = self.key(path, raw)
        if self._looked_up.get(path, key) != key:
            return  # edited while we linted: which bytes were parsed is unknown, keep nothing
        # Files read while parsing, and includes that were missing: either may change.
        missing = (i.resolved for i in result.facts.includes if not i.found)
        names = sorted({*result.facts.dependencies, *missing} - {path})
        if any(self._changed_since_start(dep) for dep in names):
            return  # an include edited mid-run: its digest now may not be what was parsed
        dependencies = tuple((dep, self._dependency_digest(dep)) for dep in names)
        self._cache.put(key, (dependencies, result))
