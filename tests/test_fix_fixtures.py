"""Fixture cases with ``fixed/``: --fix gives exactly those files, once, and mends what it says.

A case folder of a rule with a fix may hold ``fixed/``: the files that --fix
changes, as they must read after it (its conf.py excludes ``fixed``, so the
lint of the case never reads them). For every such case, on a copy: --fix
writes exactly ``fixed/`` and nothing else, a second --fix changes nothing,
the re-lint has none of the fixed findings and no new finding (every rule
selected), and --diff on the original prints exactly those changes, exit
code 1, whatever the passes --fix took. Every other case of a rule with a
fix (near misses, findings without a fix) must come out of --fix unchanged;
one whose fixes change a file is skipped, said so: it needs a fixed/ folder.
"""

from __future__ import annotations

import io
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

from novadoclint import cli
from novadoclint.checks import ALL_RULES
from novadoclint.findings import Finding
from novadoclint.fixes import BOM, Change, Source, fix_until_done, plan, unified_diff
from novadoclint.project.discover import load_project

from harness import FIXTURES, case_rule, case_unsafe, lint_case, lint_case_run

FIXABLE = {r.id for r in ALL_RULES if r.fix is not None}
CASES = sorted(p.parent for p in FIXTURES.rglob("expected.txt") if case_rule(p.parent) in FIXABLE)
FIXED = [case for case in CASES if (case / "fixed").is_dir()]


def ids(case: Path) -> str:
    return case.relative_to(FIXTURES).as_posix()


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and "fixed" not in p.relative_to(folder).parts[:1]
        and "__pycache__" not in p.parts
    }


def copy(case: Path, tmp_path: Path) -> Path:
    target = tmp_path / "case"
    shutil.copytree(
        case, target, symlinks=True, ignore=shutil.ignore_patterns("fixed", "__pycache__")
    )
    return target


def fix(case: Path, work: Path) -> int:
    """--fix on a copy of the case, in process, as the harness lints it; the passes it took."""
    rule = case_rule(case)
    outcome = fix_until_done(
        lint_case_run(work, rule),
        lambda: lint_case_run(work, rule),
        [str(work)],
        unsafe=case_unsafe(case),
    )
    assert not outcome.bounded and not outcome.notes
    return outcome.passes


def keys(findings: list[Finding]) -> Counter[tuple[str, str, str]]:
    return Counter((f.path, f.rule, f.message) for f in findings)


def test_there_are_cases_with_fixed() -> None:
    assert {case_rule(case) for case in FIXED} >= {"D002", "D003", "D004", "D005"}


@pytest.mark.parametrize("case", FIXED, ids=ids)
def test_fix_gives_fixed_once(case: Path, tmp_path: Path) -> None:
    project = load_project(case, (case / "conf.py").is_file())
    assert not [p for p in project.docs.values() if p.startswith("fixed/")], (
        f"{ids(case)}: conf.py must exclude 'fixed' (exclude_patterns = ['fixed'])"
    )
    work = copy(case, tmp_path)
    before = files(work)
    rule = case_rule(case)
    everything = lint_case(work, rule, select=("all",))
    found = lint_case(work, rule)
    fix(case, work)
    after = files(work)
    changed = {path for path in after if after[path] != before.get(path)}
    expected = files(case / "fixed")
    assert changed == set(expected), "--fix changed other files than fixed/ holds"
    assert {path: after[path] for path in changed} == expected
    assert set(after) == set(before), "--fix added or removed a file"
    # a second --fix changes nothing
    again = plan(lint_case_run(work, rule).findings, [str(work)], unsafe=case_unsafe(case))
    assert not again.changes
    # the re-lint: none of the fixed findings, no new finding of any rule
    left = lint_case(work, rule)
    assert not [f for f in left if f.fix is not None], "findings with a fix remain"
    assert keys(left) <= keys(found)
    assert keys(lint_case(work, rule, select=("all",))) <= keys(everything), "a new finding"
    # --diff on the original prints exactly the changes, exits 1, however many passes --fix took
    assert_diff(case, tmp_path / "original", expected)


def assert_diff(case: Path, original: Path, expected: dict[str, bytes]) -> None:
    """The command line's --diff in a copy of the case: original -> fixed/, nothing written."""
    shutil.copytree(
        case, original, symlinks=True, ignore=shutil.ignore_patterns("fixed", "__pycache__")
    )
    changes = []
    for path, data in sorted(expected.items()):
        raw = (original / path).read_bytes()
        source = Source(path, str(original / path), raw, raw.decode("utf-8-sig"), raw[:3] == BOM)
        changes.append(Change(source, data.decode("utf-8-sig")))
    args = ["--diff", "--no-cache", "--select", str(case_rule(case))]
    if (case / "case.toml").is_file():
        args = ["--diff", "--no-cache", "--config", "case.toml"]
    if case_unsafe(case):
        args.append("--unsafe-fixes")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(original)
        out = io.StringIO()
        patch.setattr(sys, "stdout", out)
        code = cli.main([*args, "."])
    assert (code, out.getvalue()) == (1, unified_diff(changes))
    assert files(original) == files(case), "--diff wrote a file"


@pytest.mark.parametrize("case", [c for c in CASES if c not in FIXED], ids=ids)
def test_fix_changes_nothing_without_fixed(case: Path, tmp_path: Path) -> None:
    """A near miss, or a finding with no fix (the rule cannot be sure): --fix leaves it."""
    work = copy(case, tmp_path)
    unsafe = case_unsafe(case)
    if plan(lint_case_run(work, case_rule(case)).findings, [str(work)], unsafe=unsafe).changes:
        pytest.skip("its findings have fixes: the case needs a fixed/ folder")
    before = files(work)
    fix(case, work)
    assert files(work) == before
