"""Rule, its documentation, and the ``@rule`` decorator.

The decorator returns a :class:`Rule` value and mutates nothing: the registry
is the tuple built in :mod:`novadoclint.checks`.
"""

from __future__ import annotations

import enum
import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from novadoclint.findings import Hit, Severity

RULE_ID_RE = re.compile(r"^(?:[a-z][a-z0-9]*(?:-[a-z0-9]+)*|D\d{3})$")
SECTION_RE = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
FENCE_RE = re.compile(r"```rst\n(.*?)```", re.DOTALL)

REQUIRED_SECTIONS = ("Why is this bad?", "Example", "Use instead")
OPTIONAL_SECTIONS = ("Options", "Known problems", "References")


class Phase(enum.Enum):
    """When a rule runs, which fixes its signature."""

    FILE = "file"  # (doc: ParsedDoc, ctx: Context) -> Iterable[Hit], in phase-1 workers
    TREE = "tree"  # (index: FactsIndex, ctx: Context) -> Iterable[Hit], once, in the main process
    NETWORK = "network"  # (index, results, ctx) -> Iterable[Hit], only with --check-links


class RuleDocError(ValueError):
    """A rule's docstring lacks a required section: raised at import time."""


def _dedent(text: str) -> str:
    lines = text.splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    cut = min(indents, default=0)
    return "\n".join([lines[0].strip(), *(line[cut:] for line in lines[1:])]).strip() + "\n"


@dataclass(frozen=True)
class RuleDoc:
    """A rule's documentation, parsed from its docstring (ruff's headings)."""

    summary: str
    why: str
    example: str
    use_instead: str
    options: str = ""
    known_problems: str = ""
    references: str = ""

    @classmethod
    def parse(cls, docstring: str, *, name: str = "?") -> RuleDoc:
        text = _dedent(docstring or "")
        summary, _, rest = text.partition("\n")
        parts = SECTION_RE.split("\n" + rest)
        sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
        missing = [s for s in REQUIRED_SECTIONS if not sections.get(s)]
        unknown = set(sections) - set(REQUIRED_SECTIONS) - set(OPTIONAL_SECTIONS)
        if not summary.strip() or missing or unknown:
            raise RuleDocError(
                f"rule {name}: docstring needs a summary line and sections "
                f"{REQUIRED_SECTIONS}; missing {missing}, unknown {sorted(unknown)}"
            )
        return cls(
            summary=summary.strip(),
            why=sections["Why is this bad?"],
            example=sections["Example"],
            use_instead=sections["Use instead"],
            options=sections.get("Options", ""),
            known_problems=sections.get("Known problems", ""),
            references=sections.get("References", ""),
        )

    @staticmethod
    def code(section: str) -> str:
        """The rst code of an Example / Use instead section (fence stripped)."""
        match = FENCE_RE.search(section)
        return match.group(1) if match else ""


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    phase: Phase
    check: Callable[..., Iterable[Hit]]
    doc: RuleDoc
    enabled: bool = True
    tags: frozenset[str] = frozenset()

    def __call__(self, *args: Any) -> Iterable[Hit]:
        return self.check(*args)


def rule(
    id: str,
    severity: Severity,
    phase: Phase,
    *,
    enabled: bool = True,
    tags: Iterable[str] = (),
) -> Callable[[Callable[..., Iterable[Hit]]], Rule]:
    """Declare a rule: the function's docstring is its documentation."""
    if not RULE_ID_RE.match(id):
        raise ValueError(f"rule id {id!r} is not kebab-case")

    def register(check: Callable[..., Iterable[Hit]]) -> Rule:
        doc = RuleDoc.parse(check.__doc__ or "", name=id)
        return Rule(id, severity, phase, check, doc, enabled, frozenset(tags))

    return register


def matches(rule_: Rule, pattern: str) -> bool:
    """Selection by id, fnmatch pattern (``link-*``), tag, phase or ``all``."""
    return (
        pattern == "all"
        or pattern == rule_.id
        or pattern in rule_.tags
        or pattern == rule_.phase.value
        or fnmatch.fnmatchcase(rule_.id, pattern)
    )
