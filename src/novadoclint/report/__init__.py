"""Formatters: each a pure ``render(run, color) -> str``, keyed by name; and writing one out.

A format's module is imported when it is asked for: a run renders one (junit's
ElementTree and the others cost a few milliseconds of every start-up).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from novadoclint.findings import Run

Formatter = Callable[[Run, bool], str]


def _render(name: str) -> Formatter:
    if name == "text":
        from novadoclint.report import text

        return text.render
    if name == "json":
        from novadoclint.report import json_format

        return json_format.render
    if name == "sarif":
        from novadoclint.report import sarif

        return sarif.render
    if name == "github":
        from novadoclint.report import github

        return github.render
    if name == "junit":
        from novadoclint.report import junit

        return junit.render
    raise KeyError(name)


class _Formats(Mapping[str, Formatter]):
    """The formats by name, each imported on first use."""

    NAMES = ("text", "json", "sarif", "github", "junit")

    def __getitem__(self, name: str) -> Formatter:
        return _render(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.NAMES)

    def __len__(self) -> int:
        return len(self.NAMES)


FORMATS: Mapping[str, Formatter] = _Formats()


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
