"""The one parametrized test over all fixtures: exact expected findings per case."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import FIXTURES, lint_case, render_expected

CASES = sorted(p.parent for p in FIXTURES.rglob("expected.txt"))


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fixture(case: Path, update_expected: bool) -> None:
    actual = render_expected(lint_case(case))
    expected = case / "expected.txt"
    if update_expected:
        expected.write_text(actual, encoding="utf-8")
    assert actual == expected.read_text(encoding="utf-8")
