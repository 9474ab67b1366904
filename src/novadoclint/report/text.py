"""``path:line:col: severity rule-id message`` lines, then a one-line summary.

Paths and messages are shown through ``findings.printable``: they come from
the pull request under review and must not drive the terminal or the CI log.
"""

from __future__ import annotations

from collections import Counter

from novadoclint.findings import Run, Severity, display_path, printable

COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
BOLD, RESET = "\033[1m", "\033[0m"


def render(run: Run, color: bool = False) -> str:
    lines = []
    for f in run.findings:
        if color:
            sev = f"{COLORS[f.severity]}{f.severity}{RESET}"
            place = f"{display_path(f.path)}:{f.line}:{f.column}:"
            lines.append(f"{BOLD}{place}{RESET} {sev} {printable(f.rule)} {printable(f.message)}")
        else:
            lines.append(f.render())
    lines.append(summary(run))
    return "\n".join(lines) + "\n"


def summary(run: Run) -> str:
    if not run.findings:
        return f"{run.files} files checked, no problems found"
    counts = Counter(f.severity for f in run.findings)
    parts = [
        f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in sorted(counts, reverse=True)
    ]
    noun = "finding" if len(run.findings) == 1 else "findings"
    return f"{run.files} files checked, {len(run.findings)} {noun} ({', '.join(parts)})"
