"""What rules may read: the run's context (picklable) and, in phase 1, one parsed document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from novadoclint.facts import DocFacts
from novadoclint.project.sphinxconf import SphinxConf
from novadoclint.project.treefiles import TreeFiles
from novadoclint.project.vocabulary import Vocabulary
from novadoclint.registry import RuleName
from novadoclint.settings import Settings

if TYPE_CHECKING:  # the policy: loaded with --profile only; the parser: by a run that parses
    from docutils import nodes

    from novadoclint.parse import Message
    from novadoclint.project.policy import Policy

View = TypeVar("View")


@dataclass(frozen=True)
class Context:
    """Frozen and picklable: sent once to each worker process."""

    srcdir: str  # absolute
    settings: Settings
    sphinx: SphinxConf
    vocabulary: Vocabulary
    policy: Policy | None = None  # the active placement profile (--profile)
    rule_names: tuple[RuleName, ...] = field(kw_only=True)  # what a selector may name

    @cached_property
    def tree_files(self) -> TreeFiles:
        """The files phase-1 rules read besides the document (diagram sources), once each."""
        return TreeFiles(self.srcdir)


class DocViews:
    """Views of one doctree that several rules read, each built once by the first that needs it.

    One walk per document, not one per rule. Keyed by the view's class: the
    module that defines the class (prose.MarkupView, style's doc8 adapter)
    is the one that builds it, so a view always has the type asked for.
    """

    def __init__(self) -> None:
        self._built: dict[type, object] = {}

    def get(self, kind: type[View], build: Callable[[], View]) -> View:
        """The document's view of class ``kind``, built by ``build`` the first time."""
        found = self._built.get(kind)
        if isinstance(found, kind):
            return found
        made = build()
        self._built[kind] = made
        return made


@dataclass
class ParsedDoc:
    """One document inside a phase-1 worker; never pickled."""

    docname: str
    path: str  # relative to srcdir, posix
    raw: bytes
    text: str
    lines: list[str]
    doctree: nodes.document
    messages: list[Message]
    facts: DocFacts
    decode_error: tuple[int, int, str] | None = None  # (byte offset, line, reason)
    views: DocViews = field(default_factory=DocViews, repr=False, compare=False)
