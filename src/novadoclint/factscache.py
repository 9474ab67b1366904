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

The cache may come from an earlier CI job: its entries are read back as the
record classes below and nothing else (see :mod:`novadoclint.safety.cache`), and an
entry must have the shape of a phase-1 result of the document looked up.

A tree's entries are kept together, in a pack: the last run's entries of all its
documents in one cache entry, each beside the key of the bytes it was made from.
A warm run reads one file instead of one per document (nova's 190 pages: ~17 ms of
CPU to ~11). A pack's entry is used only under the key the document's bytes have
now and with its dependencies' digests checked, exactly as a document's own entry
is; a pack or pack entry of another shape or key is passed over for the document's
own entry, if there is one. Once every document the run looked up has its result
(after the last miss is stored, or when the caller says so: :meth:`FactsCache.finish`),
the pack is written again if more than :data:`REPACK_SHARE` of them came from
elsewhere (a first run: all); else the few results parsed are kept as entries of
their own, beside the pack, and writing it again (~20 ms for nova) waits until
enough have changed. A tree whose pack is too large for one cache entry (some
thousands of pages) has every entry kept on its own, as before packs, and a mark
in the pack's place: no later run pickles its whole tree again only to find that out.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from novadoclint import __version__, facts
from novadoclint.context import Context
from novadoclint.edits import Edit, Fix, FixSafety
from novadoclint.facts import FACTS_VERSION, DocFacts, Phase1Result
from novadoclint.findings import Hit, Location
from novadoclint.project.derived import stable_repr
from novadoclint.safety import untrusted
from novadoclint.safety.cache import DiskCache

PACKAGE = Path(__file__).resolve().parent
# bump when the entries' records change shape (a Hit with a fix: 2); older entries then miss
RECORD_VERSION = 2
OUTSIDE = "outside the project"  # a dependency's digest when it leads out: never read
#: The pack is written again when more than this share of the documents missed it.
REPACK_SHARE = 1 / 8
TOO_LARGE = "too large to pack"  # stands in the pack's place, with the documents' count


def _code_stamp() -> str:
    """Which novadoclint code and data produced an entry: edits during development count.

    os.scandir, not Path.rglob: about 3 ms of every run less (rglob also lists __pycache__).
    """
    stamp = hashlib.sha256()
    from novadoclint import data

    for folder in (PACKAGE, data.rules_dir()):
        for path in sorted(_sources(str(folder))):
            info = os.stat(path)
            stamp.update(f"{os.path.basename(path)}:{info.st_size}:{info.st_mtime_ns};".encode())
    return stamp.hexdigest()


def _sources(folder: str) -> list[str]:
    """The .py, .toml and .json files under folder, at any depth (bytecode folders skipped)."""
    found: list[str] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    found.extend(_sources(entry.path))
            elif entry.name.endswith((".py", ".toml", ".json")):
                found.append(entry.path)
    return found


def fingerprint(ctx: Context, rule_ids: Iterable[str]) -> str:
    parts = (
        __version__,
        FACTS_VERSION,
        RECORD_VERSION,
        _code_stamp(),
        ctx.srcdir,
        untrusted.project_root(ctx.srcdir),  # what an include may read: a marker may come or go
        stable_repr(ctx.sphinx.values),  # a set's repr differs from process to process
        repr(ctx.vocabulary),
        repr(ctx.settings.doc8),
        ctx.settings.check_shell,
        sorted(rule_ids),
    )
    return "facts-" + hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def record_types() -> tuple[type, ...]:
    """The classes a phase-1 entry is made of: the only globals its reader resolves."""
    fact_types = tuple(
        value
        for value in vars(facts).values()
        if isinstance(value, type)
        and dataclasses.is_dataclass(value)
        and value.__module__ == facts.__name__
    )
    # Phase1Result is one of the fact types; a hit's fix is Edits and a FixSafety
    return (Hit, Location, Fix, Edit, FixSafety, *fact_types)


def _well_formed(entry: object, path: str) -> bool:
    """Whether a decoded entry has the shape store() writes, for the document at *path*."""
    if type(entry) is not tuple or len(entry) != 2:
        return False
    dependencies, result = entry
    if type(dependencies) is not tuple or type(result) is not Phase1Result:
        return False
    if type(result.facts) is not DocFacts or result.facts.path != path:
        return False
    if type(result.hits) is not tuple:
        return False
    for hit in result.hits:
        if type(hit) is not tuple or len(hit) != 2 or type(hit[0]) is not str:
            return False
        if type(hit[1]) is not Hit or type(hit[1].at) is not Location:
            return False
        if hit[1].fix is not None and not _well_formed_fix(hit[1].fix):
            return False
    return all(
        type(dep) is tuple
        and len(dep) == 2
        and type(dep[0]) is str
        and (dep[1] is None or type(dep[1]) is str)
        for dep in dependencies
    )


def _well_formed_fix(fix: object) -> bool:
    """A hit's fix as rules build it: a Fix of Edits with a path, a range and a string."""
    if type(fix) is not Fix or type(fix.edits) is not tuple or type(fix.safety) is not FixSafety:
        return False
    return all(
        type(edit) is Edit
        and type(edit.path) is str
        and type(edit.start) is int
        and type(edit.end) is int
        and type(edit.new) is str
        for edit in fix.edits
    )


