"""Executable docs: each rule's Example must produce the rule; Use instead must not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from novadoclint.checks import ALL_RULES
from novadoclint.registry import Phase, Rule, RuleDoc

from harness import lint_case

FILE_MARK_RE = re.compile(r"^\.\. file: (\S+)\s*$", re.MULTILINE)
CONF_RE = re.compile(r"^\.\. conf\.py: (.*)$", re.MULTILINE)
# Examples that describe a file's bytes (which a docstring cannot hold: formatters strip
# trailing spaces and tabs) or the engine, not rst text; their fixtures cover them.
NOT_EXECUTABLE = {"internal-error", "file-unreadable", "encoding", "D002", "D003", "D004", "D005"}


def write_example(root: Path, code: str) -> None:
    """Split an example on `.. file:` lines into a tree with a minimal conf.py."""
    conf = CONF_RE.search(code)
    (root / "conf.py").write_text((conf.group(1) if conf else "extensions = []") + "\n")
    parts = FILE_MARK_RE.split(code)
    files = (
        {"index.rst": parts[0]}
        if len(parts) == 1
        else dict(zip(parts[1::2], parts[2::2], strict=True))
    )
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"), encoding="utf-8")
    if "index.rst" not in files:
        (root / "index.rst").write_text("Index\n=====\n", encoding="utf-8")


EXECUTABLE = [r for r in ALL_RULES if r.id not in NOT_EXECUTABLE and r.phase is not Phase.NETWORK]


@pytest.mark.parametrize("rule", EXECUTABLE, ids=lambda r: r.id)
def test_example_fires(rule: Rule, tmp_path: Path) -> None:
    write_example(tmp_path, RuleDoc.code(rule.doc.example))
    found = {f.rule for f in lint_case_for(tmp_path, rule)}
    assert rule.id in found


@pytest.mark.parametrize("rule", EXECUTABLE, ids=lambda r: r.id)
def test_use_instead_is_clean(rule: Rule, tmp_path: Path) -> None:
    write_example(tmp_path, RuleDoc.code(rule.doc.use_instead))
    found = [f for f in lint_case_for(tmp_path, rule) if f.rule == rule.id]
    assert found == []


def lint_case_for(root: Path, rule: Rule) -> list:  # type: ignore[type-arg]
    return lint_case(root, select=(rule.id,))
