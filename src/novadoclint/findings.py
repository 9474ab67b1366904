"""The records that flow from rules to reporters: where, what, how bad.

Kept apart from the rules so reporters, the engine and the tests share one
definition of a finding and of its sort order.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from novadoclint.edits import Fix

# What a report must not pass through raw: C0 and C1 controls and DEL (terminal
# escapes, line breaks that start a CI workflow command, characters XML 1.0
# forbids), Unicode line separators and bidi overrides (lines that read
# differently than they are), noncharacters, and lone surrogates (a file name's
# bytes that are not UTF-8, kept by surrogateescape; no encoder writes them).
UNSAFE_RE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    r"\ufffe\uffff\ud800-\udfff]"
)
SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in SHORT_ESCAPES:
        return SHORT_ESCAPES[char]
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the undecodable byte itself
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Text safe for a terminal, a CI log or XML: unsafe characters as backslash escapes.

    Paths, document text and servers' answers reach every report; the one rule
    for showing them lives here so that no reporter can forget it.
    """
    return UNSAFE_RE.sub(_escape, text)


def quoted(text: str) -> str:
    """Markup quoted for a message: on one line, backslashes kept as written."""
    return "'" + " ".join(text.split()) + "'"


def encodable(text: str) -> str:
    """Text any UTF-8 encoder accepts: lone surrogates as backslash escapes.

    For formats that escape control characters themselves (JSON).
    """
    return SURROGATE_RE.sub(_escape, text)


class Severity(enum.IntEnum):
    """How bad a finding is; an IntEnum so ``--fail-on`` is a comparison."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in the source tree: posix path relative to the source dir, 1-based."""

    path: str
    line: int
    column: int = 1


class Hit(NamedTuple):
    """What a rule yields; the engine stamps rule id and severity on it."""

    at: Location
    message: str
    cause: str | None = None  # docname whose change caused it (pre-commit, --changed-since)
    fix: Fix | None = None  # the edits that mend it, when the rule knows the one right rewrite


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """A reported problem; the field order is the sort order of every output."""

    path: str
    line: int
    column: int
    rule: str
    message: str  # compared too: two messages at one place are two findings
    severity: Severity = field(compare=False)
    cause: str | None = field(default=None, compare=False)
    # the hit's mend (--fix, --diff); edits' paths as this finding's path: no output shows it
    fix: Fix | None = field(default=None, compare=False)

    def render(self) -> str:
        """The text format's line, printable (see ``printable``)."""
        place = f"{display_path(self.path)}:{self.line}:{self.column}:"
        return f"{place} {self.severity} {printable(self.rule)} {printable(self.message)}"


def display_path(path: str) -> str:
    """A path to start a line with: printable, and never a ``::`` workflow command.

    GitHub Actions runs any log line starting with ``::`` (``::add-mask::``,
    ``::stop-commands::``), whatever the step meant to print.
    """
    shown = printable(path)
    return f"./{shown}" if shown.startswith(":") else shown


@dataclass(frozen=True, slots=True)
class Run:
    """The result of one lint run, handed to a reporter."""

    srcdir: str  # the Sphinx source dir, relative to the working directory
    files: int
    findings: tuple[Finding, ...]
    checked: tuple[str, ...] = ()  # the documents linted, relative to the working directory
    fail_on: Severity = Severity.WARNING  # findings at or above it fail the run (decide.fails)
