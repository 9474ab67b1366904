"""link-malformed keeps what links.syntax.malformed says of each URL of a tree between runs.

A warm run must answer as a cold one without judging a URL again, judge a new
URL, keep nothing with --no-cache, and treat a forged entry of the wrong shape
as a miss.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from cachecheck import entries, forge_entries, lint_selected

from novadoclint.checks import links as link_rules

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
    return lint_selected(root, ("link-malformed",), cache=cache)


def kept(cache_dir: Path) -> int:
    return entries(cache_dir, "malformed")


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
    forge_entries(monkeypatch, "malformed", forged)
    assert lint(root) == cold
