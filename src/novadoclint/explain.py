"""``--explain``, ``--list-rules`` and the README rules table, all from RuleDoc."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable

from novadoclint.edits import FixSafety
from novadoclint.registry import Phase, Rule

PHASE_WORDS = {Phase.FILE: "per-file", Phase.TREE: "cross-document", Phase.NETWORK: "network"}
FIX_WORDS = {
    FixSafety.SAFE: "safe: --fix applies it",
    FixSafety.UNSAFE: "unsafe: --fix applies it with --unsafe-fixes; review the change",
    None: "none",
}


def fix_kind(rule: Rule) -> str:
    """safe, unsafe or none: the fixes a rule's findings may carry (Rule.fix)."""
    return rule.fix.value if rule.fix is not None else "none"


def explain(rule: Rule) -> str:
    doc = rule.doc
    state = "enabled" if rule.enabled else "disabled"
    out = [f"{rule.id} ({rule.severity}, {PHASE_WORDS[rule.phase]}, {state} by default)", ""]
    out += [doc.summary, "", f"Fix: {FIX_WORDS[rule.fix]}", ""]
    for title, body in (
        ("Why is this bad?", doc.why),
        ("Options", doc.options),
        ("Example", doc.example),
        ("Use instead", doc.use_instead),
        ("Known problems", doc.known_problems),
        ("References", doc.references),
    ):
        if body:
            out += [f"{title}", textwrap.indent(_unfence(body), "    "), ""]
    return "\n".join(out).rstrip() + "\n"


def _unfence(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("```"))


def explain_json(rules: Iterable[Rule]) -> str:
    return json.dumps(
        [
            {
                "id": r.id,
                "severity": str(r.severity),
                "phase": r.phase.value,
                "enabled": r.enabled,
                "tags": sorted(r.tags),
                "summary": r.doc.summary,
                "why": r.doc.why,
                "example": r.doc.example,
                "use_instead": r.doc.use_instead,
                "options": r.doc.options,
            }
            for r in rules
        ],
        indent=2,
    )


def list_rules(rules: Iterable[Rule]) -> str:
    """Each rule's id, severity, fix (safe, unsafe or none) and summary, by default state."""
    rules = list(rules)
    out = []
    for title, enabled in (("Enabled by default", True), ("Disabled by default", False)):
        group = [r for r in rules if r.enabled is enabled]
        if group:
            out.append(f"{title}:")
            out += [
                f"  {r.id:<32} {r.severity!s:<8} {fix_kind(r):<6} {r.doc.summary}" for r in group
            ]
    return "\n".join(out) + "\n"


def rules_table(rules: Iterable[Rule]) -> str:
    """The README's rules table (a test keeps README in step with it)."""
    rows = [
        "| rule | severity | phase | default | fix | what it finds |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rules:
        default = "on" if r.enabled else "off"
        fix = r.fix.value if r.fix is not None else ""
        summary = r.doc.summary.replace("|", "\\|")
        phase = PHASE_WORDS[r.phase]
        rows.append(f"| `{r.id}` | {r.severity} | {phase} | {default} | {fix} | {summary} |")
    return "\n".join(rows) + "\n"
