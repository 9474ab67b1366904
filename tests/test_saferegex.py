"""saferegex: re's syntax, a time limit per match, a budget per file, bounded compiling."""

from __future__ import annotations

import logging
import re
import time

import pytest

from novadoclint.resolve import nitpick_ignored
from novadoclint.safety import saferegex

EVIL = "a" * 40 + "!"


def test_ordinary_patterns_match_as_re_does() -> None:
    pattern = saferegex.compile(r"^/nova/([^/]+)/(?P<page>admin/\w+)\.html$")
    found = pattern.search("/nova/latest/admin/numa.html")
    assert found is not None and found.group(1) == "latest" and found.group("page") == "admin/numa"
    assert pattern.groups == 2
    assert saferegex.compile("ab").match("abc") is not None
    assert saferegex.compile("ab").fullmatch("abc") is None


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("a(b", "missing )"),
        (r"\p{L}", "bad escape"),  # regex would read it; re (and Sphinx, Apache's PCRE...) not
        ("x" * 1001, "longer than 1000 characters"),
        ("(?:a{1000}){1000}", "counted repeats expand"),  # regex's compiler: 270 MB
        ("a{4294967294}", "counted repeats expand"),  # a MemoryError in regex.compile
        ("(" * 400 + "a" + ")" * 400, "nested too deeply"),  # regex's compiler recurses
        ("(" * 20 + "a" + ")" * 20, ""),
    ],
)
def test_what_is_not_compiled(pattern: str, reason: str) -> None:
    if not reason:
        assert saferegex.compile(pattern).search("a") is not None
        return
    with pytest.raises(saferegex.PatternError, match=re.escape(reason)):
        saferegex.compile(pattern)


def test_a_backtracking_pattern_times_out_once_then_never_runs_again() -> None:
    pattern = saferegex.compile("(a|a)+$")
    start = time.monotonic()
    assert pattern.search(EVIL) is None
    assert pattern.failure == saferegex.TIMED_OUT
    assert pattern.search("aaa") is None  # not run: treated as not matching
    assert time.monotonic() - start < 2


def test_a_budget_is_shared_and_reported_once() -> None:
    budget = saferegex.Budget(seconds=0.25)
    patterns = [saferegex.compile(f"(a|a)+$|z{i}", budget) for i in range(8)]
    start = time.monotonic()
    assert all(p.search(EVIL) is None for p in patterns)
    assert time.monotonic() - start < 3
    failures = [p.failure for p in patterns]
    assert failures.count(saferegex.OVER_BUDGET) == 1
    assert set(failures) == {saferegex.TIMED_OUT, saferegex.OVER_BUDGET, saferegex.SKIPPED}


def test_compiling_is_budgeted_too() -> None:
    budget = saferegex.Budget(cost=30_000)
    saferegex.compile("(?:a{100}){100}", budget)  # 10,000 of 30,000
    saferegex.compile("(?:a{100}){100}", budget)
    with pytest.raises(saferegex.PatternError, match="too costly in all"):
        saferegex.compile("(?:a{100}){150}", budget)


def test_nitpick_ignore_regex_times_out_quietly(caplog: pytest.LogCaptureFixture) -> None:
    """The failure is kept on the pattern; the rule regex-timeout reports it, once."""
    values = {"nitpicky": True, "nitpick_ignore_regex": [("ref", "(a|a)+$"), ("ref", "b.*")]}
    start = time.monotonic()
    with caplog.at_level(logging.WARNING):
        assert not nitpick_ignored(values, "ref", EVIL)
        assert not nitpick_ignored(values, "ref", EVIL + "x")
    assert time.monotonic() - start < 2
    assert nitpick_ignored(values, "ref", "bee")
    assert caplog.records == []


def test_nitpick_ignore_regex_that_cannot_compile_is_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    values = {"nitpicky": True, "nitpick_ignore_regex": [("ref", "a(b"), ("ref", "x"), 3]}
    with caplog.at_level(logging.WARNING):
        assert nitpick_ignored(values, "std:ref", "x")
        assert not nitpick_ignored(values, "ref", "a(b")
    assert [r.getMessage() for r in caplog.records] == [
        "conf.py: nitpick_ignore_regex ('ref', 'a(b') not used: missing ), unterminated "
        "subpattern at position 1"
    ]


def test_a_required_literal_skips_the_engine() -> None:
    """A thousand-rule .htaccess tries each URL on every rule: most are rejected by 'in'."""
    pattern = saferegex.compile(r"^/nova/([^/]+)/old/page1\.html$")
    assert pattern.required == "/old/page1.html"
    assert pattern.search("/nova/latest/old/page2.html") is None
    assert pattern.search("/nova/latest/old/page1.html") is not None
    for case_blind in (r"(?i)^/a/B", r"(?x) a b"):
        assert saferegex.compile(case_blind).required == ""
    assert saferegex.compile("(?i)^/a/B").search("/A/b") is not None
