"""Go to definition, find references, document symbols: answered from the facts.

Every answer reads the tree's index (the facts of every document, the editor's
unsaved text included) and the current line's text, never a doctree: a place is
``(path relative to the source dir, or absolute; 1-based line)``. The server
turns places into LSP locations.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from novadoclint import resolve
from novadoclint.facts import DocFacts, Label, Ref, Section
from novadoclint.index import FactsIndex
from novadoclint.lsp.diagnostics import span
from novadoclint.project.vocabulary import Vocabulary

LABEL_LINE_RE = re.compile(r"\s*\.\.\s+_(?!_)(.+):\s*$")
Place = tuple[str, int]  # (path relative to the source dir or absolute, 1-based line)

DOC_ROLES = frozenset({"doc", "std:doc"})
LABEL_ROLES = frozenset({"ref", "numref", "std:ref", "std:numref"})
FILE_ROLES = frozenset({"download", "std:download"})


@dataclass(frozen=True)
class Target:
    """What the cursor is on: a label name or a document name (or nothing)."""

    kind: str  # "label", "doc" or "" (nothing: the current document)
    name: str


def _facts_at(index: FactsIndex, path: str) -> Iterator[DocFacts]:
    """The documents whose facts hold markup of ``path`` (itself, or those including it)."""
    for doc in index.docs.values():
        if doc.path == path or path in doc.dependencies:
            yield doc


def _ref_at(
    index: FactsIndex, path: str, line: int, char: int, text: str
) -> tuple[DocFacts, Ref] | None:
    for doc in _facts_at(index, path):
        for ref in doc.refs:
            if ref.path == path and ref.line == line + 1:
                start, end = span(text, ref.column, "")
                if start <= char <= end:
                    return doc, ref
    return None


def _docname(index: FactsIndex, path: str) -> str | None:
    for doc in index.docs.values():
        if doc.path == path:
            return doc.docname
    return None


def _label_defined_at(text: str, char: int) -> str | None:
    """The label of a ``.. _name:`` line (the cursor anywhere on it)."""
    match = LABEL_LINE_RE.match(text)
    if match is None:
        return None
    return resolve.label_target(match.group(1).strip("`"))


def target_at(index: FactsIndex, path: str, line: int, char: int, text: str) -> Target:
    """The label or document named at a position (0-based line and character)."""
    found = _ref_at(index, path, line, char, text)
    if found is not None:
        doc, ref = found
        if ref.role in LABEL_ROLES:
            return Target("label", resolve.label_target(ref.target.lstrip("~!")))
        if ref.role in DOC_ROLES:
            return Target("doc", resolve.doc_target(doc.docname, ref.target.lstrip("~!")))
    label = _label_defined_at(text, char)
    if label is not None:
        return Target("label", label)
    return Target("", _docname(index, path) or "")


def definition(index: FactsIndex, path: str, line: int, char: int, text: str) -> list[Place]:
    """Where a :doc:, :ref:, :download:, toctree entry, include or image leads."""
    found = _ref_at(index, path, line, char, text)
    if found is not None:
        doc, ref = found
        target = ref.target.lstrip("~!")
        if ref.role in LABEL_ROLES:
            places = index.all_labels.get(resolve.label_target(target), ())
            return [(label.path, label.line) for _, label in places]
        if ref.role in DOC_ROLES:
            name = resolve.doc_target(doc.docname, target)
            return [(index.docs[name].path, 1)] if name in index.docs else []
        if ref.role in FILE_ROLES:
            return _file(index, resolve.relfn2path(target, doc.path))
        return []
    for doc in _facts_at(index, path):
        for link in index.toc_links:
            here = (link.parent, link.toctree.path, link.entry.line)
            if here == (doc.docname, path, line + 1):
                return [(index.docs[c].path, 1) for c in link.children if c in index.docs]
        for include in doc.includes:
            if include.path == path and include.line == line + 1:
                return _file(index, include.resolved)
        for image in doc.images:
            if image.path == path and image.line == line + 1:
                return _file(index, resolve.relfn2path(image.target, doc.path))
    return []


def _file(index: FactsIndex, rel: str) -> list[Place]:
    """A file named relative to the source dir (or absolute), if it is there."""
    if index.leaves(rel) and not posixpath.isabs(rel):
        return []  # outside the project: not opened (untrusted paths)
    full = rel if posixpath.isabs(rel) else os.path.join(index.srcdir, rel)
    return [(rel, 1)] if os.path.isfile(full) else []


def references(
    index: FactsIndex, path: str, line: int, char: int, text: str, *, declaration: bool
) -> list[Place]:
    """Who links to the label or document at the position (else to this document)."""
    target = target_at(index, path, line, char, text)
    places: list[Place] = []
    if target.kind == "label":
        if declaration:
            places += [(lb.path, lb.line) for _, lb in index.all_labels.get(target.name, ())]
        for doc in index.docs.values():
            for ref in doc.refs:
                if (
                    ref.role in LABEL_ROLES
                    and resolve.label_target(ref.target.lstrip("~!")) == target.name
                ):
                    places.append((ref.path, ref.line))
        return sorted(set(places))
    name = target.name
    if not name:
        return []
    if declaration and name in index.docs:
        places.append((index.docs[name].path, 1))
    for doc in index.docs.values():
        for ref in doc.refs:
            if (
                ref.role in DOC_ROLES
                and resolve.doc_target(doc.docname, ref.target.lstrip("~!")) == name
            ):
                places.append((ref.path, ref.line))
    for link in index.toc_links:
        if name in link.children:
            places.append((link.toctree.path, link.entry.line))
    return sorted(set(places))


@dataclass
class Symbol:
    """A section of the outline, with the sections inside it."""

    section: Section
    children: list[Symbol]


def outline(index: FactsIndex, path: str) -> list[Symbol]:
    """The document's sections as a tree (those written in ``path`` itself)."""
    doc = next((d for d in index.docs.values() if d.path == path), None)
    if doc is None:
        return []
    nodes = [Symbol(s, []) for s in doc.sections]
    roots: list[Symbol] = []
    for number, node in enumerate(nodes):
        if node.section.path != path:
            continue
        parent = node.section.parent
        while parent >= 0 and doc.sections[parent].path != path:
            parent = doc.sections[parent].parent
        if 0 <= parent < number:
            nodes[parent].children.append(node)
        else:
            roots.append(node)
    return roots


