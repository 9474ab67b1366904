"""Regenerate src/novadoclint/checks/manifest.py: every rule's metadata, from the rules themselves.

Run after adding a rule or changing its ``@rule(...)`` arguments; tests/test_registry.py
fails, naming this command, while the manifest and the rules disagree.
"""

from __future__ import annotations

from pathlib import Path

from novadoclint.checks import ALL_RULES
from novadoclint.registry import manifest_source

MANIFEST = Path(__file__).resolve().parents[1] / "src" / "novadoclint" / "checks" / "manifest.py"
COMMAND = "python tools/update_manifest.py"


def main() -> None:
    MANIFEST.write_text(manifest_source(ALL_RULES, COMMAND), encoding="utf-8")


if __name__ == "__main__":
    main()
