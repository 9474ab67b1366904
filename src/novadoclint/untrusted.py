"""Reading files a pull request controls: inside the repository, bounded, and quoted short.

A CI gate lints trees it must not trust. A config file may name any path
(``../../../proc/self/environ``), a symbolic link in the tree may lead
anywhere, and a "file" may be ``/dev/zero`` or a FIFO. These helpers are the
one place that decides what may be opened, how much of it is read, and how
much of a line that does not parse may be shown back.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

MAX_FILE_BYTES = 10 * 1024 * 1024  # no config, .htaccess or test file comes near
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


def repo_root(start: str | os.PathLike[str]) -> Path | None:
    """The git top-level at or above ``start`` (a ``.git`` folder or file), if any.

    A pull request cannot add a ``.git`` entry (git refuses to track one), so
    the nearest one is the checkout's own.
    """
    folder = Path(os.path.abspath(start))
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None


def inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """``path``, symbolic links and ``..`` resolved, lies in ``root`` (resolved too)."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


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
