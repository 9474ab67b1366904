"""Findings as LSP diagnostics: 0-based ranges over the offending text, severity, links.

Kept free of pygls so that it is tested without a server: it returns plain
``lsprotocol`` types only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from lsprotocol import types as lsp

from novadoclint import about
from novadoclint.facts import Label
from novadoclint.findings import Finding, Severity
from novadoclint.index import FactsIndex

SOURCE = "novadoclint"
SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
#: An interpreted text (``:role:`target```), a literal or a reference (```text`_``).
ROLE_RE = re.compile(r"(?::[\w.+:-]+:)?`[^`]*`(?:__?|:[\w.+:-]+:)?")
#: A directive or a target at the start of a line: ``.. name::`` / ``.. _label:``.
EXPLICIT_RE = re.compile(r"\.\.\s+(?:_[^:]+:|[\w:.+-]+::)")
QUOTED_RE = re.compile(r"'([^']+)'")
DUPLICATE_LABEL_RE = re.compile(r"duplicate label (.+?), other instance in ")
UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"  # LSP's PositionEncodingKind values
LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")

ReadText = Callable[[str], "str | None"]


def file_uri(srcdir: Path, path: str) -> str:
    """The URI of a file named relative to the source dir ('../' normalised, links kept)."""
    return Path(os.path.normpath(srcdir / path)).as_uri()


def split_lines(text: str) -> list[str]:
    """Lines as LSP counts them: only CR, LF and CRLF end a line."""
    return LINE_BREAK_RE.split(text)


def span(line: str, column: int, message: str) -> tuple[int, int]:
    """Start and end (0-based, end exclusive) of what a finding at ``column`` is about.

    At the column: a role or reference there, else a quoted name of the message
    found from there, else the rest of the line. Before a line's text (column 1
    on an indented line) the text starts at its first non-blank character.
    """
    stripped = line.rstrip()
    start = max(column - 1, 0)
    if start >= len(stripped):
        start = 0
    indent = len(stripped) - len(stripped.lstrip())
    if column <= 1:
        start = indent
    match = ROLE_RE.match(stripped, start)
    if match is None and column > 1:
        # a column inside a role: widen to the role that holds it
        for found in ROLE_RE.finditer(stripped):
            if found.start() <= start < found.end():
                match = found
                break
    if match is not None and match.end() > match.start():
        return match.start(), match.end()
    for quoted in QUOTED_RE.findall(message):
        where = stripped.find(quoted, start)
        if where >= 0:
            for found in ROLE_RE.finditer(stripped):  # the name inside a role: the role
                if found.start() <= where < found.end():
                    return found.start(), found.end()
            return where, where + len(quoted)
    if start >= len(stripped):
        return 0, len(stripped)
    return start, len(stripped)


def units(text: str, index: int, encoding: str = UTF16) -> int:
    """A code-point column of ``text`` in the client's units (LSP's positionEncoding)."""
    head = text[:index]
    if encoding == UTF8:
        return len(head.encode("utf-8", "surrogatepass"))
    if encoding == UTF32:
        return len(head)
    return len(head) + sum(1 for char in head if ord(char) > 0xFFFF)


def from_units(text: str, column: int, encoding: str = UTF16) -> int:
    """A column in the client's units as a code-point index into ``text``."""
    for index in range(len(text) + 1):
        if units(text, index, encoding) >= column:
            return index
    return len(text)


def _range(lines: list[str], row: int, start: int, end: int, encoding: str) -> lsp.Range:
    text = lines[row] if row < len(lines) else ""
    return lsp.Range(
        lsp.Position(row, units(text, start, encoding)),
        lsp.Position(row, units(text, end, encoding)),
    )


def to_range(lines: list[str], finding: Finding, encoding: str = UTF16) -> lsp.Range:
    """The finding's range in a file's lines (a point at the line start if past its end)."""
    row = max(finding.line - 1, 0)
    if row >= len(lines):
        return lsp.Range(lsp.Position(row, 0), lsp.Position(row, 0))
    start, end = span(lines[row], finding.column, finding.message)
    return _range(lines, row, start, end, encoding)


def line_range(lines: list[str], line: int, encoding: str = UTF16) -> lsp.Range:
    """A whole line (1-based) without its indentation and trailing blanks."""
    row = max(line - 1, 0)
    text = lines[row].rstrip() if row < len(lines) else ""
    return _range(lines, row, len(text) - len(text.lstrip()), len(text), encoding)


def to_diagnostic(
    finding: Finding,
    lines: list[str],
    related: list[lsp.DiagnosticRelatedInformation],
    encoding: str = UTF16,
) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=to_range(lines, finding, encoding),
        message=finding.message,
        severity=SEVERITY.get(finding.severity, lsp.DiagnosticSeverity.Warning),
        code=finding.rule,
        code_description=lsp.CodeDescription(href=about.RULES_URL),
        source=SOURCE,
        related_information=related or None,
    )


def related_places(index: FactsIndex | None, finding: Finding) -> Iterator[tuple[str, int, str]]:
    """Other places a finding is about: (path relative to the source dir, line, what)."""
    if index is None:
        return
    if finding.rule == "duplicate-label":
        match = DUPLICATE_LABEL_RE.match(finding.message)
        if match is None:
            return
        places: tuple[tuple[str, Label], ...] = index.all_labels.get(match.group(1), ())
        for _docname, label in places:
            if (label.path, label.line) != (finding.path, finding.line):
                yield label.path, label.line, f"label {label.name} is also defined here"
    elif finding.rule in ("toctree-entry-duplicate", "toctree-duplicate"):
        here = [
            link
            for link in index.toc_links
            if (link.toctree.path, link.entry.line) == (finding.path, finding.line)
        ]
        targets = {link.target for link in here} | {c for link in here for c in link.children}
        for link in index.toc_links:
            if link in here or link.status in ("url", "missing"):
                continue
            if link.target in targets or targets & set(link.children):
                yield link.toctree.path, link.entry.line, f"{link.target} is listed here too"


def related_information(
    srcdir: Path,
    index: FactsIndex | None,
    finding: Finding,
    lines_of: Callable[[str], list[str]],
    encoding: str = UTF16,
) -> list[lsp.DiagnosticRelatedInformation]:
    out = []
    for path, line, what in related_places(index, finding):
        uri = file_uri(srcdir, path)
        rng = line_range(lines_of(path), line, encoding)
        out.append(lsp.DiagnosticRelatedInformation(lsp.Location(uri, rng), what))
    return out


class LinesOf:
    """A file's lines by its source-dir-relative path, read once per publication."""

    def __init__(self, read: ReadText) -> None:
        self.read = read
        self.seen: dict[str, list[str]] = {}

    def __call__(self, path: str) -> list[str]:
        if path not in self.seen:
            self.seen[path] = split_lines(self.read(path) or "")
        return self.seen[path]
