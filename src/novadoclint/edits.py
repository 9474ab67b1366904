"""Fixes as values: the exact edits that mend a finding, carried by its Hit (issue 16).

A rule that knows the one right rewrite attaches a :class:`Fix` to its hit; the
engine applies the fixes of the selected findings with ``--fix`` and prints them
with ``--diff``. Edits are character ranges of the file's decoded text, so
several rules' edits to one file can be applied together, from the end backwards.
The path is the file the text is written in: a finding in an included file is
fixed in that file, once, whichever document included it.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, replace


class FixSafety(enum.Enum):
    """Whether a rule's fix may be applied without a human's eye."""

    SAFE = "safe"  # applied by --fix: the meaning of the document cannot change
    UNSAFE = "unsafe"  # only with --unsafe-fixes: right in the common case, worth a review


@dataclass(frozen=True, slots=True, order=True)
class Edit:
    """Replace characters ``[start, end)`` of ``path``'s decoded text with ``new``."""

    path: str  # posix, relative to the source dir, as a Location's
    start: int
    end: int
    new: str


@dataclass(frozen=True, slots=True)
class Fix:
    """One finding's mend: its edits are applied together or not at all."""

    edits: tuple[Edit, ...]
    safety: FixSafety = FixSafety.SAFE
    title: str = ""  # a short imperative ("Add the second colon"): an editor's quick fix's name


def line_starts(text: str) -> list[int]:
    """The offset where each line of ``text`` starts (line 1 at index 0).

    Only ``\\n`` ends a line, as in the line numbers findings give: a CRLF file's
    ``\\r`` stays at the end of its line, outside any fix that does not name it.
    """
    starts = [0]
    position = text.find("\n")
    while position != -1:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


def retarget_title(target: str) -> str:
    """An editor's name for a fix writing another target: the target when it fits."""
    named = f"Change the target to {target!r}"
    return named if len(named) <= 40 else "Change the target to its close match"


def replace_at(
    path: str,
    text: str,
    line: int,
    column: int,
    old: str,
    new: str,
    *,
    safety: FixSafety = FixSafety.SAFE,
    starts: list[int] | None = None,
    title: str = "",
) -> Fix | None:
    """A fix replacing ``old`` where a finding points (1-based line and column), or None.

    None when the text there is not ``old``: a rule that located its finding by a
    search may be a character off (a tab, a prolog line), and a fix that does not
    match what it means to replace must not be applied.
    """
    starts = starts if starts is not None else line_starts(text)
    if not 1 <= line <= len(starts) or column < 1:
        return None
    start = starts[line - 1] + column - 1
    if text[start : start + len(old)] != old or "\n" in text[starts[line - 1] : start]:
        return None
    return Fix((Edit(path, start, start + len(old), new),), safety, title)


def relocated(fix: Fix | None, base: str) -> Fix | None:
    """A fix whose edits name their files as the findings do: relative to the working directory.

    Rules name files relative to their source dir; the engine moves a finding's
    path to the working directory (``base`` is the source dir from there), and
    its fix's paths with it, so --fix and --diff need no source dir to find them.
    Here rather than in :mod:`novadoclint.fixes`, which a run without --fix does not import.
    """
    if fix is None:
        return None
    edits = tuple(
        replace(edit, path=os.path.normpath(os.path.join(base, edit.path)).replace(os.sep, "/"))
        for edit in fix.edits
    )
    return replace(fix, edits=edits)
