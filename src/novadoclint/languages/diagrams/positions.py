"""Where a problem sits in a diagram's text, shared by every grammar's checks.

Why one module: each parser reports places in the string it was handed (a
wrapped or stripped copy of the author's text), and the rules can only show
the author their own lines; the mapping back, and the problem value the rules
receive, must be the same for Graphviz and the blockdiag family.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DiagramProblem", "Source", "lower_first", "offset_of", "position_of"]


@dataclass(frozen=True, slots=True)
class DiagramProblem:
    """One problem in a diagram source.

    ``line`` and ``column`` are 1-based within the text that was checked
    (line 0 means the directive's argument); ``message`` starts in lower case
    and has no final period, so that a rule can embed it in its own sentence.
    """

    line: int
    column: int
    message: str


def _line_starts(text: str) -> list[int]:
    """Offsets at which each ``\\n``-separated line of ``text`` starts."""
    starts = [0]
    starts.extend(match.end() for match in re.finditer("\n", text))
    return starts


def offset_of(text: str, line: int, column: int) -> int:
    """Offset of a 1-based (line, column) in ``text``, clamped to the text."""
    starts = _line_starts(text)
    index = min(max(line, 1), len(starts)) - 1
    return min(starts[index] + max(column, 1) - 1, len(text))


def position_of(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of an offset in ``text``."""
    offset = min(max(offset, 0), len(text))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


@dataclass(frozen=True, slots=True)
class Source:
    """A string handed to a parser, and how it maps back onto the caller's text.

    The parsed string is ``prefix + text[start:start + length] + suffix``;
    positions in the wrapper are clamped onto the nearest end of that slice,
    because the caller can only be shown its own lines.
    """

    parsed: str
    text: str
    prefix: int
    start: int
    length: int

    def offset_in_slice(self, parsed_offset: int) -> int:
        """Offset relative to the slice; negative in the prefix, past it in the suffix."""
        return parsed_offset - self.prefix

    def to_text(self, parsed_offset: int) -> tuple[int, int]:
        """Caller's (line, column) for an offset in the parsed string."""
        inner = min(max(self.offset_in_slice(parsed_offset), 0), self.length)
        return position_of(self.text, self.start + inner)

    def to_text_lc(self, line: int, column: int) -> tuple[int, int]:
        """Caller's (line, column) for a (line, column) in the parsed string."""
        return self.to_text(offset_of(self.parsed, line, column))


def lower_first(message: str) -> str:
    """Message convention: lower-case start, no final period."""
    message = message.strip().rstrip(".")
    return message[:1].lower() + message[1:]
