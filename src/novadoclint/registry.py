"""Rule, its documentation, and the ``@rule`` decorator; RuleMeta, a rule without its function.

The decorator returns a :class:`Rule` value and mutates nothing: the registry
is the tuple built in :mod:`novadoclint.checks`. What selection, settings and
severities need of a rule is its :class:`RuleMeta`, listed in the generated
:mod:`novadoclint.checks.manifest`, so that a run imports a rule's module only
when the rule runs (a warm run: the tree rules alone).
"""

from __future__ import annotations

import difflib
import enum
import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from novadoclint.edits import FixSafety
from novadoclint.findings import Hit, Severity
from novadoclint.safety.untrusted import excerpt

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
    fix: FixSafety | None = None  # the fixes its hits may carry (none, safe or unsafe)

    def __call__(self, *args: Any) -> Iterable[Hit]:
        return self.check(*args)

    @property
    def module(self) -> str:
        """The module that defines the rule: where the manifest says to import it from."""
        return self.check.__module__

    def meta(self) -> RuleMeta:
        return RuleMeta(
            self.id, self.severity, self.phase, self.module, self.enabled, self.tags, self.fix
        )


@dataclass(frozen=True)
class RuleMeta:
    """A rule without its function or docs: what selection, suppressions and severities read.

    Picklable and cheap: the manifest lists one per rule, so that the rule's
    module (and the parser or grammar it imports) is loaded only where it runs.
    """

    id: str
    severity: Severity
    phase: Phase
    module: str  # the module defining the rule, e.g. novadoclint.checks.toctree
    enabled: bool = True
    tags: frozenset[str] = frozenset()
    fix: FixSafety | None = None


class Named(Protocol):
    """What a selector is matched against: a Rule, or its RuleName."""

    @property
    def id(self) -> str: ...

    @property
    def phase(self) -> Phase: ...

    @property
    def tags(self) -> frozenset[str]: ...


class Described(Named, Protocol):
    """What finalise and selection read of a rule: a Rule, or its RuleMeta."""

    @property
    def severity(self) -> Severity: ...

    @property
    def enabled(self) -> bool: ...


@dataclass(frozen=True)
class RuleName:
    """A rule's names without its function, so that it pickles: phase-1 workers check a
    disable= comment's names against them (a Rule's function pickles by its name, which
    its module gives to the Rule)."""

    id: str
    phase: Phase
    tags: frozenset[str]


def rule_names(rules: Iterable[Named]) -> tuple[RuleName, ...]:
    return tuple(RuleName(r.id, r.phase, r.tags) for r in rules)


def rule(
    id: str,
    severity: Severity,
    phase: Phase,
    *,
    enabled: bool = True,
    tags: Iterable[str] = (),
    fix: FixSafety | None = None,
) -> Callable[[Callable[..., Iterable[Hit]]], Rule]:
    """Declare a rule: the function's docstring is its documentation."""
    if not RULE_ID_RE.match(id):
        raise ValueError(f"rule id {id!r} is not kebab-case")

    def register(check: Callable[..., Iterable[Hit]]) -> Rule:
        doc = RuleDoc.parse(check.__doc__ or "", name=id)
        return Rule(id, severity, phase, check, doc, enabled, frozenset(tags), fix)

    return register


def matches(rule_: Named, pattern: str) -> bool:
    """Selection by id, fnmatch pattern (``link-*``), tag, phase or ``all``."""
    return (
        pattern == "all"
        or pattern == rule_.id
        or pattern in rule_.tags
        or pattern == rule_.phase.value
        or fnmatch.fnmatchcase(rule_.id, pattern)
    )


def selector_names(rules: Iterable[Named]) -> list[str]:
    """Every name a selector may be: rule ids, tags, phases and ``all``."""
    found = {"all", *(p.value for p in Phase)}
    for rule_ in rules:
        found.add(rule_.id)
        found.update(rule_.tags)
    return sorted(found)


def manifest_source(rules: Iterable[Rule], generator: str) -> str:
    """The text of checks/manifest.py: each rule's RuleMeta, sorted by id, as Python."""
    lines = [
        f'"""Every rule\'s metadata, without importing its module: generated by {generator}.',
        "",
        "Do not edit: tests/test_registry.py checks it against the rules themselves.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from novadoclint.edits import FixSafety",
        "from novadoclint.findings import Severity",
        "from novadoclint.registry import Phase, RuleMeta",
        "",
        "# fmt: off",
        "RULES: tuple[RuleMeta, ...] = (",
    ]
    for r in sorted(rules, key=lambda r: r.id):
        fix = "None" if r.fix is None else f"FixSafety.{r.fix.name}"
        tags = ", ".join(f'"{t}"' for t in sorted(r.tags))
        tagset = f"frozenset({{{tags}}})" if tags else "frozenset()"
        lines.append(
            f'    RuleMeta("{r.id}", Severity.{r.severity.name}, Phase.{r.phase.name}, '
            f'"{r.module}", {r.enabled}, {tagset}, {fix}),'
        )
    lines += [")", "# fmt: on", ""]
    return "\n".join(lines)


def _did_you_mean(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if not close and name.upper() != name:
        close = difflib.get_close_matches(name.upper(), list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_selector(name: str, rules: Iterable[Named]) -> str | None:
    """Why ``name`` selects nothing (with a did-you-mean), or None if it matches a rule."""
    rules = tuple(rules)
    if any(matches(r, name) for r in rules):
        return None
    return f"no rule matches {excerpt(name)}{_did_you_mean(name, selector_names(rules))}"


def unknown_rule_id(name: str, rules: Iterable[Named]) -> str | None:
    """Why ``name`` is no rule id (patterns and tags are not ids), or None."""
    ids = [r.id for r in rules]
    if name in ids:
        return None
    return f"no rule {excerpt(name)}{_did_you_mean(name, ids)}"
