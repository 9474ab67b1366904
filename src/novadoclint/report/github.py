"""GitHub Actions workflow commands: findings show as annotations on the pull request.

Data and properties are escaped by the workflow-command rules (``%``, CR, LF;
``:`` and ``,`` in properties), so nothing a file name or message holds can end
an annotation or start a line with ``::``.
"""

from __future__ import annotations

from novadoclint.findings import Run, Severity, printable
from novadoclint.report.text import summary

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    """Workflow-command escaping, then ``printable`` for every other control character."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(escaped)


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
