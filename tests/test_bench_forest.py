"""bench/forest.py finds a repository's documentation, not its test data."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[1] / "bench" / "forest.py"


def forest_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("forest", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def touch(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("", encoding="utf-8")


def test_source_dirs_are_the_shallowest_conf_py_folders(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "doc/source/conf.py",
        "api-ref/source/conf.py",
        "doc/source/deeper/conf.py",  # deeper than the shallowest: not a tree of its own
        "tests/roots/a/conf.py",  # test data
        ".tox/docs/conf.py",  # hidden
    )
    found = forest_module().source_dirs(tmp_path)
    assert found == [tmp_path / "api-ref" / "source", tmp_path / "doc" / "source"]


def test_lint_counts_findings_by_rule_and_severity(tmp_path: Path) -> None:
    touch(tmp_path, "docs/conf.py")
    (tmp_path / "docs" / "index.rst").write_text("Index\n=====\n\nSee :doc:`nowhere`.\n")
    forest = forest_module()
    result = forest.lint(tmp_path / "docs", jobs=1, select=None)
    assert result.files == 1
    assert result.by_rule[("doc-ref-missing", "error")] == 1
