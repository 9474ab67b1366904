"""Phase-1 records: everything a cross-document rule may need from one document.

Only tuples, str, int and bool, frozen: hashable, picklable by construction,
cheap to cache and to send back from a worker process. Every located fact
carries the path of the file its markup sits in (an included file, not the
including document, when it came through ``.. include::``) and the index of
its enclosing section in ``DocFacts.sections`` (-1 before the first section).
:class:`Phase1Result`, what a worker sends back and the cache keeps, adds the
file rules' hits (:class:`~novadoclint.findings.Hit`, just as plain) to the facts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, TypeVar

from novadoclint.findings import Hit

Record = TypeVar("Record", bound=type)

FACTS_VERSION = 4  # bump on any change below (Sphinx's ENV_VERSION habit)


def _plain_state(cls: Record) -> Record:
    """Pickle a slotted record as the tuple of its values, in field order, without fields().

    dataclasses' own ``__getstate__`` and ``__setstate__`` for ``slots=True`` call
    ``fields()`` on every instance: a worker sends ~6,000 facts back for nova's 190 pages,
    and that was two thirds of pickling them. The state is the same values in the same
    order (a tuple where dataclasses make a list), so either side reads the other's.
    """
    names = tuple(f.name for f in fields(cls))
    assert len(names) > 1  # attrgetter of one name answers the value, not a tuple
    values = attrgetter(*names)
    store = object.__setattr__  # frozen: dataclasses' own setstate does the same

    def getstate(self: Any) -> tuple[Any, ...]:
        state: tuple[Any, ...] = values(self)
        return state

    def setstate(self: Any, state: tuple[Any, ...]) -> None:
        for name, value in zip(names, state, strict=True):
            store(self, name, value)

    setattr(cls, "__getstate__", getstate)  # noqa: B010 (mypy: not on a TypeVar)
    setattr(cls, "__setstate__", setstate)  # noqa: B010
    return cls


@_plain_state
@dataclass(frozen=True, slots=True)
class Section:
    title: str
    level: int  # 1 for the document title
    path: str
    line: int
    ids: tuple[str, ...]
    parent: int  # index of the enclosing section, -1 for top level


@_plain_state
@dataclass(frozen=True, slots=True)
class Label:
    """An explicit target (``.. _name:``); Sphinx's std-domain label."""

    name: str  # normalised as Sphinx does: lowercased, whitespace folded
    path: str
    line: int
    section: int
    titled: bool  # sits right before a section, so :ref: may omit the title
    title: str  # the section title when titled


@_plain_state
@dataclass(frozen=True, slots=True)
class Ref:
    """A cross-reference role (``:doc:``, ``:ref:``, ``:download:``, domain roles...)."""

    role: str
    target: str  # raw target, prefixes (~ !) kept
    title: str | None  # explicit title, if given
    path: str
    line: int
    column: int
    section: int
    in_list_item: bool


@_plain_state
@dataclass(frozen=True, slots=True)
class TocEntry:
    title: str | None
    target: str  # raw: unresolved, glob patterns kept
    line: int


@_plain_state
@dataclass(frozen=True, slots=True)
class TocTree:
    path: str
    line: int
    section: int
    glob: bool
    hidden: bool
    entries: tuple[TocEntry, ...]


@_plain_state
@dataclass(frozen=True, slots=True)
class Include:
    """``include`` or ``literalinclude``; ``found`` tells whether the file was read."""

    directive: str
    target: str  # as written
    resolved: str  # posix path relative to the source dir ("../" allowed), or absolute
    path: str
    line: int
    found: bool


@_plain_state
@dataclass(frozen=True, slots=True)
class Outside:
    """A file a docutils directive was to read from outside the project: never read.

    ``include``, ``raw`` and ``csv-table`` (``:file:``) read their file while the
    document is parsed, and the diagram rules read a diagram directive's file, so
    the parser decides and records it here instead of their usual facts; the other
    Sphinx directives and roles that name files (``literalinclude``, images,
    downloads) are checked in phase 2 from their own facts.
    """

    directive: str
    target: str  # as written
    path: str
    line: int


@_plain_state
@dataclass(frozen=True, slots=True)
class Image:
    directive: str  # image, figure
    target: str
    path: str
    line: int
    alt: bool


@_plain_state
@dataclass(frozen=True, slots=True)
class Link:
    url: str
    path: str
    line: int
    column: int
    kind: str  # inline, standalone, target, image, download, extlink


@_plain_state
@dataclass(frozen=True, slots=True)
class EmbeddedTarget:
    """A `text <target>`_ whose target is no URL: docutils makes it a link relative to the page."""

    text: str  # the link text
    target: str  # as written: docutils drops its whitespace from the refuri
    refuri: str  # where the link points
    path: str
    line: int
    column: int


@_plain_state
@dataclass(frozen=True, slots=True)
class Directive:
    """A directive novadoclint records (non-docutils): name, arguments, options, content."""

    name: str
    arguments: tuple[str, ...]
    options: tuple[tuple[str, str], ...]
    content: str
    path: str
    line: int
    content_line: int  # line of the first content line (0 when no content)
    section: int


@_plain_state
@dataclass(frozen=True, slots=True)
class Suppression:
    rules: frozenset[str]
    path: str
    first_line: int
    last_line: int  # inclusive; a large number for disable-file


@_plain_state
@dataclass(frozen=True, slots=True)
class DocFacts:
    docname: str
    path: str
    title: str | None
    orphan: bool
    metadata: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    labels: tuple[Label, ...]
    refs: tuple[Ref, ...]
    toctrees: tuple[TocTree, ...]
    includes: tuple[Include, ...]
    images: tuple[Image, ...]
    links: tuple[Link, ...]
    directives: tuple[Directive, ...]
    suppressions: tuple[Suppression, ...]
    dependencies: tuple[str, ...]  # files read while parsing (includes), relative to srcdir
    embedded_targets: tuple[EmbeddedTarget, ...] = ()  # relative `text <target>`_ links
    outside: tuple[Outside, ...] = ()  # files outside the project a directive named


def empty_facts(docname: str, path: str) -> DocFacts:
    """Facts of a document that could not be read or parsed: it exists, nothing more.

    Marked orphan: its internal-error or read finding is the news, not a
    "not in any toctree" warning that follows only from the facts being empty.
    """
    return DocFacts(docname, path, None, True, (), (), (), (), (), (), (), (), (), (), (), ())


RuleHit = tuple[str, Hit]  # a rule's id and what it found, before decide.finalise stamps it


@dataclass(frozen=True)
class Phase1Result:
    """One document's phase 1: its facts and its file rules' hits (what the cache keeps)."""

    facts: DocFacts
    hits: tuple[RuleHit, ...]
