"""A warm run (every document's facts cached) imports nothing only parsing needs.

A warm run reads facts and runs the tree rules: docutils' parser (and Pygments,
which it imports), its include, raw and csv-table directives (whose modules
import urllib.request, the HTTP client and the email package), PyYAML
(os-api-ref's files), novadoclint's parse module, the prose walk, the facts
collector, the code and diagram grammars, and the modules of the file and
network rules are for a run that parses or fetches, subprocess for one that
asks git (--changed-since) (issue 15: the warm run against sphinx-lint). Each
run is a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from novadoclint.checks import META
from novadoclint.registry import Phase

SRC = Path(__file__).resolve().parents[1] / "src"

# The modules that define no tree rule: file rules (run on a parsed document) and
# network rules (--check-links).
UNTREED = tuple(
    sorted({m.module for m in META} - {m.module for m in META if m.phase is Phase.TREE})
)
PARSING_ONLY = (
    "docutils.parsers.rst.directives.misc",
    "docutils.parsers.rst.directives.tables",
    "urllib.request",
    "yaml",
    "subprocess",
    "docutils.parsers.rst",
    "pygments",
    "novadoclint.parse",
    "novadoclint.prose",
    "novadoclint.collect",
    "novadoclint.languages.code",
    "novadoclint.languages.diagrams",
    *UNTREED,
)
PROBE = """
import json, sys
from novadoclint import cli
try:
    cli.main(["--format", "json", "-o", sys.argv[2], sys.argv[1]])
except SystemExit:
    pass
print(json.dumps([m for m in sys.argv[3:] if m in sys.modules]))
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "conf.py").write_text("project = 'x'\n")
    (root / "index.rst").write_text(
        "Title\n=====\n\n.. include:: part.rst\n\n.. csv-table::\n\n   a, b\n\n"
        ".. toctree::\n\n   other\n"
    )
    (root / "part.rst").write_text(":orphan:\n\nIncluded text.\n")
    (root / "other.rst").write_text("Other\n=====\n\n.. raw:: html\n\n   <br>\n")
    return root


def _imported(tree: Path, cache: Path, report: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "NOVADOCLINT_CACHE_DIR": str(cache)}
    command = [sys.executable, "-c", PROBE, str(tree), str(report), *PARSING_ONLY]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_a_warm_run_imports_no_parsing_module(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = _imported(tree, cache, tmp_path / "cold.json")
    assert "docutils.parsers.rst.directives.misc" in cold  # the cold run parsed the include
    assert "docutils.parsers.rst.directives.tables" in cold
    assert {"novadoclint.checks.style", "novadoclint.parse", "pygments"} <= set(cold)
    assert "novadoclint.checks.links_network" not in cold  # no --check-links
    warm = _imported(tree, cache, tmp_path / "warm.json")
    assert warm == []
    cold_report = json.loads((tmp_path / "cold.json").read_text())
    warm_report = json.loads((tmp_path / "warm.json").read_text())
    assert warm_report["findings"] == cold_report["findings"]
    assert warm_report["summary"]["files"] == 3


def test_phase_one_imports_doc8_before_its_pool_forks() -> None:
    """What every worker would import on its first document (doc8, for the D-rules) is
    imported by phase 1's preload, in the parent: each forked worker inherits it."""
    code = (
        "import sys\n"
        "from novadoclint import checks, phase1\n"
        "print('doc8.checks' in sys.modules)\n"
        "phase1.preload(phase1.file_rule_ids())\n"
        "print('doc8.checks' in sys.modules, 'novadoclint.checks.style' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.split() == ["False", "True", "True"]
