"""Formatters: each a pure ``render(run, color) -> str``, keyed by name; and writing one out."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from novadoclint.findings import Run
from novadoclint.report import github, json_format, junit, sarif, text

Formatter = Callable[[Run, bool], str]

FORMATS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
    "junit": junit.render,
}


def write_file(path: Path, content: str) -> None:
    """Write content to path whole or not at all: a temporary file beside it, then a rename.

    A CI step that reads a half-written report would see fewer findings than
    there are. A symlink is followed; a device or pipe (``/dev/stdout``), or a
    file in a folder we may not create files in, is written in place. Raises
    OSError; ``backslashreplace`` means encoding never does.
    """
    if path.exists() and not path.is_file():
        _write_in_place(path, content)
        return
    target = Path(os.path.realpath(path))
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except PermissionError:
        if not target.is_file():
            raise
        _write_in_place(target, content)
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as stream:
            stream.write(content)
        _keep_mode(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_in_place(path: Path, content: str) -> None:
    with path.open("w", encoding="utf-8", errors="backslashreplace") as stream:
        stream.write(content)


def _keep_mode(path: Path, temporary: str) -> None:
    """Give the new file the old one's permissions, or the umask's default (not mkstemp's 0600)."""
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temporary, mode)
