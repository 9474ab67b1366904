"""The redirect rules keep what a .htaccess's regexes are and where its rules send each URL.

A warm run must answer as a cold one without parsing, compiling or matching
a regex (nor shlex-splitting the test file again), keep nothing with
--no-cache or after a regex timed out, and treat a forged entry as a miss or,
for a verdict that lies, as a pattern never run: no entry may lift the
compile budget or crash the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import regex
from cachecheck import entries, forge_entries, lint_selected, write_files

from novadoclint.languages import htaccess
from novadoclint.safety import saferegex
from novadoclint.safety.cache import DiskCache

COSTLY = "^/nova/([^/]+)/costly(?:a{1000}){1000}$"
FILES = {
    "conf.py": "html_extra_path = ['_extra']\n",
    ".novadoclint.toml": 'redirect-tests = "redirect-tests.txt"\n',
    "_extra/.htaccess": f"""
        RedirectMatch 301 ^/nova/([^/]+)/old-install.html$ /nova/$1/admin/install.html
        RedirectMatch 301 ^/nova/([^/]+)/gone.html$ /nova/$1/admin/instal.html
        RedirectMatch 301 ^/nova/([^/]+)/a.html$ /nova/$1/b.html
        RedirectMatch 301 ^/nova/([^/]+)/b.html$ /nova/$1/admin/install.html
        RedirectMatch 301 ^/nova/([^/]+)/bad(.html$ /nova/$1/x.html
        RedirectMatch 301 {COSTLY} /nova/$1/x.html
        Redirect 301 /nova/latest/plain.html /nova/latest/missing.html
    """,
    "redirect-tests.txt": """
        /nova/latest/old-install.html 301 /nova/latest/admin/install.html
        /nova/latest/a.html 301 /nova/latest/admin/install.html
        /nova/latest/nothing.html 301 /nova/latest/x.html
        "unterminated
    """,
    "index.rst": """
        Index
        =====

        .. toctree::

           admin/install
    """,
    "admin/install.rst": "Install\n=======\n",
}
RULES = ("redirect-target-missing", "redirect-test-mismatch")


def write(root: Path) -> Path:
    write_files(root, FILES)
    return root


def lint(root: Path, *, cache: bool = True) -> list[tuple[str, int, str]]:
    return lint_selected(root, RULES, cache=cache)


@pytest.fixture
def cache_dir(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(saferegex, "_compiled", {})  # this process compiled nothing yet
    return cache_dir


def kept(cache_dir: Path) -> int:
    return entries(cache_dir, "redirects")


def compiled_by_regex(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The patterns ``regex`` compiles from now on (none is kept compiled in this process)."""
    seen: list[str] = []
    real = regex.compile

    def spy(pattern: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(pattern)
        return real(pattern, *args, **kwargs)

    monkeypatch.setattr(saferegex, "_compiled", {})
    monkeypatch.setattr(regex, "compile", spy)
    return seen


def test_the_tree_exercises_every_kind_of_answer(tmp_path: Path, cache_dir: Path) -> None:
    """Findings from matches, chains, an invalid and a costly regex, and the test file."""
    found = lint(write(tmp_path / "docs"), cache=False)
    messages = " / ".join(m for _, _, m in found)
    assert "invalid RedirectMatch regex" in messages
    assert "counted repeats expand" in messages
    assert "'admin/instal' is no document" in messages  # matched, then followed
    assert "no redirect rule matches '/nova/latest/nothing.html'" in messages
    assert "unterminated quote" in messages or "cannot split" in messages
    assert "no test in" in messages
    assert kept(cache_dir) == 0  # --no-cache keeps nothing


def test_a_warm_run_parses_compiles_and_matches_no_regex(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write(tmp_path / "docs")
    cold = lint(root, cache=False)
    assert lint(root) == cold
    assert kept(cache_dir) == 2  # the .htaccess's verdicts and routes, the test file's parse
    seen = compiled_by_regex(monkeypatch)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("done again")

    monkeypatch.setattr(saferegex, "_parse", refuse)
    monkeypatch.setattr(htaccess, "parse_tests", refuse)
    monkeypatch.setattr(htaccess.Redirect, "apply", refuse)
    assert lint(root) == cold  # a rule that raised would be an internal-error finding
    assert seen == []


def test_a_changed_file_is_matched_again(tmp_path: Path, cache_dir: Path) -> None:
    root = write(tmp_path / "docs")
    lint(root)
    rules = root / "_extra/.htaccess"
    rules.write_text(rules.read_text().replace("admin/instal.html", "admin/install.html"))
    expected = lint(root, cache=False)
    assert lint(root) == expected
    assert not any("'admin/instal'" in m for _, _, m in expected)


def test_nothing_is_kept_after_a_regex_failed(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A timeout depends on the machine: the answers of that run are not the file's."""
    real = saferegex.SafePattern._run

    def timed_out(self: saferegex.SafePattern, name: str, text: str) -> object:
        self.failure = saferegex.TIMED_OUT
        return real(self, name, text)

    monkeypatch.setattr(saferegex.SafePattern, "_run", timed_out)
    lint(write(tmp_path / "docs"))
    assert kept(cache_dir) == 1  # the test file's parse only


@pytest.mark.parametrize(
    "forged",
    [
        "a string",
        ({}, {"/nova/latest/a.html": (99, "/nova/latest/b.html")}),  # no such rule
        ({}, {"/nova/latest/a.html": (-1, None)}),
        ({"^x$": 3}, {}),
        ({}, {1: None}),
        ((("/p", 301, "/q"),), ()),
        ((), (("1", 1, "message"),)),
    ],
)
def test_a_forged_entry_is_a_miss(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, forged: object
) -> None:
    root = write(tmp_path / "docs")
    cold = lint(root, cache=False)
    lint(root)
    forge_entries(monkeypatch, "redirects", forged)
    assert lint(root) == cold


@pytest.mark.parametrize("verdict", [(1, "/costly"), (1, ""), (20_000, "nothing alike")])
def test_a_lying_verdict_never_compiles_its_pattern(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, verdict: tuple[int, str]
) -> None:
    """A forged cost must not lift the budget: the pattern is checked, then never run."""
    root = write(tmp_path / "docs")
    lint(root)
    real_get = DiskCache.get

    def get(self: DiskCache, key: str) -> object | None:
        found = real_get(self, key)
        if self.fingerprint.startswith("redirects") and isinstance(found, tuple):
            verdicts, _ = found
            if isinstance(verdicts, dict):
                return ({**verdicts, COSTLY: verdict}, {})
        return found

    monkeypatch.setattr(DiskCache, "get", get)
    seen = compiled_by_regex(monkeypatch)
    found = lint(root)
    assert COSTLY not in seen  # refused by its real cost before regex compiles it
    assert not any(rule == "internal-error" for rule, _, _ in found)
    assert not any("counted repeats" in m for _, _, m in found)  # the cache's writer hid it


def test_a_kept_verdict_answers_as_the_pattern_does() -> None:
    """saferegex alone: a verdict given back spares the parse, and compiles on first match."""
    pattern = r"^/nova/([^/]+)/(?P<page>admin/\w+)\.html$"
    verdict = saferegex.verdict(pattern)
    assert verdict == (saferegex.compile(pattern).cost, "/nova/")
    lazy = saferegex.compile(pattern, known=verdict)
    found = lazy.search("/nova/latest/admin/numa.html")
    assert found is not None and found.group("page") == "admin/numa" and lazy.groups == 2
    message = saferegex.verdict("a(b")
    assert isinstance(message, str) and "missing )" in message
    with pytest.raises(saferegex.PatternError, match="missing"):
        saferegex.compile("a(b", known=message)
    budget = saferegex.Budget(cost=10)
    with pytest.raises(saferegex.PatternError, match="too costly in all"):
        saferegex.compile(pattern, budget, known=(11, "/nova/"))
    wrong = saferegex.compile(pattern, known=(1, "/nova/"))
    assert wrong.search("/nova/latest/admin/numa.html") is None
    assert wrong.failure == saferegex.SKIPPED