#: The start of a role's target up to the cursor: ``:doc:`admin/`` or ``:ref:`Title <x``.
ROLE_TARGET_RE = re.compile(r":(?P<role>[\w.+-]+(?::[\w.+-]+)?):`(?:[^`<]*<)?(?P<typed>[^`<>]*)$")
DIRECTIVE_RE = re.compile(r"^\s*\.\.\s+(?P<typed>[\w.:+-]*)$")
ROLE_NAME_RE = re.compile(r"(?:^|[\s(\"'])(?P<colon>:)(?P<typed>[\w.+-]*(?::[\w.+-]*)?)$")


@dataclass(frozen=True)
class Completion:
    label: str  # what is inserted
    detail: str  # a title, the provider of a directive or role
    kind: str  # "doc", "label", "directive", "role"
    start: int  # code-point column where the replaced text starts on the line


def completions(index: FactsIndex, vocab: Vocabulary, path: str, prefix: str) -> list[Completion]:
    """What may be typed at the end of ``prefix`` (the line up to the cursor)."""
    match = ROLE_TARGET_RE.search(prefix)
    if match is not None:
        role, start = match.group("role"), match.start("typed")
        typed = match.group("typed")
        if role in LABEL_ROLES:
            return [
                Completion(name, _label_title(index, places), "label", start)
                for name, places in sorted(index.all_labels.items())
            ]
        if role in DOC_ROLES:
            here = _docname(index, path) or ""
            folder = posixpath.dirname(here)
            out = []
            for name, doc in sorted(index.docs.items()):
                if name == here:
                    continue
                shown = (
                    "/" + name if typed.startswith("/") else posixpath.relpath(name, folder or ".")
                )
                out.append(Completion(shown, doc.title or "", "doc", start))
            return out
        return []
    match = DIRECTIVE_RE.match(prefix)
    if match is not None:
        start = match.start("typed")
        return [
            Completion(name + "::", provider, "directive", start)
            for name, _kind, provider in sorted(vocab.directives)
        ]
    match = ROLE_NAME_RE.search(prefix)
    if match is not None and not prefix.lstrip().startswith(".."):
        start = match.start("colon")
        return [
            Completion(f":{name}:`", provider, "role", start)
            for name, _kind, provider in sorted(vocab.roles)
        ]
    return []


