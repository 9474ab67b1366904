"""GitHub Actions workflow commands: findings show as annotations on the pull request."""

from __future__ import annotations

from novadoclint.findings import Run, Severity
from novadoclint.report.text import summary

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(run: Run, color: bool = False) -> str:
    lines = [
        f"::{COMMANDS[f.severity]} file={_property(f.path)},line={f.line},col={f.column},"
        f"title={_property(f.rule)}::{_data(f.message)}"
        for f in run.findings
    ]
    lines.append(summary(run))
    return "\n".join(lines) + "\n"
