"""Per-tree results derived from files' bytes, kept between runs in the cache.

A warm run parses no document, but a few tree-wide answers are derived from
other files on every run: what conf.py and the local extensions write
(:mod:`novadoclint.project.generated` reads their Python with :mod:`ast`, about
a tenth of a second on nova's ``doc/ext``). Such an answer is a pure function
of the bytes read and of a few settings, so it is stored under a key made of
all of them (the bytes by their sha256) and read back when none changed.

The namespace is named by novadoclint's version and the size and mtime of the
modules that compute the answer, so an entry made by other code is never
seen. The cache may come from another CI job: :class:`DerivedCache` reads
entries through :class:`~novadoclint.safety.cache.DiskCache` (plain values
only, no class at all), and the caller checks an entry's shape before using
it; anything else is a miss and the answer is computed again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence

from novadoclint import __version__
from novadoclint.safety.cache import DiskCache

SCHEMA = 1  # bump when an entry's shape changes


def stable_repr(value: object) -> str:
    """repr() with every set's and dict's items in sorted order: the same text in every process.

    A set of strings iterates in an order that follows their hashes, which
    PYTHONHASHSEED makes differ from run to run: conf.py's ``nitpick_ignore = {...}``
    made a cache key built with repr() new on every run.
    """
    return repr(_canonical(value))


def _canonical(value: object) -> object:
    if isinstance(value, (set, frozenset)):
        return ("<set>", sorted((_canonical(v) for v in value), key=repr))
    if isinstance(value, dict):
        items = ((_canonical(k), _canonical(v)) for k, v in value.items())
        return ("<dict>", sorted(items, key=repr))
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_canonical(v) for v in value)
    return value


def _stamp(modules: Sequence[str]) -> str:
    """Which code computes the answers: edits during development count."""
    parts = [__version__, str(SCHEMA)]
    for module in modules:
        try:
            info = os.stat(module)
        except OSError:
            parts.append(f"{module}:?")
            continue
        parts.append(f"{os.path.basename(module)}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256(";".join(parts).encode()).hexdigest()[:32]


class DerivedCache:
    """Answers of one kind (``kind``, computed by ``modules``), or none when ``enabled`` is off."""

    def __init__(self, kind: str, modules: Sequence[str], *, enabled: bool = True) -> None:
        self._cache = DiskCache(f"{kind}-{_stamp(modules)}") if enabled else None

    @staticmethod
    def key(*parts: object) -> str:
        """The key of the answer for these inputs (bytes as their sha256, the rest by repr)."""
        digest = hashlib.sha256()
        for part in parts:
            if isinstance(part, bytes):
                part = "sha256:" + hashlib.sha256(part).hexdigest()
            digest.update(repr(part).encode("utf-8", "surrogatepass") + b"\0")
        return digest.hexdigest()

    def get(self, key: str, valid: Callable[[object], bool]) -> object | None:
        """The stored answer if there is one and ``valid`` accepts its shape, else None."""
        if self._cache is None:
            return None
        value = self._cache.get(key)
        return value if value is not None and valid(value) else None

    def put(self, key: str, value: object) -> None:
        """Keep ``value`` (plain containers and scalars) for the next run."""
        if self._cache is not None:
            self._cache.put(key, value)


def row(value: object, *kinds: type | tuple[type | None, ...]) -> bool:
    """A tuple of len(kinds) values, each of its kind's exact type(s) (None: the value None):
    the shape check of a kept entry, which is untrusted."""
    if type(value) is not tuple or len(value) != len(kinds):
        return False
    for item, kind in zip(value, kinds, strict=True):
        allowed = kind if isinstance(kind, tuple) else (kind,)
        if not any(item is None if k is None else type(item) is k for k in allowed):
            return False
    return True
