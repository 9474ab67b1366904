"""A small, generic on-disk cache that can never break a run, nor be used to attack one.

The cache holds things that are expensive to recompute (link-check results, per-file phase-1
results keyed by content hash). A cache is only an optimisation, so every way it can go wrong
on the read side (missing file, truncation, garbage, a file written by another novadoclint
version, an expired entry, a crafted entry) is simply a miss, and every way it can go wrong on
the write side (read-only directory, full disk) is logged at debug level and ignored.

Layout: ``<root>/<namespace>/<aa>/<rest-of-sha256>``. The namespace directory is named by a
version fingerprint chosen by the caller, so a cache written by another tool version (or with
other settings baked into the fingerprint) is simply not seen; nothing needs to be migrated or
invalidated. Keys are hashed with sha256 so any string can be a key and file names stay safe.

The cache directory may be restored from an earlier CI job or shared with other users, so its
content is untrusted:

* Each file is a fixed header (magic, sha256 of the fingerprint, sha256 of the key, expiry,
  payload length, sha256 of the payload) and a pickled payload. Everything in the header is
  checked before a byte of the payload is decoded: a file copied, renamed or written for other
  settings is a miss without being unpickled, and so is one larger than
  :data:`MAX_PAYLOAD` (checked on the file's size, before reading it).
* The payload is read by an unpickler that resolves no global but the record classes the
  caller names (``types``): no ``os.system``, ``builtins.eval`` or ``getattr``, no
  ``copyreg`` or ``functools`` helpers. Plain containers and scalars need no global with
  protocol 5, so a value made of them and of those classes is the only thing a payload can
  build; constructing them runs only their dataclass ``__init__``. Values are written the same
  way: :meth:`DiskCache.put` refuses a value its reader would refuse.
* A cache directory that another user owns, or that group or others may write, is refused with
  one warning and the run goes uncached (as pip and git do): whoever may write it could forge
  its entries. Directories are created with mode 0o700, files with 0o600; entries are opened
  with ``O_NOFOLLOW`` and must be regular files owned by the user, and directories novadoclint
  made inside the cache are checked with ``lstat``, so a planted symlink never redirects a
  read or a write.

Writes go to a temporary file in the same directory and are then moved into place with
:func:`os.replace`, which is atomic, so two runs writing the same entry at once leave one
complete entry and readers never see half a file.

What this does not promise: a writer of the cache can still forge a well-formed entry (the
facts of a document it never saw, hiding its findings), so a CI cache should come only from
jobs as trusted as the one reading it; the checks make sure a cache cannot run code or write
outside its directory, and bound an entry's size. Unpickling allocates a bounded multiple of
that size, with one exception outside our reach: CPython before the fix for gh-115952 (3.11
included) sizes its memo table by the index a ``LONG_BINPUT`` opcode names, so a tiny crafted
entry can make it allocate gigabytes once (a MemoryError, or a slow run), never run code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import logging
import math
import os
import pickle
import re
import stat
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = ["MAX_PAYLOAD", "DiskCache", "default_cache_dir"]

_log = logging.getLogger(__name__)

#: Bumped when the on-disk record format changes; old files then fail the magic check (= miss).
_MAGIC = b"NDLCACHE2\n"
#: sha256(fingerprint), sha256(key), expiry (+inf: never), payload length, sha256(payload).
_HEADER = struct.Struct("<32s32sdQ32s")
_PREFIX = len(_MAGIC) + _HEADER.size
#: The largest payload read back (or written): nova's largest page, 60 KB of reST, makes 39 KB.
#: Unpickling allocates a bounded multiple of the payload's size, so this bounds it too.
MAX_PAYLOAD = 8 * 2**20
#: Fingerprints made only of these characters are used verbatim as the directory name, which
#: keeps the cache directory readable; anything else is hashed so it is always a safe name.
_PLAIN_FINGERPRINT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
#: Values whose type needs no global in a protocol-5 pickle (each has its own opcodes).
_PLAIN_TYPES = frozenset(
    {str, bytes, bytearray, int, float, bool, type(None), tuple, list, dict, set, frozenset}
)
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)  # a symlink planted as an entry is an error, not followed
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO planted as an entry must not block the run
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_warned: set[str] = set()  # cache roots already warned about in this process
_warned_lock = threading.Lock()


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


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _unsafe_because(info: os.stat_result, what: str) -> str | None:
    """Why a directory with this stat may hold entries someone else wrote, or ``None``.

    Without ``os.geteuid`` (Windows) neither owner nor mode bits mean anything: not checked.
    """
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:
        return None
    if info.st_uid != geteuid():
        return f"{what} is owned by uid {info.st_uid}, not by the current user (uid {geteuid()})"
    if info.st_mode & 0o022:
        return f"group or others can write {what} (mode {stat.S_IMODE(info.st_mode):04o})"
    return None


def _check_directory(path: Path, what: str, *, root: bool) -> str | None:
    """Why *path* must not be used as a cache directory, or ``None``.

    The root may be anywhere the user points, through a symlink too. If a directory is
    missing (it is created later, mode 0o700), unreadable or a plain file, reads miss and
    writes fail on their own. The directories novadoclint creates inside the root are
    checked with ``lstat``: a symlink there was planted to redirect writes.
    """
    try:
        info = os.stat(path) if root else os.lstat(path)
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return f"{what} is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return None
    return _unsafe_because(info, what)


def _warn_untrusted(root: Path, reason: str) -> None:
    """One warning per cache root and process: the run continues without the cache."""
    with _warned_lock:
        if str(root) in _warned:
            return
        _warned.add(str(root))
    _log.warning(
        "warning: not using the cache directory %s: %s, so its entries could have been "
        "written by someone else; running uncached (make it yours and not writable by "
        "others, e.g. chmod go-w, or set NOVADOCLINT_CACHE_DIR to another directory)",
        root,
        reason,
    )


class _Pickler(pickle.Pickler):
    """Pickles slotted dataclasses as a constructor call, and only what the reader accepts.

    dataclasses' own ``__setstate__`` for ``slots=True`` looks up ``fields()`` for every
    instance; a warm run unpickles hundreds of thousands of small facts, and rebuilding
    them through the constructor loads them about a third faster. A value of a type that is
    neither plain (no global needed) nor one of *allowed* raises: it would never load.
    """

    def __init__(self, file: io.BytesIO, allowed: frozenset[type]) -> None:
        super().__init__(file, protocol=5)
        self._allowed = allowed
        self._plain: dict[type, tuple[str, ...] | None] = {}

    def reducer_override(self, obj: object) -> Any:
        cls = type(obj)
        if isinstance(obj, type):  # a class by reference (a record class's, an enum's member's)
            if obj in self._allowed:
                return NotImplemented
            raise pickle.PicklingError(f"cache: the class {obj!r} is not readable back")
        try:
            names = self._plain[cls]
        except KeyError:
            names = self._plain[cls] = self._reducer_fields(cls)
        if names is None:
            return NotImplemented
        return cls, tuple(getattr(obj, name) for name in names)

    def _reducer_fields(self, cls: type) -> tuple[str, ...] | None:
        if cls in _PLAIN_TYPES:
            return None
        if cls not in self._allowed:
            raise pickle.PicklingError(
                f"cache: {cls.__module__}.{cls.__qualname__} values are not readable back "
                "(not among the cache's record types)"
            )
        return _constructor_fields(cls)


class _Unpickler(pickle.Unpickler):
    """Resolves no global but the allowed record classes: a crafted payload cannot run code."""

    def __init__(self, data: bytes, start: int, allowed: dict[tuple[str, str], type]) -> None:
        stream = io.BytesIO(data)  # shares data's buffer until written to: no copy
        stream.seek(start)
        super().__init__(stream)
        self._allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        cls = self._allowed.get((module, name))
        if cls is None:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in the cache")
        return cls


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


def _read_entry(path: Path | str) -> bytes | None:
    """The bytes of entry *path* if it is a regular file of ours of a sane size, else ``None``.

    Opened without following a symlink and without blocking on a FIFO; the size is checked
    before anything is read.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:  # a symlink (ELOOP), permissions, is-a-directory...
        _log.debug("cache: cannot read %s: %s", path, exc)
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _PREFIX + MAX_PAYLOAD:
            _log.debug("cache: refusing %s: not a regular file of a sane size", path)
            return None
        geteuid = getattr(os, "geteuid", None)
        if geteuid is not None and info.st_uid != geteuid():
            _log.debug("cache: refusing %s: owned by uid %d", path, info.st_uid)
            return None
        chunks: list[bytes] = []
        left = info.st_size + 1  # one more, to notice a file that grew since fstat
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        return data if len(data) <= _PREFIX + MAX_PAYLOAD else None
    except OSError as exc:
        _log.debug("cache: cannot read %s: %s", path, exc)
        return None
    finally:
        os.close(fd)


