"""The JSON contract (version 1) other tools read: keep it stable, bump on change.

Strings stay raw, as JSON escapes control characters itself; only the lone
surrogates of a file name that is not UTF-8 become backslash escapes
(``findings.encodable``), which many JSON readers reject.
"""

from __future__ import annotations

import json
from collections import Counter

from novadoclint import __version__
from novadoclint.findings import Run, encodable

SCHEMA_VERSION = 1


def as_dict(run: Run) -> dict[str, object]:
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "novadoclint", "version": __version__},
        "findings": [
            {
                "path": encodable(f.path),
                "line": f.line,
                "column": f.column,
                "rule": f.rule,
                "severity": str(f.severity),
                "message": encodable(f.message),
            }
            for f in run.findings
        ],
        "summary": {
            "files": run.files,
            "findings": len(run.findings),
            "by_rule": dict(sorted(Counter(f.rule for f in run.findings).items())),
        },
    }


def render(run: Run, color: bool = False) -> str:
    return json.dumps(as_dict(run), indent=2) + "\n"
