"""tools/new_rule.py: the stub it writes registers a rule of the asked phase, with its fixtures."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType

import pytest

from novadoclint.registry import Phase, Rule

TOOL = Path(__file__).resolve().parents[1] / "tools" / "new_rule.py"
HEADER = """\
from __future__ import annotations

from collections.abc import Iterator

from novadoclint.context import Context, ParsedDoc
from novadoclint.findings import Hit, Severity
from novadoclint.index import FactsIndex
from novadoclint.links.plan import LinkResults
from novadoclint.registry import Phase, rule
"""


def tool(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("new_rule", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "new_rule", module)  # its dataclass looks itself up
    spec.loader.exec_module(module)
    return module


def scaffold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[Rule, Path]:
    """Run the tool on a family module of its own; the rule its stub defines, the fixtures."""
    new_rule = tool(monkeypatch)
    checks, fixtures = tmp_path / "checks", tmp_path / "fixtures"
    checks.mkdir(parents=True)
    (checks / "demo.py").write_text(HEADER, encoding="utf-8")
    monkeypatch.setattr(new_rule, "ROOT", tmp_path)
    monkeypatch.setattr(new_rule, "CHECKS", checks)
    monkeypatch.setattr(new_rule, "FIXTURES", fixtures)
    new_rule.main([*args, "--family", "demo"])
    namespace: dict[str, object] = {}
    exec(compile((checks / "demo.py").read_text(), "demo.py", "exec"), namespace)
    (found,) = [v for v in namespace.values() if isinstance(v, Rule)]
    return found, fixtures / found.id


@pytest.mark.parametrize(
    ("phase", "parameters"),
    [
        ("file", ["doc", "ctx"]),
        ("tree", ["index", "ctx"]),
        ("network", ["index", "results", "ctx"]),  # as phase2.network_hits calls it
    ],
)
def test_stub_has_the_phase_and_its_signature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, phase: str, parameters: list[str]
) -> None:
    found, cases = scaffold(tmp_path, monkeypatch, "demo-thing-missing", "--phase", phase)
    assert found.phase is Phase(phase)
    assert list(inspect.signature(found.check).parameters) == parameters
    assert sorted(p.name for p in cases.iterdir()) == ["fires", "near-miss"]
    for case in cases.iterdir():
        assert (case / "expected.txt").read_text() == ""
        assert (case / "server.toml").is_file() == (phase == "network")


def test_network_stub_is_tagged_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Selected with the other network rules (``--select network``, ``--check-links``)."""
    found, cases = scaffold(tmp_path, monkeypatch, "demo-link-odd", "--phase", "network")
    assert found.tags == frozenset({"demo", "network"})
    assert "{server}" in (cases / "fires" / "index.rst").read_text()
    # near miss: a tree rule is tagged with its family only
    tree, _ = scaffold(tmp_path / "tree", monkeypatch, "demo-tree-odd", "--phase", "tree")
    assert tree.tags == frozenset({"demo"})
