"""The layout, read with ``ast`` from src/novadoclint: which way imports go, how big things get.

Imports counted: every ``import novadoclint...`` and ``from novadoclint... import``
(relative ones resolved), both at module level and inside functions (a lazy
import still ties the modules together; it only hides the cycle until run
time). Imports under ``if TYPE_CHECKING:`` are not counted: they never run. An
import names the module it imports from (``from novadoclint.links.plan import
check`` is an edge to ``novadoclint.links.plan``, ``from novadoclint import
parse`` one to ``novadoclint.parse``), not the packages above it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "novadoclint"
RULES = "novadoclint.checks"

# Modules that may import the rules, besides the rules themselves.
ASSEMBLERS = {
    "novadoclint.engine": "the pipeline: runs every phase over the rules",
    "novadoclint.phase1": "runs the file rules on each document",
    "novadoclint.phase2": "runs the tree and network rules over the index",
    "novadoclint.changes": "re-lints the tree as it was before a change (--changed-since)",
    "novadoclint.cli": "--select, --explain and the rules table name the rules",
    "novadoclint.explain": "documents the rules (--explain, the README's table)",
    "novadoclint.report": "formats that describe every rule (SARIF's rules)",
    "novadoclint.lsp": "the language server lints like the engine",
    "novadoclint.__main__": "the command's entry point (the CLI)",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(name: str, path: Path) -> Iterator[str]:
    """The novadoclint modules a module imports (see the module docstring)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _type_checking(node)
        for inner in ast.walk(node)
    }
    known = modules()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                target = sub if sub in known else source
                if target in known and target != name:
                    yield target


@cache
def graph() -> dict[str, frozenset[str]]:
    return {name: frozenset(_imported(name, path)) for name, path in modules().items()}


def _cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for succ in sorted(edges.get(node, ())):
            if succ not in order:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in stack:
                low[node] = min(low[node], order[succ])
        if low[node] == order[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in order:
            visit(node)
    return found


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_no_import_cycles() -> None:
    assert _cycles(graph()) == []


def test_cycle_finder_finds_a_cycle() -> None:
    # near miss of the test above: a two-module loop and a lazy lookup are seen
    loop = {"a": frozenset({"b"}), "b": frozenset({"a"}), "c": frozenset({"a"})}
    assert _cycles(loop) == [["a", "b"]]
    assert ("novadoclint.settings", "novadoclint.data") in {  # imported in _profile()
        (name, target) for name, targets in graph().items() for target in targets
    }


def test_core_never_imports_the_rules() -> None:
    core = [name for name in graph() if not _under(name, RULES, *ASSEMBLERS)]
    assert "novadoclint.index" in core and "novadoclint.decide" in core
    offenders = {name: sorted(t for t in graph()[name] if _under(t, RULES)) for name in core}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_rules_never_import_the_command_line_the_engine_or_formats() -> None:
    banned = (
        "novadoclint.cli",
        "novadoclint.engine",
        "novadoclint.report",
        "novadoclint.lsp",
        "novadoclint.phase1",
        "novadoclint.phase2",
    )
    offenders = {
        name: sorted(t for t in targets if _under(t, *banned))
        for name, targets in graph().items()
        if _under(name, RULES)
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_libraries_never_import_rules_or_the_engine() -> None:
    """languages/ and links/ are what rules call: they know nothing of rules or the pipeline."""
    offenders = {
        name: sorted(t for t in targets if _under(t, RULES, "novadoclint.engine"))
        for name, targets in graph().items()
        if _under(name, "novadoclint.languages", "novadoclint.links")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def _lines(node: ast.ClassDef) -> int:
    return (node.end_lineno or node.lineno) - node.lineno + 1


def test_engine_is_a_table_of_contents() -> None:
    lines = (PACKAGE / "engine.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 150


def test_no_class_over_250_lines() -> None:
    big = {
        f"{name}.{node.name}": _lines(node)
        for name, path in modules().items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and _lines(node) > 250
    }
    assert big == {}


def test_no_rule_module_over_500_lines() -> None:
    big = {
        name: path.read_text(encoding="utf-8").count("\n")
        for name, path in modules().items()
        if _under(name, RULES) and path.read_text(encoding="utf-8").count("\n") > 500
    }
    assert big == {}
