"""Reading files a pull request controls: inside the repository, bounded, and quoted short.

A CI gate lints trees it must not trust. A config file may name any path
(``../../../proc/self/environ``), a symbolic link in the tree may lead
anywhere, and a "file" may be ``/dev/zero`` or a FIFO. These helpers are the
one place that decides what may be opened, how much of it is read, and how
much of a line that does not parse may be shown back, and where the
project's boundary lies: the repository holding the source dir
(:func:`project_root`), the same for includes, config paths, redirect files
and requirement files.
"""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from typing import BinaryIO

# A repository's top level: a version-control entry (a .git file too: worktrees and
# submodules), else, in a tarball or a copy, the files a Python project keeps there.
VCS_MARKERS = (".git", ".hg")
REPOSITORY_MARKERS = ("setup.py", "setup.cfg", "pyproject.toml", "tox.ini")
SYMLINK_HOPS = 40  # Linux's limit: more is a loop, and opening the path fails anyway
MAX_FILE_BYTES = 10 * 1024 * 1024  # no config, .htaccess or test file comes near
# A document: the largest real .rst seen (a changelog) is ~2 MB; the per-file time budget
# cuts the parse of anything big, so this only keeps a sparse 100 GB "document" out of memory.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
EXCERPT_CHARS = 40


class Refused(OSError):
    """A file that is not read: not a regular file, or too large."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.strerror = reason


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes; Refused for a device, FIFO, folder or a file over ``limit``.

    Opened non-blocking, so a FIFO cannot stall the open, and checked with
    fstat on the open descriptor, so what is checked is what is read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused("not a regular file")
        if info.st_size > limit:
            raise Refused(f"larger than {_size(limit)}")
    except OSError:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        data = _read_upto(f, limit + 1, info.st_size + 1)
    if len(data) > limit:  # /proc files claim size 0: trust only what is read
        raise Refused(f"larger than {_size(limit)}")
    return data


def _size(limit: int) -> str:
    mib = 1024 * 1024
    return f"{limit // mib} MB" if limit % mib == 0 else f"{limit:,} bytes"


def _read_upto(f: BinaryIO, most: int, hint: int) -> bytes:
    """At most ``most`` bytes, in chunks: read(most) would allocate ``most`` bytes at once."""
    data = bytearray()
    size = max(hint, 1)
    while len(data) < most:
        chunk = f.read(min(size, most - len(data)))
        if not chunk:
            break
        data += chunk
        size = 1024 * 1024
    return bytes(data)


def read_text(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> str:
    """read_bytes as UTF-8, undecodable bytes replaced."""
    return read_bytes(path, limit).decode("utf-8", errors="replace")


def inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """``path``, ``..`` and symbolic links resolved, lies in ``root``.

    Decided without looking at anything outside ``root`` (see resolve_inside).
    """
    return resolve_inside(os.fspath(root), os.path.abspath(path)) is not None


@lru_cache(maxsize=64)
def project_root(srcdir: str) -> str:
    """The folder a tree's files may be read from: the repository holding the source dir.

    The nearest folder at or above the source dir with a ``.git`` (or ``.hg``)
    entry, found without running git; a dotfiles repository in the home folder
    or at ``/`` does not count. Without one (a tarball, a copy), the nearest
    folder holding ``setup.py``, ``setup.cfg``, ``pyproject.toml`` or ``tox.ini``;
    else the source dir itself. Includes reach above the source dir as far as
    the repository's top (nova's ``../../etc/nova/...`` from ``doc/source``),
    never further. Memoised: phase 1 asks once per document, and the answer
    is a property of the tree for the run.
    """
    start = os.path.abspath(srcdir)
    chain = [start]
    while os.path.dirname(chain[-1]) != chain[-1]:
        chain.append(os.path.dirname(chain[-1]))
    shared = {os.path.abspath(os.path.expanduser("~")), os.path.abspath(os.sep)}
    candidates = [folder for folder in chain if folder not in shared or folder == start]
    for folder in candidates:
        if any(os.path.lexists(os.path.join(folder, m)) for m in VCS_MARKERS):
            return folder
    for folder in candidates:
        if any(os.path.isfile(os.path.join(folder, m)) for m in REPOSITORY_MARKERS):
            return folder
    return start


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve_inside(root: str, path: str) -> str | None:
    """Where the file system takes ``path``, or None when that is outside ``root``.

    ``..`` in the written path is applied first, as docutils and Sphinx do
    (``normpath``); then each symbolic link is followed, one component at a time,
    and the walk stops (None) as soon as it would look at anything that is neither
    inside ``root`` nor on the way down to it. Nothing outside is ever looked at,
    so the answer cannot tell whether an outside file exists.
    """
    base, real_root = os.path.abspath(root), os.path.realpath(root)
    path = os.path.normpath(os.path.join(base, path))
    if _under(path, base):
        rest = os.path.relpath(path, base)
    elif _under(path, real_root):
        rest = os.path.relpath(path, real_root)
    else:
        return None
    pending = [part for part in reversed(rest.split(os.sep)) if part not in ("", ".")]
    current, hops = real_root, 0
    while pending:
        part = pending.pop()
        if part in ("", "."):
            continue
        candidate = os.path.dirname(current) if part == ".." else os.path.join(current, part)
        if not (_under(candidate, real_root) or _under(real_root, candidate)):
            return None
        if part == "..":
            current = candidate
            continue
        try:
            mode = os.lstat(candidate).st_mode
        except (OSError, ValueError):  # missing inside the boundary (or a NUL in the name:
            # no file has one): opening it fails, nothing to follow
            rest_path = os.path.normpath(os.path.join(candidate, *reversed(pending)))
            return rest_path if _under(rest_path, real_root) else None
        if not stat.S_ISLNK(mode):
            current = candidate
            continue
        hops += 1
        try:
            target = os.readlink(candidate)
        except OSError:
            return candidate
        if hops > SYMLINK_HOPS:
            return candidate  # a loop: opening it fails (ELOOP) whatever we say
        if os.path.isabs(target):
            current = os.path.abspath(os.sep)
        pending.extend(p for p in reversed(target.split(os.sep)) if p not in ("", "."))
    return current if _under(current, real_root) else None


def clip(text: str, limit: int = 80) -> str:
    """Untrusted text cut to ``limit`` characters ('…' when cut), unprintables replaced by '?'."""
    text = text.strip()
    cut = "".join(c if c.isprintable() else "?" for c in text[:limit])
    return cut + "…" if len(text) > limit else cut


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, quoted, printable excerpt of an untrusted line, for a message.

    A line that does not parse may be anything (a secret, escape sequences):
    show at most ``limit`` characters, control and other unprintable
    characters replaced by '?', and '…' when cut.
    """
    return repr(clip(text, limit))