def _label_title(index: FactsIndex, places: tuple[tuple[str, Label], ...]) -> str:
    docname, label = places[0]
    if label.title:
        return label.title
    doc = index.docs.get(docname)
    return f"in {doc.title or docname}" if doc is not None else ""


Edit = tuple[str, int, int, int]  # (path, 0-based line, start, end): code points


def rename_label(
    index: FactsIndex, lines_of: Callable[[str], list[str]], target: Target
) -> list[Edit] | None:
    """Where a label's name is written: its definitions and every :ref: to it.

    None when it cannot be renamed: no explicit definition (autosectionlabel's
    labels are section titles), or a definition or reference whose name is not
    on its line as written (a role broken over lines, a substitution).
    """
    if target.kind != "label" or target.name not in index.labels:
        return None
    edits: list[Edit] = []
    for _docname, label in index.labels[target.name]:
        row = label.line - 1
        lines = lines_of(label.path)
        match = LABEL_LINE_RE.match(lines[row]) if row < len(lines) else None
        if match is None:
            return None
        start, end = match.span(1)
        raw = match.group(1)
        if raw.startswith("`") and raw.endswith("`"):
            start, end = start + 1, end - 1
        edits.append((label.path, row, start, end))
    for doc in index.docs.values():
        for ref in doc.refs:
            if ref.role not in LABEL_ROLES:
                continue
            if resolve.label_target(ref.target.lstrip("~!")) != target.name:
                continue
            row = ref.line - 1
            lines = lines_of(ref.path)
            if row >= len(lines):
                return None
            found = _target_span(lines[row], ref.column)
            if found is None:
                return None
            edits.append((ref.path, row, *found))
    return sorted(set(edits))


ROLE_PARTS_RE = re.compile(r":[\w.+:-]+:`(?P<body>[^`]*)`")


def _target_span(text: str, column: int) -> tuple[int, int] | None:
    """The target's columns inside the role written at ``column`` (1-based)."""
    start, _ = span(text, column, "")
    match = ROLE_PARTS_RE.match(text, start)
    if match is None:
        return None
    body, at = match.group("body"), match.start("body")
    if body.endswith(">") and "<" in body:
        inner = body.rindex("<") + 1
        return at + inner, at + len(body) - 1
    lead = len(body) - len(body.lstrip("~!"))
    return at + lead, at + len(body)


def describe(index: FactsIndex, path: str, line: int, char: int, text: str) -> str | None:
    """What a :ref: or :doc: at the position leads to, in a line of Markdown; None if nothing."""
    found = _ref_at(index, path, line, char, text)
    if found is None:
        return None
    doc, ref = found
    target = ref.target.lstrip("~!")
    if ref.role in LABEL_ROLES:
        name = resolve.label_target(target)
        places = index.all_labels.get(name, ())
        if not places:
            return None
        owner, label = places[0]
        title = label.title or (index.docs[owner].title if owner in index.docs else None)
        more = f" (and {len(places) - 1} more)" if len(places) > 1 else ""
        return f"label `{name}`: {title or owner} — {label.path}:{label.line}{more}"
    if ref.role in DOC_ROLES:
        name = resolve.doc_target(doc.docname, target)
        if name not in index.docs:
            return None
        return (
            f"document `{name}`: {index.docs[name].title or '(untitled)'} — {index.docs[name].path}"
        )
    return None
