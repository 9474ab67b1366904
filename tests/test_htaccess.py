"""Apache redirect parsing and matching, whereto test parsing: pure functions, tables."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from novadoclint.engine import lint_project
from novadoclint.languages import htaccess
from novadoclint.project.discover import load_project
from novadoclint.project.treefiles import TreeFiles
from novadoclint.safety import untrusted
from novadoclint.settings import Settings

NOVA = """\
# comment lines and blank lines are skipped

redirectmatch 301 ^/nova/([^/]+)/admin/numa.html$ /nova/$1/admin/cpu-topologies.html
redirectmatch 301 ^/nova/([^/]+)/devref/([^/]+).html /nova/$1/reference/$2.html
redirectmatch 301 ^/nova/([^/]+)/user/placement.html$ /placement/$1/
  RedirectMatch permanent "^/nova/([^/]+)/quoted file.html$" "/nova/$1/a b.html"
redirectmatch gone ^/nova/([^/]+)/nova-network.html$
redirect /nova/latest/guides /nova/latest/admin
redirect 301 /nova/latest/slash/ /nova/latest/new/
RewriteRule ^/x$ /y [R=301]
"""


def rules() -> tuple[htaccess.Redirect, ...]:
    parsed, problems = htaccess.parse_rules(NOVA)
    assert problems == ()
    return parsed


def test_parse_rules_reads_directives_statuses_and_columns() -> None:
    parsed = rules()
    assert [r.line for r in parsed] == [3, 4, 5, 6, 7, 8, 9]
    assert [r.status for r in parsed] == [301, 301, 301, 301, 410, 302, 301]
    assert parsed[0].target == "/nova/$1/admin/cpu-topologies.html"
    assert parsed[0].column == NOVA.splitlines()[2].index("/nova/$1") + 1
    assert parsed[3].source == "^/nova/([^/]+)/quoted file.html$"
    assert parsed[3].column == NOVA.splitlines()[5].index('"/nova/$1/a b') + 2
    assert parsed[4].target is None


@pytest.mark.parametrize(
    ("path", "status", "url"),
    [
        ("/nova/latest/admin/numa.html", 301, "/nova/latest/admin/cpu-topologies.html"),
        ("/nova/pike/devref/rpc.html", 301, "/nova/pike/reference/rpc.html"),
        # Apache builds the target from the template: the unmatched tail is dropped
        ("/nova/pike/devref/rpc.html?x=1", 301, "/nova/pike/reference/rpc.html"),
        ("/nova/latest/user/placement.html", 301, "/placement/latest/"),
        ("/nova/latest/quoted file.html", 301, "/nova/latest/a b.html"),
        ("/nova/latest/nova-network.html", 410, None),
        # Redirect: a URL-path prefix on segment boundaries, the rest appended; 302 by default
        ("/nova/latest/guides", 302, "/nova/latest/admin"),
        ("/nova/latest/guides/cells.html", 302, "/nova/latest/admin/cells.html"),
        ("/nova/latest/slash/x.html", 301, "/nova/latest/new/x.html"),
    ],
)
def test_first_match_follows_apache(path: str, status: int, url: str | None) -> None:
    hop = htaccess.first_match(rules(), path)
    assert hop is not None
    assert (hop.status, hop.url) == (status, url)


@pytest.mark.parametrize(
    "path", ["/nova/latest/guidesx", "/nova/latest/admin/numa.htm", "/other/latest/devref/a.html"]
)
def test_no_match(path: str) -> None:
    assert htaccess.first_match(rules(), path) is None


def test_group_substitution_escapes_and_unset_groups() -> None:
    text = r"redirectmatch 301 ^/a/(x)?(y)$ /b/$1-$2-\$1-$9" + "\n"
    (rule,), _ = htaccess.parse_rules(text)
    hop = rule.apply("/a/y")
    assert hop is not None and hop.url == "/b/-y-$1-"


def test_unquoted_regex_backslashes_stay_as_apache_reads_them() -> None:
    (rule,), _ = htaccess.parse_rules(r"redirectmatch 301 ^/a/(\d+)\.html$ /b/$1.html" + "\n")
    assert rule.apply("/a/12xhtml") is None
    hop = rule.apply("/a/12.html")
    assert hop is not None and hop.url == "/b/12.html"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("redirectmatch 301 ^/a$", "takes a source and a target"),
        ("redirect gone /a /b", "takes a source and no target"),
        ("redirectmatch 301 ^/a(b$ /c", "invalid RedirectMatch regex"),
        ("redirect 301 a.html /b.html", "must be a URL-path starting with '/'"),
        ('redirect 301 "/a /b', "unterminated quote"),
        ("redirectmatch 301 ^/a{0,99999999}$ /c", "invalid RedirectMatch regex"),
        ("redirectmatch 301 (?:a{1000}){1000} /c", "counted repeats expand"),
        (f"redirectmatch 301 ^/{'a' * 1000}$ /c", "longer than 1000 characters"),
        ("redirect 3011 /a /b", "status '3011' is not an HTTP status"),
        (f"redirect 301{'1' * 5000} /a /b", "is not an HTTP status"),  # int() of it raised
    ],
)
def test_parse_rules_problems(line: str, message: str) -> None:
    parsed, problems = htaccess.parse_rules("\n" + line + "\n")
    assert parsed == ()
    (problem,) = problems
    assert problem.line == 2 and message in problem.message


def test_follow_chains_loops_and_hop_limit() -> None:
    text = "".join(f"redirect 301 /p/{i} /p/{i + 1}\n" for i in range(20))
    text += "redirect 301 /loop/a /loop/b\nredirect 301 /loop/b /loop/a\n"
    parsed, _ = htaccess.parse_rules(text)
    chain = htaccess.follow(parsed, "/p/18")
    assert chain.end == "/p/20" and len(chain.hops) == 2 and not chain.loop
    assert htaccess.follow(parsed, "/p/0").too_long
    loop = htaccess.follow(parsed, "/loop/b")
    assert loop.loop and [h.rule.line for h in loop.hops] == [22, 21]
    assert htaccess.follow(parsed, "https://example.org/p/1").hops == ()


def test_site_project_and_pages() -> None:
    assert htaccess.site_project(rules()) == "nova"
    assert htaccess.site_project(()) is None
    assert htaccess.page_of("/nova/latest/admin/x.html#top", "nova") == "admin/x.html"
    assert htaccess.page_of("/nova/latest/", "nova") == ""
    assert htaccess.page_of("/placement/latest/", "nova") is None
    assert htaccess.page_of("https://x.org/nova/latest/a.html", "nova") is None
    assert htaccess.page_of("/admin/x.html", None) == "admin/x.html"


@pytest.mark.parametrize(
    ("page", "docname"),
    [
        ("admin/x.html", "admin/x"),
        ("", "index"),
        ("admin/", "admin/index"),
        ("admin", "admin/index"),
        ("_static/logo.png", None),
    ],
)
def test_docname_of(page: str, docname: str | None) -> None:
    assert htaccess.docname_of(page) == docname


@pytest.mark.parametrize(
    ("target", "url"),
    [
        ("/nova/$1/admin/x.html", "/nova/latest/admin/x.html"),
        ("/nova/$1/reference/$2.html", None),
        ("/nova/latest/a.html", "/nova/latest/a.html"),
        ("/placement/$1/", None),
        ("https://example.org/", "https://example.org/"),
    ],
)
def test_sample_url(target: str, url: str | None) -> None:
    assert htaccess.sample_url(target, "nova") == url


def test_parse_tests() -> None:
    text = "# c\n/a.html 301 /b.html\n\n/c.html 410\n/d.html 200\nbad\n/e.html many words here\n"
    tests, problems = htaccess.parse_tests(text)
    assert [(t.line, t.path, t.status, t.target) for t in tests] == [
        (2, "/a.html", 301, "/b.html"),
        (4, "/c.html", 410, None),
        (5, "/d.html", 200, None),
    ]
    assert [p.line for p in problems] == [6, 7]


def test_htaccess_paths() -> None:
    files = ["_extra/.htaccess", "other/.htaccess", "x/y"]
    assert htaccess.htaccess_paths(["_extra", "./other/", "x"], files) == [
        "_extra/.htaccess",
        "other/.htaccess",
    ]
    assert htaccess.htaccess_paths(["_extra/.htaccess"], files) == ["_extra/.htaccess"]


def test_default_test_file_sits_beside_the_source_dir(tmp_path: Path) -> None:
    """nova's layout: doc/source/_extra/.htaccess and doc/test/redirect-tests.txt."""
    srcdir = tmp_path / "doc" / "source"
    (srcdir / "_extra").mkdir(parents=True)
    (tmp_path / "doc" / "test").mkdir()
    (srcdir / "conf.py").write_text("html_extra_path = ['_extra']\n")
    (srcdir / "index.rst").write_text("Index\n=====\n")
    (srcdir / "_extra" / ".htaccess").write_text("redirect 301 /nova/latest/a /nova/latest/\n")
    tests = tmp_path / "doc" / "test" / "redirect-tests.txt"
    tests.write_text("/nova/latest/a 301 /nova/latest/b\n")
    settings = replace(Settings(), select=("redirect-test-mismatch",), jobs=1)
    findings, _ = lint_project(load_project(srcdir, True), settings)
    assert [(f.path, f.line) for f in findings] == [("../test/redirect-tests.txt", 1)]
    tests.unlink()  # no test file where nova keeps it: nothing to check
    assert lint_project(load_project(srcdir, True), settings)[0] == []


