"""Applying fixes: the edits of the selected findings, written into the files they mend (issue 16).

A rule attaches a :class:`~novadoclint.edits.Fix` to its hit; ``--fix`` applies
the fixes of a run's findings file by file, re-lints and repeats until nothing
changes, and ``--diff`` prints what that would write. :func:`apply_edits` is the
pure core every caller shares: one file's text and the edits to it in, the new
text and the edits it could not take out.
"""

from __future__ import annotations

from collections.abc import Iterable

from novadoclint.edits import Edit


def apply_edits(text: str, edits: Iterable[Edit]) -> tuple[str, tuple[Edit, ...]]:
    """``text`` with the edits that do not overlap applied, and the edits skipped.

    Edits are taken in order of position (start, then end, then replacement) and
    applied from the end backwards, so each one's offsets stay those of the text
    it was computed on. An edit identical to one already taken counts once (an
    included file's fix, reached through two documents); an edit overlapping one
    already taken is skipped and returned, for the next pass to retry on the new
    text. Two edits overlap when their ranges share a character, or when both
    insert at the same offset (their order would be a guess); an insertion at the
    start or the end of a replaced range touches it without overlapping. A range
    outside the text, or edits to two files, are a caller's error: ValueError.
    """
    taken: list[Edit] = []
    skipped: list[Edit] = []
    unique = sorted(set(edits))
    if len({edit.path for edit in unique}) > 1:
        raise ValueError("apply_edits takes the edits of one file")
    for edit in unique:
        if not 0 <= edit.start <= edit.end <= len(text):
            raise ValueError(f"edit {edit!r} is outside a text of {len(text)} characters")
        if taken and _overlap(taken[-1], edit):
            skipped.append(edit)
            continue
        taken.append(edit)
    for edit in reversed(taken):
        text = text[: edit.start] + edit.new + text[edit.end :]
    return text, tuple(skipped)


def _overlap(before: Edit, edit: Edit) -> bool:
    """Whether ``edit`` (sorted at or after ``before``) collides with it."""
    if edit.start < before.end:
        return True
    return edit.start == before.start == before.end == edit.end  # two insertions at one place
