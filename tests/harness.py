"""Run one fixture case the way the fixture test and the rule-docs test need it."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from linkserver import lint_served

from novadoclint.checks import ALL_RULES
from novadoclint.engine import lint_project
from novadoclint.findings import Finding
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


def lint_case(case: Path, **overrides: Any) -> list[Finding]:
    """Lint a case folder with only its rule selected (plus what case.toml adds)."""
    settings = load(case, rules=ALL_RULES)
    case_toml = case / "case.toml"
    rule = case_rule(case)
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