LONG_SECRET = "redirect 301 " + "x" * 30 + "SECRET-VALUE" + "y" * 100


@pytest.mark.parametrize(
    "text",
    [
        f"\n{LONG_SECRET}\n",  # a directive without its target
        f'\nredirect 301 "{LONG_SECRET}\n',  # an unterminated quote
        f"\nredirectmatch 301 ({LONG_SECRET}) /x\n",  # a bad regex
    ],
)
def test_problems_quote_a_short_excerpt_of_the_line(text: str) -> None:
    """A file that does not parse may be anything: its lines are never echoed whole."""
    _, problems = htaccess.parse_rules(text)
    (problem,) = problems
    assert problem.line == 2
    assert "SECRET" not in problem.message and "…'" in problem.message
    assert len(problem.message) < 160


def test_test_file_problems_quote_a_short_printable_excerpt() -> None:
    line = "\x1b]0;title\x07" + "KEY=" + "v" * 100
    _, problems = htaccess.parse_tests(f"# c\n{line}\n/a 30x /b\n/a ²01 /b\n")
    assert [p.line for p in problems] == [2, 3, 4]  # '²01' is a digit but no int: it raised
    shown = "?]0;title?KEY=" + "v" * 26  # 40 characters, the controls replaced
    assert problems[0].message == f"a test is 'path status [target]': '{shown}…'"


