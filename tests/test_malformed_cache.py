"""link-malformed keeps what links.syntax.malformed says of each URL of a tree between runs.

A warm run must answer as a cold one without judging a URL again, judge a new
URL, keep nothing with --no-cache, and treat a forged entry of the wrong shape
as a miss.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from novadoclint.checks import ALL_RULES
from novadoclint.checks import links as link_rules
from novadoclint.engine import lint_project
from novadoclint.project.discover import load_project
from novadoclint.safety.cache import DiskCache
from novadoclint.settings import load

INDEX = """
    Index
    =====

    See `the guide <http//example.com/guide>`_, `the API <https://api.example.com:80a/>`_,
    `the home page <https://example.com/>`_ and `mail <mailto:team@example.com>`_.
"""


def write(root: Path, index: str = INDEX) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "conf.py").write_text("project = 'x'\n")
    (root / "index.rst").write_text(textwrap.dedent(index).lstrip("\n"))
    return root


def lint(root: Path, *, cache: bool = True) -> list[tuple[str, int, str]]:
    settings = replace(load(root, rules=ALL_RULES), select=("link-malformed",), jobs=1, cache=cache)
    findings, _ = lint_project(load_project(root, True), settings)
    return [(f.rule, f.line, f.message) for f in findings]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NOVADOCLINT_CACHE_DIR", str(folder))
    return folder


def kept(cache_dir: Path) -> int:
    if not cache_dir.is_dir():
        return 0
    return sum(1 for p in cache_dir.glob("malformed-*/*/*") if p.is_file())


def refuse_judging(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(url: str) -> None:
        raise AssertionError(f"judged again: {url}")

    monkeypatch.setattr(link_rules, "malformed", fail)


def test_a_warm_run_judges_no_url_again(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write(tmp_path / "docs")
    cold = lint(root, cache=False)
    assert len(cold) == 2 and kept(cache_dir) == 0  # --no-cache keeps nothing
    assert lint(root) == cold
    assert kept(cache_dir) == 1
    refuse_judging(monkeypatch)
    assert lint(root) == cold  # a rule that raised would be an internal-error finding


def test_a_new_url_is_judged(tmp_path: Path, cache_dir: Path) -> None:
    root = write(tmp_path / "docs")
    lint(root)
    write(root, INDEX + "    And `one more <htp://example.org/>`_.\n")
    expected = lint(root, cache=False)
    assert len(expected) == 3
    assert lint(root) == expected


@pytest.mark.parametrize(
    "forged",
    [
        "a string",
        {"http//example.com/guide": "not a tuple"},
        {"http//example.com/guide": ("reason",)},
        {"http//example.com/guide": (1, None)},
        {1: None},
    ],
)
def test_a_forged_entry_is_a_miss(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, forged: object
) -> None:
    root = write(tmp_path / "docs")
    cold = lint(root, cache=False)
    lint(root)
    real_get = DiskCache.get

    def get(self: DiskCache, key: str) -> object | None:
        found = real_get(self, key)
        return forged if self.fingerprint.startswith("malformed") else found

    monkeypatch.setattr(DiskCache, "get", get)
    assert lint(root) == cold