class DiskCache:
    """A directory of pickled values, keyed by strings, with optional per-entry expiry.

    *fingerprint* names the namespace: callers put everything that would make old entries
    wrong into it (tool version, record-format versions, relevant settings). *root* defaults
    to :func:`default_cache_dir`. *types* are the classes (besides str, bytes, numbers, None
    and the built-in containers) that values may contain: only they are rebuilt when reading,
    so name only plain records (dataclasses, named tuples) whose construction runs no code of
    consequence. *clock* returns wall-clock seconds and exists so tests can move time forward
    instead of sleeping; expiry uses wall-clock time because entries outlive the process.

    Instances hold no open resources and are safe to share between threads and processes.
    ``None`` cannot be stored meaningfully, because :meth:`get` returns ``None`` for a miss.
    """

    __slots__ = (
        "_allowed",
        "_by_name",
        "_clock",
        "_directory",
        "_fingerprint",
        "_fingerprint_hash",
        "_root",
        "_safe",
        "_safe_dirs",
        "_safe_names",
    )

    def __init__(
        self,
        fingerprint: str,
        root: Path | str | None = None,
        *,
        types: Iterable[type] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._root = default_cache_dir() if root is None else Path(root)
        self._fingerprint = fingerprint
        self._fingerprint_hash = _sha256(fingerprint)
        self._directory = self._root / _namespace_dir_name(fingerprint)
        self._clock = clock
        self._allowed = frozenset(types)
        self._by_name = {(t.__module__, t.__qualname__): t for t in self._allowed}
        self._safe: bool | None = None  # None: not checked yet
        self._safe_dirs: set[Path] = set()  # directories checked (once they exist)
        self._safe_names: set[str] = set()  # the same, as strings: get() builds no Path

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

    def usable(self) -> bool:
        """Whether only the current user can have written this cache (checked once, warned once).

        The root and the namespace directory must be directories owned by the current user
        that group and others cannot write (or not exist yet). Otherwise a warning is logged
        once per root and process, and :meth:`get` and :meth:`put` do nothing.
        """
        if self._safe is None:
            self._safe = self._directory_safe(self._root, root=True) and self._directory_safe(
                self._directory
            )
        return self._safe

    def _directory_safe(self, path: Path, *, root: bool = False) -> bool:
        """Check *path* once per instance (once it exists); an unsafe one disables the cache."""
        if path in self._safe_dirs:
            return True
        reason = _check_directory(path, "it" if root else str(path), root=root)
        if reason is not None:
            _warn_untrusted(self._root, reason)
            self._safe = False
            return False
        if path.is_dir():
            self._safe_dirs.add(path)
            self._safe_names.add(str(path))
        return True

    def get(self, key: str) -> object | None:
        """The value stored under *key*, or ``None`` on any kind of miss. Never raises."""
        if not self.usable():
            return None
        # path_for's file, as a string: a warm run reads hundreds (pathlib ~10 us each)
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        parent = os.path.join(self._directory, digest[:2])
        if parent not in self._safe_names and not self._directory_safe(Path(parent)):
            return None
        path = os.path.join(parent, digest[2:])
        data = _read_entry(path)
        if data is None:
            return None
        try:
            return self._decode(key, data)
        except Exception as exc:  # unpickling can raise nearly anything; all of it is a miss
            _log.debug("cache: unusable entry %s: %r", path, exc)
            return None

    def put(self, key: str, value: object, *, ttl: float | None = None) -> bool:
        """Store *value* under *key*, valid for *ttl* seconds (``None``: no expiry).

        Errors from the file system are logged at debug level and swallowed: a run must not
        fail because its cache could not be written; nor is anything written to a cache
        directory that is not :meth:`usable`. A value that cannot be pickled, or holds a type
        not among *types*, is a bug in the caller and raises. A *ttl* of zero or less stores
        nothing, and neither does a value larger than :data:`MAX_PAYLOAD` once pickled.
        Whether the value was stored.
        """
        if ttl is not None and ttl <= 0:
            return False
        if not self.usable():
            return False
        expires = math.inf if ttl is None else self._clock() + ttl
        buffer = io.BytesIO()
        _Pickler(buffer, self._allowed).dump(value)
        payload = buffer.getvalue()
        if len(payload) > MAX_PAYLOAD:
            _log.debug("cache: not storing %d bytes under one key", len(payload))
            return False
        header = _HEADER.pack(
            self._fingerprint_hash,
            _sha256(key),
            expires,
            len(payload),
            hashlib.sha256(payload).digest(),
        )
        path = self.path_for(key)
        tmp_name: str | None = None
        try:
            # Checked again once made: a directory someone made first is not ours to use.
            for directory in (self._root, self._directory, path.parent):
                self._make_directory(directory)
                if not self._directory_safe(directory, root=directory == self._root):
                    return False
            # mkstemp: O_EXCL (never through a symlink), mode 0o600; os.replace replaces a
            # symlink planted at *path* itself rather than writing where it points.
            fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(_MAGIC + header + payload)
            os.replace(tmp_name, path)
            tmp_name = None
            return True
        except OSError as exc:
            _log.debug("cache: cannot write %s: %s", path, exc)
            return False
        finally:
            if tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)

    def _make_directory(self, path: Path) -> None:
        """Create *path* (mode 0o700) unless it exists; the root may need its parents too."""
        if path == self._root:
            path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)

    def _decode(self, key: str, data: bytes) -> object | None:
        """Check magic, fingerprint, key, expiry, length and digest; only then unpickle."""
        if len(data) < _PREFIX or not data.startswith(_MAGIC):
            return None
        fingerprint, key_hash, expires, length, digest = _HEADER.unpack_from(data, len(_MAGIC))
        if fingerprint != self._fingerprint_hash or key_hash != _sha256(key):
            return None
        if not expires > self._clock():  # also NaN
            return None
        if length != len(data) - _PREFIX or length > MAX_PAYLOAD:
            return None
        payload = memoryview(data)[_PREFIX:]
        if hashlib.sha256(payload).digest() != digest:
            return None
        value: object = _Unpickler(data, _PREFIX, self._by_name).load()
        return value
