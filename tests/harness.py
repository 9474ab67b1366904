"""Run one fixture case the way the fixture test and the rule-docs test need it."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from linkserver import lint_served

from novadoclint.checks import ALL_RULES
from novadoclint.edits import FixSafety
from novadoclint.engine import lint_project
from novadoclint.findings import Finding, Run
from novadoclint.fixes import relocated
from novadoclint.project.discover import load_project
from novadoclint.settings import from_table, load

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def case_rule(case: Path) -> str | None:
    """fixtures/<rule-id>/<case>/: the rule the case is about (None for sample trees)."""
    if FIXTURES not in case.parents:
        return None
    rel = case.relative_to(FIXTURES).parts
    return rel[0] if len(rel) >= 2 else None


def lint_case(case: Path, rule: str | None = None, **overrides: Any) -> list[Finding]:
    """Lint a case folder with only its rule selected (plus what case.toml adds); ``rule``
    for a copy of a case, outside fixtures/."""
    settings = load(case, rules=ALL_RULES)
    case_toml = case / "case.toml"
    rule = rule or case_rule(case)
    if rule is not None:
        settings = replace(settings, select=(rule,))
    if case_toml.is_file():
        with case_toml.open("rb") as f:
            settings = from_table(tomllib.load(f), case_toml, settings, ALL_RULES)
    settings = replace(settings, jobs=1, **overrides)
    if (case / "server.toml").is_file():  # a network rule's case, served on 127.0.0.1
        return lint_served(case, settings)
    project = load_project(case, (case / "conf.py").is_file())
    findings, _ = lint_project(project, settings)
    return findings


def render_expected(findings: list[Finding]) -> str:
    return "".join(f.render() + "\n" for f in findings)


def case_unsafe(case: Path) -> bool:
    """Whether a case's fixes are applied with --unsafe-fixes: its rule's fixes are unsafe."""
    rule = next((r for r in ALL_RULES if r.id == case_rule(case)), None)
    return rule is not None and rule.fix is FixSafety.UNSAFE


def lint_case_run(case: Path, rule: str | None = None, **overrides: Any) -> Run:
    """lint_case as the command line's Run: paths, and fixes' paths, absolute, as
    --fix in the case folder would have them relative to it."""
    findings = [
        replace(f, path=str(case / f.path), fix=relocated(f.fix, str(case)))
        for f in lint_case(case, rule, **overrides)
    ]
    return Run(str(case), 0, tuple(findings))
