"""Every fix carries a short imperative title (Fix.title), which an editor shows as the
quick fix's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from novadoclint.checks import ALL_RULES

from harness import FIXTURES, case_rule, lint_case

FIXABLE = {r.id for r in ALL_RULES if r.fix is not None}
CASES = sorted(
    case.parent
    for case in FIXTURES.rglob("fixed")
    if case.is_dir() and case_rule(case.parent) in FIXABLE
)


def test_every_titled_rule_has_a_fixed_case() -> None:
    assert {case_rule(case) for case in CASES} == FIXABLE


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fixes_have_a_title(case: Path) -> None:
    fixes = [f.fix for f in lint_case(case) if f.fix is not None]
    assert fixes, "a fixed/ case has a finding with a fix"
    for fix in fixes:
        assert fix.title and fix.title[0].isupper() and not fix.title.endswith(".")
        assert len(fix.title) <= 40


def test_a_retarget_title_names_the_target_only_when_it_fits() -> None:
    from novadoclint.edits import retarget_title

    assert retarget_title("install") == "Change the target to 'install'"
    long = "admin/configuration/hypervisor-kvm"
    assert retarget_title(long) == "Change the target to its close match"
