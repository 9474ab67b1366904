"""Regenerate README.md's rules table from the rule registry."""

from __future__ import annotations

import re
from pathlib import Path

from novadoclint import explain
from novadoclint.checks import ALL_RULES

README = Path(__file__).resolve().parents[1] / "README.md"
MARKERS_RE = re.compile(r"(<!-- rules-table:start -->\n).*?(<!-- rules-table:end -->)", re.DOTALL)


def main() -> None:
    text = README.read_text(encoding="utf-8")
    table = explain.rules_table(ALL_RULES)
    README.write_text(
        MARKERS_RE.sub(lambda m: m.group(1) + table + m.group(2), text), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
