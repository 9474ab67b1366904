"""What every code checker shares: the problem it returns and what marks text as illustrative.

Documentation code is full of elisions (``...``) and placeholders
(``<server-id>``) that are not meant to be literal; a false positive costs
more than a missed error, so each checker asks these helpers before it
reports a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CodeProblem:
    """One syntax problem in a code block, positioned within the block text."""

    line: int
    """1-based line within the block text given to :func:`check_code`."""
    column: int
    """1-based column, best effort (1 when unknown)."""
    message: str
    """Lowercase start, no final period."""


# A line that only stands for omitted content.
ELISION_LINE_RE = re.compile(
    r"^\s*(?:\.{3,}|…|\"\.{3}\"|\"…\"|\.{3,},|…,|\"\.{3}\",|"
    r"(?:#+|//|;)\s*(?:\.{3}|…)(?:\s.*)?|\[\.{3}\]|\(\.{3}\)|[\[<(]snip[\]>)])\s*$"
)
# ``...``, ``…`` or ``[snip]`` anywhere in a line.
ELISION_RE = re.compile(r"\.{3}|…|[\[<(]snip[\]>)]")
# ``<server id>``-style placeholder for a value the reader fills in.
PLACEHOLDER_RE = re.compile(r"<[A-Za-z_][\w .:/-]*>")
# Template markup (Jinja and friends): such text is not the final syntax.
TEMPLATE_RE = re.compile(r"\{\{|\{%|\{#")


def elision_or_placeholder(line: str) -> bool:
    """True when an error line holds an elision or placeholder, i.e. is illustrative."""
    return bool(ELISION_RE.search(line) or PLACEHOLDER_RE.search(line))


def lower_first(message: str) -> str:
    """Normalise a parser message: first line only, lowercase start, no final period."""
    message = message.strip().splitlines()[0].strip() if message.strip() else "invalid syntax"
    message = message.rstrip(".").strip()
    return message[:1].lower() + message[1:]


def line_at(lines: list[str], lineno: int) -> str:
    """The text of a 1-based line, or "" when out of range."""
    return lines[lineno - 1] if 1 <= lineno <= len(lines) else ""


def clamp(lineno: int, lines: list[str]) -> int:
    """Keep a reported line inside the block (parsers may report one past the end)."""
    return max(1, min(lineno, max(1, len(lines))))


def first_code_line(text: str) -> str:
    """The first non-blank line of a block."""
    return next((line for line in text.splitlines() if line.strip()), "")


def blank(token_text: str) -> str:
    """Spaces (newlines kept) of the same size, so later positions do not move."""
    return re.sub(r"[^\n]", " ", token_text)
