"""The files a tree names besides its documents, read once per run and never by a rule.

Diagram sources, os-api-ref's parameters and status files, the ``.htaccess``
files and redirect tests, requirement and packaging files, and the text of a
document or included file a tree rule's fix edits (its facts carry no text):
rules get them from the run (the index in phase 2, the context in phase 1)
like everything else they know of the tree. Why one place: every read goes through
:mod:`novadoclint.safety.untrusted` (bounded, never a FIFO or a device, inside the
project where a boundary applies), a file several rules need is read once,
and a file that cannot be read is a value each rule turns into its own
finding, never an exception escaping a rule.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, cast

from novadoclint.safety import untrusted

__all__ = ["FileRead", "TreeFiles"]

Parsed = TypeVar("Parsed")
Signature = tuple[int, int, int]  # size, modification time (ns), inode


@dataclass(frozen=True, slots=True)
class FileRead:
    """One file's bytes, or why there are none.

    ``outside``: the path leads out of the boundary asked for, so nothing was
    opened. ``refused``: untrusted would not read it (not a regular file, or
    too large), ``error`` saying why; any other failure to open or read
    (missing, a folder, no permission) leaves ``refused`` false.
    """

    data: bytes | None = None
    outside: bool = False
    refused: bool = False
    error: str = ""

    @property
    def text(self) -> str | None:
        """The bytes as UTF-8, undecodable ones replaced, as untrusted.read_text gives them."""
        return None if self.data is None else self.data.decode("utf-8", errors="replace")


@dataclass
class TreeFiles:
    """The reads of one tree's non-document files, each made once while the file is unchanged.

    Held by the run (the index, the context): a file several rules or
    documents name is read and parsed once. Each answer is kept with the
    file's size, modification time and inode, and a file changed since (the
    language server keeps its context across edits) is read again. Picklable:
    phase 1 sends it to its workers inside the context, before any read.
    """

    srcdir: str  # made absolute
    _reads: dict[str, tuple[Signature, FileRead]] = field(default_factory=dict, repr=False)
    _parsed: dict[tuple[str, object], tuple[Signature, object]] = field(
        default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        self.srcdir = os.path.abspath(self.srcdir)

    @property
    def root(self) -> str:
        """The project the tree's files may be read from (see untrusted.project_root)."""
        return untrusted.project_root(self.srcdir)

    def read(self, path: str, root: str | None = None) -> FileRead:
        """A file named relative to the source dir (``../`` allowed), inside ``root``.

        ``root`` is the project's by default; a path whose links lead out of it
        is ``outside`` and never opened. What is opened is where the links lead.
        """
        resolved = self._resolve(path, root)
        return FileRead(outside=True) if resolved is None else self.read_unbounded(resolved)

    def read_unbounded(self, path: str | os.PathLike[str]) -> FileRead:
        """A file whose place the caller has already judged (a requirement file at the root)."""
        key = os.fspath(path)
        signature = _signature(key)
        if signature is None:
            return _read(key)  # fails as the file system says: nothing to keep
        kept = self._reads.get(key)
        if kept is None or kept[0] != signature:
            kept = self._reads[key] = (signature, _read(key))
        return kept[1]

    def parsed(
        self, path: str, parse: Callable[[FileRead], Parsed], root: str | None = None
    ) -> Parsed:
        """``parse`` of :meth:`read`'s answer, made once while the file is unchanged."""
        resolved = self._resolve(path, root)
        signature = None if resolved is None else _signature(resolved)
        if resolved is None or signature is None:
            return parse(self.read(path, root))
        kept = self._parsed.get((resolved, parse))
        if kept is None or kept[0] != signature:
            kept = self._parsed[(resolved, parse)] = (signature, parse(self.read(path, root)))
        return cast(Parsed, kept[1])

    def source_text(self, path: str) -> str | None:
        """A document's (or an included file's) text for a tree rule's fix; None if unreadable.

        Decoded as phase 1 decodes a document (UTF-8, a byte order mark
        dropped), so a fix's offsets are those of the text ``--fix`` edits.
        None for bytes that are not UTF-8 (phase 1 reads them with
        replacements, which a fix must not write back), for a file outside
        the project, and for one untrusted refuses (over 10 MB, as every file
        here: no document that large is fixed). Read once while unchanged.
        """
        return self.parsed(path, _source_text)

    def _resolve(self, path: str, root: str | None) -> str | None:
        boundary = self.root if root is None else root
        return untrusted.resolve_inside(boundary, os.path.join(self.srcdir, path))


def _source_text(read: FileRead) -> str | None:
    """phase1.phase1_bytes' decoding, without its fallback for bytes that are not UTF-8."""
    if read.data is None:
        return None
    try:
        return read.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _signature(path: str) -> Signature | None:
    """What tells a changed file from an unchanged one; None when it cannot be stat'ed."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_size, info.st_mtime_ns, info.st_ino


def _read(path: str) -> FileRead:
    """Read through untrusted; a failure is the answer, not an exception."""
    try:
        return FileRead(untrusted.read_bytes(path))
    except untrusted.Refused as exc:
        return FileRead(refused=True, error=exc.strerror or "")
    except (OSError, ValueError) as exc:
        return FileRead(error=str(exc))
