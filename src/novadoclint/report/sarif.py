"""SARIF 2.1.0: code-scanning dashboards and editors.

Rule metadata comes from the same RuleDoc as --explain; each rule's ``helpUri``
is the README's rules table (the user's guide has one section for all rules, and
``help`` carries the rule's whole text), ``informationUri`` the project's
homepage (:mod:`novadoclint.about`). Result locations are
relative URIs against a ``SRCROOT`` base id, so annotations survive checkout
paths that differ between the run and the viewer, and are percent-encoded
(a file name that is not UTF-8 keeps its bytes). Messages go through
``findings.printable`` although JSON escapes control characters: dashboards show
the decoded text, and it comes from the pull request under review.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from novadoclint import __version__, about
from novadoclint.checks import ALL_RULES
from novadoclint.explain import explain
from novadoclint.findings import Run, Severity, printable
from novadoclint.registry import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(part.title() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.doc.summary},
        "fullDescription": {"text": rule.doc.why},
        "help": {"text": explain(rule), "markdown": _markdown(rule)},
        "helpUri": about.RULES_URL,
        "defaultConfiguration": {"level": LEVELS[rule.severity], "enabled": rule.enabled},
        "properties": {"tags": sorted(rule.tags), "phase": rule.phase.value},
    }


def _markdown(rule: Rule) -> str:
    doc = rule.doc
    parts = [doc.summary, "## Why is this bad?", doc.why]
    if doc.options:
        parts += ["## Options", doc.options]
    parts += ["## Example", doc.example, "## Use instead", doc.use_instead]
    return "\n\n".join(parts)


def _uri(path: str) -> str:
    """A relative URI reference for a posix path; undecodable bytes stay bytes."""
    return quote(path, safe="/", errors="surrogateescape")


def as_dict(run: Run) -> dict[str, Any]:
    index = {rule.id: i for i, rule in enumerate(ALL_RULES)}
    results = []
    for f in run.findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "level": LEVELS[f.severity],
            "message": {"text": printable(f.message)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "SRCROOT"},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "novadoclint",
                        "version": __version__,
                        "informationUri": about.HOMEPAGE,
                        "rules": [_rule(r) for r in ALL_RULES],
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": Path.cwd().as_uri() + "/"}},
                "results": results,
            }
        ],
    }


def render(run: Run, color: bool = False) -> str:
    return json.dumps(as_dict(run), indent=2) + "\n"
