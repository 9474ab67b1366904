"""Scaffold a rule: the decorated stub in its family module and its two fixture cases.

Usage: python tools/new_rule.py RULE-ID --family references --phase tree [--severity error]

The registry tests then fail until the stub's docstring examples and the fixtures
are filled in: that is the to-do list for the new rule.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ROOT / "src" / "novadoclint" / "checks"
FIXTURES = ROOT / "fixtures"

SIGNATURES = {
    "file": ("doc: ParsedDoc, ctx: Context", "from novadoclint.context import Context, ParsedDoc"),
    "tree": ("index: FactsIndex, ctx: Context", "from novadoclint.index import FactsIndex"),
}

STUB = '''

@rule("{id}", Severity.{severity}, Phase.{phase}, tags={{"{family}"}})
def {function}({signature}) -> Iterator[Hit]:
    """TODO: one line saying what the rule finds.

    ## Why is this bad?
    TODO

    ## Example
    ```rst
    TODO: rst that makes the rule fire
    ```

    ## Use instead
    ```rst
    TODO: the fixed rst
    ```
    """
    yield from ()
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("id")
    parser.add_argument("--family", required=True, help="module under checks/, e.g. references")
    parser.add_argument("--phase", choices=sorted(SIGNATURES), required=True)
    parser.add_argument("--severity", choices=["error", "warning", "info"], default="error")
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", args.id):
        parser.error(f"{args.id!r} is not a kebab-case id naming the bad thing")
    module = CHECKS / f"{args.family}.py"
    if not module.is_file():
        parser.error(f"{module} does not exist: add new families to checks/__init__.py MODULES")
    signature, _ = SIGNATURES[args.phase]
    with module.open("a", encoding="utf-8") as f:
        f.write(
            STUB.format(
                id=args.id,
                severity=args.severity.upper(),
                phase=args.phase.upper(),
                family=args.family,
                function=args.id.replace("-", "_"),
                signature=signature,
            )
        )
    for case in ("fires", "near-miss"):
        folder = FIXTURES / args.id / case
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "conf.py").write_text("extensions = []\n", encoding="utf-8")
        (folder / "index.rst").write_text("Index\n=====\n\nTODO\n", encoding="utf-8")
        (folder / "expected.txt").write_text("", encoding="utf-8")
    print(f"added {args.id} to {module.relative_to(ROOT)} and fixtures/{args.id}/")
    print(f"check the imports it needs: {SIGNATURES[args.phase][1]}, Iterator, Hit, rule...")


if __name__ == "__main__":
    main()
