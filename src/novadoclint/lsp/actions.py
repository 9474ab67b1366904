"""Code actions from the fixes findings carry: one quickfix each, and fix-all of the safe ones.

A fix's edits are character offsets into the text its finding was computed on
(decoded as phase 1 decodes it); the server offers a quickfix only while the
editor's text is that text, and its edits become LSP positions in it here
(lines end at CR, LF or CRLF; columns in the client's units, UTF-16 unless
agreed otherwise). Fix-all applies the safe fixes as ``--fix`` does, pass
after pass over the text re-linted in memory, and sends the difference line by
line; an unsafe fix is a quickfix of its own only (ruff's convention). Kept
free of pygls, as ``diagnostics`` is.
"""

from __future__ import annotations

import bisect
import difflib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from lsprotocol import types as lsp

from novadoclint.edits import Edit, Fix, FixSafety
from novadoclint.findings import Finding
from novadoclint.fixes import LINE_RE, apply_edits
from novadoclint.lsp.diagnostics import LINE_BREAK_RE, units

QUICKFIX = lsp.CodeActionKind.QuickFix.value
FIX_ALL = f"{lsp.CodeActionKind.SourceFixAll.value}.novadoclint"  # ruff's source.fixAll.ruff
FIX_ALL_TITLE = "novadoclint: apply all safe fixes"
BOM = "\ufeff"  # phase 1 decodes utf-8-sig: a leading BOM is not part of the text

Relint = Callable[[str], Sequence[Finding]]  # a document's findings were its text this
ToDiagnostic = Callable[[Finding], lsp.Diagnostic]


def decoded(text: str) -> str:
    """The editor's text as phase 1 decodes it: a leading BOM is not part of it."""
    return text[1:] if text.startswith(BOM) else text


@dataclass(frozen=True)
class Document:
    """The document an action is asked for: the editor's text, which is the linted text."""

    uri: str
    path: str  # relative to the source dir, as the findings name it
    text: str  # the editor's text: decoded(text) is what the fixes' offsets count in
    version: int | None  # the editor's version of that text (None: not open)
    encoding: str  # the agreed position encoding
    versioned: bool  # the client takes a TextDocumentEdit naming the version

    @property
    def shift(self) -> int:
        return len(self.text) - len(decoded(self.text))


def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether a client asking for ``only`` kinds wants ``kind`` (``source`` covers
    ``source.fixAll.novadoclint``: LSP's hierarchical kinds)."""
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


class Positions:
    """Offsets of a text as LSP positions."""

    def __init__(self, text: str, encoding: str) -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0, *(m.end() for m in LINE_BREAK_RE.finditer(text))]

    def __call__(self, offset: int) -> lsp.Position:
        row = bisect.bisect_right(self.starts, offset) - 1
        head = self.text[self.starts[row] : offset]
        return lsp.Position(row, units(head, len(head), self.encoding))


def _whole_breaks(text: str, edit: Edit) -> Edit:
    """The edit, grown so that neither end falls between a CR and its LF: no LSP position
    names that place (a column past the line's end means its end, before the CR)."""
    start, end, new = edit.start, edit.end, edit.new
    if 0 < start < len(text) and text[start - 1 : start + 1] == "\r\n":
        start, new = start - 1, "\r" + new
    if 0 < end < len(text) and text[end - 1 : end + 1] == "\r\n":
        end, new = end + 1, new + "\n"
    return replace(edit, start=start, end=end, new=new)


def text_edits(document: Document, edits: Iterable[Edit]) -> list[lsp.TextEdit]:
    """Edits of the linted text as LSP text edits of the editor's text."""
    positions = Positions(document.text, document.encoding)
    out = []
    for edit in sorted(edits):
        moved = replace(edit, start=edit.start + document.shift, end=edit.end + document.shift)
        whole = _whole_breaks(document.text, moved)
        out.append(lsp.TextEdit(lsp.Range(positions(whole.start), positions(whole.end)), whole.new))
    return out


def workspace_edit(document: Document, edits: list[lsp.TextEdit]) -> lsp.WorkspaceEdit:
    """The edits of one document, naming the version they are for when the client can
    check it (``documentChanges``): an editor that moved on refuses them."""
    if document.versioned:
        identifier = lsp.OptionalVersionedTextDocumentIdentifier(
            uri=document.uri, version=document.version
        )
        return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(identifier, edits)])
    return lsp.WorkspaceEdit(changes={document.uri: edits})


def _own(fix: Fix, path: str, length: int) -> tuple[Edit, ...] | None:
    """The fix's edits when all are in ``path`` and inside its text (renamed to ``path``).

    A fix touching another file is not offered: the editor may hold that file
    with other text than the lint read.
    """
    edits = []
    for edit in fix.edits:
        if os.path.normpath(edit.path).replace(os.sep, "/") != path:
            return None
        if not 0 <= edit.start <= edit.end <= length:
            return None
        edits.append(replace(edit, path=path))
    return tuple(edits)


def difference(document: Document, after: str) -> list[lsp.TextEdit]:
    """The edits turning the linted text into ``after``, line by line (the cursor and
    marks elsewhere stay where they are, unlike one replacement of the whole text)."""
    before = decoded(document.text)
    old, new = LINE_RE.findall(before), LINE_RE.findall(after)
    head = 0  # the lines both texts start with, then those both end with, left out
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    starts = [sum(len(line) for line in old[:head])]
    old, new = old[head : len(old) - tail], new[head : len(new) - tail]
    for line in old:
        starts.append(starts[-1] + len(line))
    edits = []
    # difflib's heuristic (autojunk) keeps a 10,000-line changelog at milliseconds, where
    # an exact matching takes seconds; any matching's opcodes turn the one into the other
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if tag != "equal":
            edits.append(Edit(document.path, starts[i1], starts[i2], "".join(new[j1:j2])))
    return text_edits(document, edits)


def _touches(one: lsp.Range, other: lsp.Range) -> bool:
    def at(p: lsp.Position) -> tuple[int, int]:
        return p.line, p.character

    return at(one.start) <= at(other.end) and at(other.start) <= at(one.end)


def quickfixes(
    document: Document,
    findings: Iterable[Finding],
    linted: str,
    wanted_range: lsp.Range,
    diagnostic: ToDiagnostic,
) -> list[lsp.CodeAction]:
    """A quickfix for each finding with a fix whose diagnostic touches ``wanted_range``."""
    out = []
    for finding in findings:
        fix = finding.fix
        edits = _own(fix, document.path, len(linted)) if fix is not None else None
        if fix is None or not edits:
            continue
        shown = diagnostic(finding)
        if not _touches(shown.range, wanted_range) or apply_edits(linted, edits)[1]:
            continue  # elsewhere, or edits overlapping each other: no fix of a rule's
        safe = fix.safety is FixSafety.SAFE
        title = (fix.title or f"Fix {finding.rule}: {finding.message}") + (
            "" if safe else " (unsafe)"
        )
        out.append(
            lsp.CodeAction(
                title=title,
                kind=QUICKFIX,
                diagnostics=[shown],
                is_preferred=safe,
                edit=workspace_edit(document, text_edits(document, edits)),
            )
        )
    return out


def fix_all_action(document: Document, after: str) -> lsp.CodeAction | None:
    """``source.fixAll.novadoclint`` when the safe fixes change the text."""
    if after == decoded(document.text):
        return None
    edit = workspace_edit(document, difference(document, after))
    return lsp.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL, edit=edit)