def test_a_backtracking_regex_times_out_once_and_stops_matching() -> None:
    """Python's re took hours on this; the rule now says so once and the run goes on."""
    parsed, problems = htaccess.parse_rules(
        "redirectmatch 301 ^/(a|a)+$ /x.html\nredirect 301 /b /y.html\n"
    )
    assert problems == ()
    evil = "/" + "a" * 40 + "!"
    assert htaccess.first_match(parsed, evil) is None
    assert parsed[0].regex is not None and parsed[0].regex.failure == "timeout"
    hop = htaccess.first_match(parsed, "/b")
    assert hop is not None and hop.url == "/y.html"


def test_reading_stays_in_the_repository_and_is_capped(tmp_path: Path) -> None:
    (tmp_path / "repo" / "src").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("secret\n")
    (tmp_path / "repo" / "src" / "link").symlink_to(tmp_path / "outside.txt")
    (tmp_path / "repo" / "ok.txt").write_text("fine\n")
    files, root = TreeFiles(str(tmp_path / "repo" / "src")), str(tmp_path / "repo")
    assert htaccess.read_text(files, "../ok.txt", root) == "fine\n"
    assert htaccess.read_text(files, "missing.txt", root) is None
    for escaping in ("link", "../../outside.txt"):
        with pytest.raises(untrusted.Refused, match="outside the repository"):
            htaccess.read_text(files, escaping, root)
    with pytest.raises(untrusted.Refused, match="not a regular file"):
        htaccess.read_text(files, ".", root)


def test_a_thousand_rules_and_tests_stay_within_the_regex_budget() -> None:
    """Each test URL is tried on every rule: a 1,000-rule file spent the 2 s budget."""
    rules_text = "".join(
        f"redirectmatch 301 ^/nova/([^/]+)/old/p{i}.html$ /nova/$1/new/p{i}.html\n"
        for i in range(1000)
    )
    parsed, problems = htaccess.parse_rules(rules_text)
    assert problems == () and len(parsed) == 1000
    for i in range(1000):
        hop = htaccess.first_match(parsed, f"/nova/latest/old/p{i}.html")
        assert hop is not None and hop.url == f"/nova/latest/new/p{i}.html"
    assert all(r.regex is not None and r.regex.failure is None for r in parsed)
