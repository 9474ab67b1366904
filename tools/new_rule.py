"""Scaffold a rule: the decorated stub in its family module and its two fixture cases.

Usage: python tools/new_rule.py RULE-ID --family references --phase tree [--severity error]

``--phase`` is when the rule runs, which fixes its signature (see
``novadoclint.registry.Phase``): ``file`` (one parsed document), ``tree`` (the
index of every document's facts) or ``network`` (the index and the link-check
results fetched once per tree, only with --check-links; tagged ``network`` like
the link rules in ``checks/links_network.py``). A network rule's fixture cases are
served on 127.0.0.1 by ``tests/linkserver.py``: each gets a ``server.toml``
whose routes answer, and ``{server}`` in its files stands for that server.

The registry tests then fail until the stub's docstring examples and the fixtures
are filled in: that is the to-do list for the new rule.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ROOT / "src" / "novadoclint" / "checks"
FIXTURES = ROOT / "fixtures"


@dataclass(frozen=True)
class Signature:
    """What a phase's rule function takes, the imports that needs, and its extra tags."""

    parameters: str
    imports: str
    tags: tuple[str, ...] = ()


SIGNATURES = {
    "file": Signature(
        "doc: ParsedDoc, ctx: Context", "from novadoclint.context import Context, ParsedDoc"
    ),
    "tree": Signature(
        "index: FactsIndex, ctx: Context", "from novadoclint.index import FactsIndex"
    ),
    "network": Signature(
        "index: FactsIndex, results: LinkResults, ctx: Context",
        "from novadoclint.index import FactsIndex, from novadoclint.links.plan import LinkResults",
        ("network",),
    ),
}

STUB = '''

@rule("{id}", Severity.{severity}, Phase.{phase}, tags={{{tags}}})
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

SERVER_TOML = """\
# Served on 127.0.0.1 while the case runs (see tests/linkserver.py); any other path: 404.
[routes."/ok"]
status = 200
"""
NETWORK_INDEX = "Index\n=====\n\nTODO: a link such as `the page <{server}/ok>`_\n"


def stub(rule_id: str, family: str, phase: str, severity: str) -> str:
    """The decorated function appended to the family module."""
    signature = SIGNATURES[phase]
    tags = ", ".join(f'"{tag}"' for tag in (family, *signature.tags))
    return STUB.format(
        id=rule_id,
        severity=severity.upper(),
        phase=phase.upper(),
        tags=tags,
        function=rule_id.replace("-", "_"),
        signature=signature.parameters,
    )


def write_fixtures(rule_id: str, phase: str, fixtures: Path = FIXTURES) -> list[Path]:
    """The fires and near-miss cases, empty expected.txt; a network rule's are served."""
    written = []
    for case in ("fires", "near-miss"):
        folder = fixtures / rule_id / case
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "conf.py").write_text("extensions = []\n", encoding="utf-8")
        index = NETWORK_INDEX if phase == "network" else "Index\n=====\n\nTODO\n"
        (folder / "index.rst").write_text(index, encoding="utf-8")
        (folder / "expected.txt").write_text("", encoding="utf-8")
        if phase == "network":
            (folder / "server.toml").write_text(SERVER_TOML, encoding="utf-8")
        written.append(folder)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("id")
    parser.add_argument("--family", required=True, help="module under checks/, e.g. references")
    parser.add_argument("--phase", choices=sorted(SIGNATURES), required=True)
    parser.add_argument("--severity", choices=["error", "warning", "info"], default="error")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", args.id):
        parser.error(f"{args.id!r} is not a kebab-case id naming the bad thing")
    module = CHECKS / f"{args.family}.py"
    if not module.is_file():
        parser.error(
            f"{module} does not exist: add new families to checks/__init__.py MODULE_NAMES"
        )
    with module.open("a", encoding="utf-8") as f:
        f.write(stub(args.id, args.family, args.phase, args.severity))
    write_fixtures(args.id, args.phase, FIXTURES)
    print(f"added {args.id} to {module.relative_to(ROOT)} and fixtures/{args.id}/")
    imports = SIGNATURES[args.phase].imports
    print(f"check the imports it needs: {imports}, Iterator, Hit, rule...")
    print("then run tools/update_manifest.py: a rule missing from the manifest never runs")


if __name__ == "__main__":
    main()
