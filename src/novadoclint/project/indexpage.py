"""An index page as the placement rules read it: which section places which document.

One reading for three readers: section-placement (checks/placement.py) and
index-list-toctree-mismatch (checks/indexlists.py) check a page with it, and
``--write-policy`` (project/policy_writer.py) describes a page with it, so a
policy written from a tree is the policy that tree passes. A pure function of
one page's facts: which section each ``:doc:`` list item and each toctree
entry sits in (``Ref.section``, ``TocTree.section``, ``Section.parent``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from novadoclint.facts import DocFacts
from novadoclint.findings import Location
from novadoclint.resolve import doc_target, glob_docs, toc_target, xref_disabled

DOC_ROLES = frozenset({"doc", "std:doc"})
INTRO = "the introduction"  # what messages call the text before the first body section


@dataclass(frozen=True, slots=True)
class Entry:
    """One mention of a document on an index page: a :doc: list item or a toctree entry."""

    docname: str
    section: int  # index into DocFacts.sections, -1 before the first section
    at: Location
    in_list: bool  # False: a toctree entry
    hidden: bool = False  # a toctree entry of a :hidden: toctree


def entries(doc: DocFacts, suffixes: Sequence[str], docs: Iterable[str]) -> list[Entry]:
    """The page's :doc: list items and toctree entries, resolved to docnames, in line order.

    Names resolve as Sphinx resolves them (resolve.py); glob entries of a
    ``:glob:`` toctree expand to the documents they match.
    """
    found = [
        Entry(
            doc_target(doc.docname, ref.target),
            ref.section,
            Location(ref.path, ref.line, ref.column),
            in_list=True,
        )
        for ref in doc.refs
        if ref.role in DOC_ROLES and ref.in_list_item and not xref_disabled(ref.title, ref.target)
    ]
    for toctree in doc.toctrees:
        for entry in toctree.entries:
            target = toc_target(
                doc.docname, entry.title, entry.target, glob=toctree.glob, suffixes=suffixes
            )
            if target.kind == "glob":
                # Sphinx takes the page itself out before globbing
                names = [d for d in glob_docs(target.docname, docs) if d != doc.docname]
            elif target.kind == "doc":
                names = [target.docname]
            else:
                continue
            at = Location(toctree.path, entry.line)
            found.extend(
                Entry(name, toctree.section, at, in_list=False, hidden=toctree.hidden)
                for name in names
            )
    return sorted(found, key=lambda e: (e.at, e.in_list))


def body_sections(doc: DocFacts) -> list[int]:
    """The sections a policy describes: those under the page title (or the top level)."""
    tops = [i for i, s in enumerate(doc.sections) if s.parent == -1]
    if len(tops) == 1:
        return [i for i, s in enumerate(doc.sections) if s.parent == tops[0]]
    return tops


def heading(doc: DocFacts, section: int) -> str:
    """A section's title as policies name it: whitespace runs made one space."""
    return " ".join(doc.sections[section].title.split())


def body_label(doc: DocFacts, section: int, body: set[int], mapped: dict[int, str]) -> str:
    """The body section (by its declared title when known) a section index belongs to."""
    while section >= 0 and section not in body:
        section = doc.sections[section].parent
    if section < 0:
        return INTRO
    return mapped.get(section, heading(doc, section))
