"""The records that flow from rules to reporters: where, what, how bad.

Kept apart from the rules so reporters, the engine and the tests share one
definition of a finding and of its sort order.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple


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

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity} {self.rule} {self.message}"


@dataclass(frozen=True, slots=True)
class Run:
    """The result of one lint run, handed to a reporter."""

    srcdir: str  # the Sphinx source dir, relative to the working directory
    files: int
    findings: tuple[Finding, ...]
    checked: tuple[str, ...] = ()  # the documents linted, relative to the working directory
