"""A small, generic on-disk cache that can never break a run.

The cache holds things that are expensive to recompute (link-check results today, per-file
phase-1 results keyed by content hash later). A cache is only an optimisation, so every way it
can go wrong on the read side (missing file, truncation, garbage, a file written by another
novadoclint version, an expired entry) is simply a miss, and every way it can go wrong on the
write side (read-only directory, full disk) is logged at debug level and ignored.

Layout: ``<root>/<namespace>/<aa>/<rest-of-sha256>``. The namespace directory is named by a
version fingerprint chosen by the caller, so a cache written by another tool version (or with
other settings baked into the fingerprint) is simply not seen; nothing needs to be migrated or
invalidated. Keys are hashed with sha256 so any string can be a key and file names stay safe.

Each file holds a small header (magic + sha256 of the payload) followed by a pickled record
``(fingerprint, key, expires_at, value)``. The digest catches corruption that would still
unpickle; the fingerprint and key inside the record catch files that were copied or renamed
into the wrong place. Writes go to a temporary file in the same directory and are then moved
into place with :func:`os.replace`, which is atomic, so two runs writing the same entry at once
leave one complete entry and readers never see half a file.

Values are unpickled, so the cache directory must be as trusted as the user's own files
(it lives in the user's cache directory, never in the documentation tree), the same trust model
as Sphinx's pickled environment.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import logging
import os
import pickle
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["DiskCache", "default_cache_dir"]

_log = logging.getLogger(__name__)

#: Bumped when the on-disk record format changes; old files then fail the magic check (= miss).
_MAGIC = b"NDLCACHE1\n"
_DIGEST_SIZE = hashlib.sha256().digest_size
#: Fingerprints made only of these characters are used verbatim as the directory name, which
#: keeps the cache directory readable; anything else is hashed so it is always a safe name.
_PLAIN_FINGERPRINT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")


def default_cache_dir() -> Path:
    """Where novadoclint keeps caches when the caller does not say.

    ``$NOVADOCLINT_CACHE_DIR`` wins (CI systems cache a chosen directory between jobs); then
    ``$XDG_CACHE_HOME/novadoclint``; then ``~/.cache/novadoclint``. A relative
    ``XDG_CACHE_HOME`` is ignored, as the XDG base-directory specification requires.
    """
    override = os.environ.get("NOVADOCLINT_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "novadoclint"
    return Path.home() / ".cache" / "novadoclint"


def _namespace_dir_name(fingerprint: str) -> str:
    """A directory name for *fingerprint*: itself if it is short and plain, else its hash."""
    if _PLAIN_FINGERPRINT.fullmatch(fingerprint):
        return fingerprint
    return "fp-" + hashlib.sha256(fingerprint.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class _Pickler(pickle.Pickler):
    """Pickles slotted dataclasses as a constructor call.

    dataclasses' own ``__setstate__`` for ``slots=True`` looks up ``fields()`` for every
    instance; a warm run unpickles hundreds of thousands of small facts, and rebuilding
    them through the constructor loads them about a third faster.
    """

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._plain: dict[type, tuple[str, ...] | None] = {}

    def reducer_override(self, obj: object) -> Any:
        cls = type(obj)
        if cls not in self._plain:
            self._plain[cls] = _constructor_fields(cls)
        names = self._plain[cls]
        if names is None:
            return NotImplemented
        return cls, tuple(getattr(obj, name) for name in names)


def _constructor_fields(cls: type) -> tuple[str, ...] | None:
    """The fields a slotted dataclass's constructor takes in order, if it takes all of them."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in vars(cls):
        return None
    if hasattr(cls, "__post_init__"):
        return None
    fields = dataclasses.fields(cls)
    if any(not f.init or f.kw_only for f in fields):
        return None
    return tuple(f.name for f in fields)


def _dumps(value: object) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer).dump(value)
    return buffer.getvalue()


class DiskCache:
    """A directory of pickled values, keyed by strings, with optional per-entry expiry.

    *fingerprint* names the namespace: callers put everything that would make old entries
    wrong into it (tool version, record-format versions, relevant settings). *root* defaults
    to :func:`default_cache_dir`. *clock* returns wall-clock seconds and exists so tests can
    move time forward instead of sleeping; expiry uses wall-clock time because entries outlive
    the process.

    Instances hold no open resources and are safe to share between threads and processes.
    ``None`` cannot be stored meaningfully, because :meth:`get` returns ``None`` for a miss.
    """

    __slots__ = ("_clock", "_directory", "_fingerprint")

    def __init__(
        self,
        fingerprint: str,
        root: Path | str | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        base = default_cache_dir() if root is None else Path(root)
        self._fingerprint = fingerprint
        self._directory = base / _namespace_dir_name(fingerprint)
        self._clock = clock

    @property
    def fingerprint(self) -> str:
        """The version fingerprint this cache reads and writes."""
        return self._fingerprint

    @property
    def directory(self) -> Path:
        """The namespace directory (it may not exist yet; it is created on the first write)."""
        return self._directory

    def path_for(self, key: str) -> Path:
        """The file that holds *key*; exposed for tests and for ``--clear-cache``-style tools."""
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return self._directory / digest[:2] / digest[2:]

    def get(self, key: str) -> object | None:
        """The value stored under *key*, or ``None`` on any kind of miss. Never raises."""
        path = self.path_for(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:  # permissions, is-a-directory, odd file systems
            _log.debug("cache: cannot read %s: %s", path, exc)
            return None
        try:
            return self._decode(key, data)
        except Exception as exc:  # unpickling can raise nearly anything; all of it is a miss
            _log.debug("cache: unusable entry %s: %r", path, exc)
            return None

    def put(self, key: str, value: object, *, ttl: float | None = None) -> None:
        """Store *value* under *key*, valid for *ttl* seconds (``None``: no expiry).

        Errors from the file system are logged at debug level and swallowed: a run must not
        fail because its cache could not be written. A value that cannot be pickled is a bug
        in the caller and raises (everything cached also has to cross process boundaries).
        A *ttl* of zero or less stores nothing.
        """
        if ttl is not None and ttl <= 0:
            return
        expires = None if ttl is None else self._clock() + ttl
        payload = _dumps((self._fingerprint, key, expires, value))
        blob = _MAGIC + hashlib.sha256(payload).digest() + payload
        path = self.path_for(key)
        tmp_name: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(tmp_name, path)
            tmp_name = None
        except OSError as exc:
            _log.debug("cache: cannot write %s: %s", path, exc)
        finally:
            if tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)

    def _decode(self, key: str, data: bytes) -> object | None:
        """Check the header, digest, record shape, fingerprint, key and expiry; then the value."""
        header = len(_MAGIC) + _DIGEST_SIZE
        if len(data) <= header or not data.startswith(_MAGIC):
            return None
        payload = data[header:]
        if hashlib.sha256(payload).digest() != data[len(_MAGIC) : header]:
            return None
        record = pickle.loads(payload)
        if not isinstance(record, tuple) or len(record) != 4:
            return None
        fingerprint, stored_key, expires = record[0], record[1], record[2]
        value: object = record[3]
        if fingerprint != self._fingerprint or stored_key != key:
            return None
        if expires is not None and (
            not isinstance(expires, (int, float)) or self._clock() >= expires
        ):
            return None
        return value