def _digest(srcdir: str, dep: str) -> str | None:
    """sha256 of a file an entry depends on; a cached entry names it, so read it bounded.

    A dependency that now leads outside the project (a link put in its place) is
    not read: it gets its own mark, so the entry misses and the parse reports it.
    """
    inside = untrusted.resolve_inside(untrusted.project_root(srcdir), os.path.join(srcdir, dep))
    if inside is None:
        return OUTSIDE
    try:
        return hashlib.sha256(untrusted.read_bytes(inside)).hexdigest()
    except OSError:  # also untrusted.Refused: /dev/zero, a FIFO, a huge file
        return None


Entry = tuple[tuple[tuple[str, str | None], ...], Phase1Result]  # dependencies, result


class FactsCache:
    """Lookup and store of phase-1 results for one run's context."""

    def __init__(self, ctx: Context, rule_ids: Iterable[str], root: Path | None = None) -> None:
        self._srcdir = ctx.srcdir
        self._cache = DiskCache(fingerprint(ctx, rule_ids), root, types=record_types())
        self._looked_up: dict[str, str] = {}  # path -> key of the bytes seen at lookup
        self._started = time.time_ns()
        self._digests: dict[str, str | None] = {}  # included files shared by many documents
        self._pack_key = f"pack\0{ctx.srcdir}"
        self._pack: dict[object, object] | None = None  # the last run's, read at first lookup
        self._entries: dict[str, tuple[str, Entry]] = {}  # this run's: path -> key, entry
        self._unwritten: dict[str, tuple[str, Entry]] = {}  # stored, not yet on disk
        self._missed: set[str] = set()  # looked up, neither hit nor stored yet
        self._outside_pack = 0  # documents looked up whose result the pack did not hold
        self._unpackable = False  # the last run found this tree's pack too large

    def _dependency_digest(self, dep: str) -> str | None:
        if dep not in self._digests:
            self._digests[dep] = _digest(self._srcdir, dep)
        return self._digests[dep]

    def _changed_since_start(self, dep: str) -> bool:
        try:
            return os.stat(os.path.join(self._srcdir, dep)).st_mtime_ns >= self._started
        except OSError:
            return False

    @staticmethod
    def key(path: str, raw: bytes) -> str:
        return hashlib.sha256(os.fsencode(path) + b"\0" + raw).hexdigest()

    def lookup(self, path: str) -> Phase1Result | None:
        try:
            raw = untrusted.read_bytes(os.path.join(self._srcdir, path))
        except OSError:
            return None
        key = self._looked_up[path] = self.key(path, raw)
        self._missed.add(path)
        entry = self._packed(path, key)
        if not self._current(entry, path):
            self._outside_pack += 1
            entry = self._cache.get(key)
            if not self._current(entry, path):
                return None
        self._missed.discard(path)
        self._entries[path] = key, cast("Entry", entry)
        return cast("Entry", entry)[1]

    def _current(self, entry: object, path: str) -> bool:
        """Whether *entry* is one of *path* whose dependencies are as they were then."""
        if not _well_formed(entry, path):
            return False
        dependencies, _ = cast("Entry", entry)
        return all(self._dependency_digest(dep) == digest for dep, digest in dependencies)

    def _packed(self, path: str, key: str) -> object | None:
        """The pack's entry for *path* if it was made from bytes of this *key*, else None."""
        if self._pack is None:
            pack = self._cache.get(self._pack_key)
            self._pack = pack if type(pack) is dict else {}
            self._unpackable = type(pack) is tuple and bool(pack) and pack[0] == TOO_LARGE
        item = self._pack.get(path)
        if type(item) is not tuple or len(item) != 2 or item[0] != key:
            return None
        entry: object = item[1]
        return entry

    def store(self, path: str, result: Phase1Result) -> None:
        kept = self._kept(path, result)
        if kept is not None:
            self._entries[path] = self._unwritten[path] = kept
        self._missed.discard(path)
        if not self._missed:
            self.finish()

    def _kept(self, path: str, result: Phase1Result) -> tuple[str, Entry] | None:
        """The key and entry to keep for this result, None when it must not be kept."""
        if any(rule == "internal-error" for rule, _ in result.hits):
            return None  # a budget overrun may not recur (its wall limit counts waiting)
        try:
            raw = untrusted.read_bytes(os.path.join(self._srcdir, path))
        except OSError:
            return None
        key = self.key(path, raw)
        if self._looked_up.get(path, key) != key:
            return None  # edited while we linted: which bytes were parsed is unknown
        # Files read while parsing, and includes that were missing: either may change.
        missing = (i.resolved for i in result.facts.includes if not i.found)
        names = sorted({*result.facts.dependencies, *missing} - {path})
        if any(self._changed_since_start(dep) for dep in names):
            return None  # an include edited mid-run: its digest now may not be what was parsed
        return key, (tuple((dep, self._dependency_digest(dep)) for dep in names), result)

    def finish(self) -> None:
        """Keep what this run stored: a new pack of every result, or entries of their own.

        Idempotent. The pack is written again when more than REPACK_SHARE of the
        documents looked up missed it; one that cannot be written is replaced by the
        TOO_LARGE mark, so that no stale pack is read first and no later run tries
        again, and every result is kept on its own.
        """
        if self._outside_pack > REPACK_SHARE * len(self._looked_up) and not self._unpackable:
            self._outside_pack = 0
            if self._cache.put(self._pack_key, self._entries):
                self._unwritten.clear()
                return
            self._cache.put(self._pack_key, (TOO_LARGE, len(self._entries)))
            self._unpackable = True
            self._unwritten = dict(self._entries)
        for key, entry in self._unwritten.values():
            self._cache.put(key, entry)
        self._unwritten.clear()
