"""What rules may read: the run's context (picklable) and, in phase 1, one parsed document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docutils import nodes

from novadoclint.facts import DocFacts
from novadoclint.parse import Message
from novadoclint.policy import Policy
from novadoclint.settings import Settings
from novadoclint.sphinxconf import SphinxConf
from novadoclint.vocabulary import Vocabulary


@dataclass(frozen=True)
class Context:
    """Frozen and picklable: sent once to each worker process."""

    srcdir: str  # absolute
    settings: Settings
    sphinx: SphinxConf
    vocabulary: Vocabulary
    policy: Policy | None = None  # the active placement profile (--profile)


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
    # Views of the doctree that several rules read, computed once by the first that
    # needs them (a rule family's own key): one walk per document, not one per rule.
    views: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
