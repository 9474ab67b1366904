"""``--write-policy``: a placement policy written from the tree as it is.

A project owns its placement policy: it writes one from its tree once,
commits it, and lints with ``--profile FILE``; a change that moves a page then
changes the policy too. The pages are read as section-placement reads them
(project/indexpage.py), so a policy written from a tree is one that tree
passes: each body section in order with the documents it places, and the
folder's documents the page does not place under ``elsewhere``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from novadoclint.facts import DocFacts
from novadoclint.index import FactsIndex
from novadoclint.project.indexpage import INTRO, body_label, body_sections, entries, heading
from novadoclint.resolve import doc_hint, strip_suffix

MIN_SECTIONS = 2  # a page with one section places nothing in one section rather than another


class PolicyError(Exception):
    """A page named with --policy-page that no policy can describe (exit 2)."""


@dataclass(frozen=True, slots=True)
class PagePolicy:
    """One index page as a policy describes it."""

    page: str
    folder: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # title, docnames, in page order
    elsewhere: tuple[tuple[str, str], ...]  # docname or pattern, why (a TOML comment)


@dataclass(frozen=True, slots=True)
class Written:
    text: str
    pages: int
    sections: int
    documents: int


def _placed_by(doc: DocFacts, index: FactsIndex) -> list[tuple[str, str]]:
    """(docname, body section title or INTRO) for each document the page places, in order."""
    body = set(body_sections(doc))
    return [
        (e.docname, body_label(doc, e.section, body, {}))
        for e in entries(doc, index.conf.source_suffixes, index.docs)
        if e.docname != doc.docname
    ]


def why_not(doc: DocFacts, index: FactsIndex) -> str | None:
    """Why a policy cannot describe the page as section-placement reads it; None if it can."""
    body = body_sections(doc)
    if not body:
        return "it has no sections"
    titles = [heading(doc, s) for s in body]
    twice = next((t for t in titles if titles.count(t) > 1), None)
    if twice is not None:
        return f"it has two sections titled {twice!r}"
    intro = next((name for name, label in _placed_by(doc, index) if label == INTRO), None)
    if intro is not None:
        return f"it places {intro!r} before its first section, where no policy section is"
    return None


def index_pages(index: FactsIndex) -> list[str]:
    """The pages --write-policy describes by default: every page with two or more body
    sections that each place a document, by a ``:doc:`` list or a toctree."""
    found = []
    for name in sorted(index.docs):
        doc = index.docs[name]
        body = body_sections(doc)
        if len(body) < MIN_SECTIONS or why_not(doc, index) is not None:
            continue
        labels = {label for _, label in _placed_by(doc, index)}
        if all(heading(doc, s) in labels for s in body):
            found.append(name)
    return found


def page_name(index: FactsIndex, given: str) -> str:
    """A --policy-page as a docname: "reference/index", "/reference/index" or
    "reference/index.rst"; PolicyError if it names no document."""
    name = posixpath.normpath(strip_suffix(given.strip().lstrip("/"), index.conf.source_suffixes))
    if name not in index.docs:
        raise PolicyError(f"--policy-page {given!r}: no such document{doc_hint(name, index.docs)}")
    return name


def describe(index: FactsIndex, name: str, placers: Mapping[str, str]) -> PagePolicy:
    """The policy of one page, from the tree as it is; PolicyError if it cannot have one."""
    doc = index.docs[name]
    problem = why_not(doc, index)
    if problem is not None:
        raise PolicyError(f"cannot write a policy for {name!r}: {problem}")
    folder = posixpath.dirname(name)
    order = [heading(doc, s) for s in body_sections(doc)]
    placed: dict[str, str] = {}  # docname -> the first section placing it
    for docname, label in _placed_by(doc, index):
        placed.setdefault(docname, label)
    sections = tuple(
        (title, tuple(d for d, label in placed.items() if label == title)) for title in order
    )
    unplaced = [d for d in sorted(index.docs) if _in_folder(d, name, folder) and d not in placed]
    return PagePolicy(name, folder, sections, tuple(_elsewhere(unplaced, placed, folder, placers)))


def _in_folder(docname: str, page: str, folder: str) -> bool:
    return docname != page and (not folder or docname.startswith(folder + "/"))


def _elsewhere(
    unplaced: list[str], placed: Mapping[str, str], folder: str, placers: Mapping[str, str]
) -> Iterator[tuple[str, str]]:
    """The folder's documents the page does not place; a subfolder none of whose documents
    the page places is one pattern (``admin/*``), so a root index page's list stays short."""
    prefix = folder + "/" if folder else ""
    groups: dict[str, list[str]] = {}
    for docname in unplaced:
        rest = docname[len(prefix) :]
        top = rest.split("/", 1)[0] if "/" in rest else ""
        groups.setdefault(top, []).append(docname)
    for top, names in sorted(groups.items(), key=lambda item: item[1][0]):
        whole = prefix + top + "/"
        if top and len(names) > 1 and not any(p.startswith(whole) for p in placed):
            yield prefix + top + "/*", f"{len(names)} documents, placed by other pages or none"
            continue
        for docname in names:
            placer = placers.get(docname)
            yield docname, f"placed by {placer}" if placer else "no page places it"


def placers(index: FactsIndex) -> dict[str, str]:
    """Each document's first placing page (by docname), for the comments of 'elsewhere'."""
    found: dict[str, str] = {}
    for name in sorted(index.docs):
        for docname, _ in _placed_by(index.docs[name], index):
            found.setdefault(docname, name)
    return found


def write_policy(index: FactsIndex, pages: Sequence[str], target: str) -> Written:
    """The policy file's text for the pages given (docnames), or every index page.

    ``target`` is the file's name as given: the header says how to use it.
    PolicyError when a page given cannot be described, or no page qualifies.
    """
    names = [page_name(index, p) for p in pages] if pages else index_pages(index)
    names = list(dict.fromkeys(names))
    if not names:
        raise PolicyError(
            "no index page found (a page with two or more sections that each hold a :doc: "
            "list or a toctree); name one with --policy-page PAGE"
        )
    by = placers(index)
    described = [describe(index, name, by) for name in names]
    command = f"novadoclint --write-policy {posixpath.basename(target)}"
    command += "".join(f" --policy-page {name}" for name in names) if pages else ""
    text = render(described, command, posixpath.basename(target))
    count = sum(len(docs) for p in described for _, docs in p.sections)
    return Written(text, len(described), sum(len(p.sections) for p in described), count)


def render(pages: Sequence[PagePolicy], command: str, name: str) -> str:
    """The TOML text: one line per document, so moving a page is a two-line diff."""
    lines = [
        "# A placement policy for novadoclint's section-placement rule, written by",
        f"# `{command}`",
        "# from the tree as it was. Each [[index]] is an index page; each [[index.section]]",
        "# one of its sections, in the page's order, with the documents it places (names",
        '# relative to the page\'s folder, "/x" from the source dir); `elsewhere` lists',
        "# the folder's documents the page does not place.",
        "#",
        f"# Lint with it: `novadoclint --profile {name}`, or `profile = {_string(name)}` in",
        "# .novadoclint.toml (relative to that file). Commit it with the docs: a change",
        "# that moves, adds or removes a page on these index pages changes it too;",
        "# section-placement reports where the pages and this file differ.",
    ]
    for page in pages:
        lines += ["", "[[index]]", f"page = {_string(page.page)}"]
        if page.elsewhere:
            lines.append("elsewhere = [")
            lines += [
                f"    {_string(_relative(d, page.folder))},  # {w}" for d, w in page.elsewhere
            ]
            lines.append("]")
        for title, docs in page.sections:
            lines += ["", "[[index.section]]", f"title = {_string(title)}"]
            if not docs:
                lines.append("documents = []")
                continue
            lines.append("documents = [")
            lines += [f"    {_string(_relative(d, page.folder))}," for d in docs]
            lines.append("]")
    return "\n".join(lines) + "\n"


def _relative(docname: str, folder: str) -> str:
    """A name as policies write it: relative to the page's folder, else "/" + docname."""
    if not folder:
        return docname
    if docname.startswith(folder + "/"):
        return docname[len(folder) + 1 :]
    return "/" + docname


def _string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
