"""--check-links end to end: the command line against a local server; never the internet.

Each test writes a small Sphinx tree whose links point at a ThreadingHTTPServer on
127.0.0.1, runs ``novadoclint.cli.main`` and asserts the exact output and what the
server was asked (so caching, deduplication and the address guard are observed, not
inferred from timing).
"""

from __future__ import annotations

import io
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from linkserver import LinkServer, Route, no_proxy, serving

from novadoclint.cli import main
from novadoclint.links import plan
from novadoclint.links.outcome import LinkProgress

ROUTES = {
    "/ok": Route(body="<html><body><h2 id='install'>Install</h2></body></html>"),
    "/old": Route(301, "", location="/ok"),
    "/error": Route(500),
}
PAGE = """\
Links
=====

`A <{s}/ok>`_,
`B <{s}/missing>`_,
`C <{s}/old>`_,
`D <{s}/ok#install>`_,
`E <{s}/ok#nowhere>`_ and
`F <{s}/error>`_.

The same page again:
{s}/missing
"""
FAST = "[linkcheck]\nretries = 0\ntimeout = 5\n"  # .novadoclint.toml: no retries, quick


@pytest.fixture(autouse=True)
def _local_only() -> Iterator[None]:
    with no_proxy():
        yield


@pytest.fixture
def server() -> Iterator[LinkServer]:
    with serving(ROUTES) as srv:
        yield srv


def tree(root: Path, server: LinkServer, page: str = PAGE, conf: str = "") -> Path:
    src = root / "src"
    src.mkdir()
    (src / "conf.py").write_text(f"extensions = []\n{conf}", encoding="utf-8")
    (src / "index.rst").write_text(page.format(s=server.base), encoding="utf-8")
    (root / ".novadoclint.toml").write_text(FAST, "utf-8")
    return src


def run(
    capsys: pytest.CaptureFixture[str], server: LinkServer, *args: str
) -> tuple[int, list[str], str]:
    code = main(["--no-color", *args])
    out, err = capsys.readouterr()
    lines = [line.replace(server.base, "{s}") for line in out.splitlines()]
    return code, lines, err


@pytest.fixture
def in_tmp(tmp_path: Path) -> Iterator[Path]:
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


def test_every_outcome_named_at_every_place(
    in_tmp: Path, server: LinkServer, capsys: pytest.CaptureFixture[str]
) -> None:
    tree(in_tmp, server)
    code, lines, _ = run(capsys, server, "--check-links", "--allow-private", "--no-cache", "src")
    assert lines == [
        "src/index.rst:5:1: error link-broken broken link '{s}/missing': 404 Not Found",
        "src/index.rst:6:1: warning link-redirected link '{s}/old' is permanently redirected "
        "(301 Moved Permanently); use '{s}/ok'",
        "src/index.rst:8:1: warning link-anchor-missing anchor 'nowhere' not found in '{s}/ok'",
        "src/index.rst:9:1: error link-broken broken link '{s}/error': 500 Internal Server Error",
        "src/index.rst:12:1: error link-broken broken link '{s}/missing': 404 Not Found",
        "1 files checked, 5 findings (3 errors, 2 warnings)",
    ]
    assert code == 1
    # one fetch per page, whatever the anchors and places: /ok is GET once for both anchors
    # and once more (HEAD) for the bare link
    fetched = sorted(set(server.requests()))
    assert fetched == [
        ("GET", "/error"),
        ("GET", "/missing"),
        ("GET", "/ok"),
        ("HEAD", "/error"),
        ("HEAD", "/missing"),
        ("HEAD", "/ok"),
        ("HEAD", "/old"),
    ]
    assert server.requests().count(("GET", "/missing")) == 1


def test_private_addresses_are_refused_by_default(
    in_tmp: Path, server: LinkServer, capsys: pytest.CaptureFixture[str]
) -> None:
    tree(in_tmp, server, "Links\n=====\n\n{s}/ok and\n{s}/missing\n")
    code, lines, _ = run(capsys, server, "--check-links", "--no-cache", "src")
    reason = (
        "127.0.0.1 resolves to 127.0.0.1, a loopback address; private addresses are "
        "refused by default (--allow-private lifts this)"
    )
    assert lines == [
        f"src/index.rst:4:1: info link-skipped link '{{s}}/ok' not checked: {reason}",
        f"src/index.rst:5:1: info link-skipped link '{{s}}/missing' not checked: {reason}",
        "1 files checked, 2 findings (2 infos)",
    ]
    assert code == 0  # info does not fail the run
    assert server.requests() == []


def test_cache_warm_run_asks_nothing_refresh_asks_again(
    in_tmp: Path, server: LinkServer, capsys: pytest.CaptureFixture[str]
) -> None:
    tree(in_tmp, server)
    cold = run(capsys, server, "--check-links", "--allow-private", "src")
    asked = len(server.requests())
    assert asked > 0
    warm = run(capsys, server, "--check-links", "--allow-private", "src")
    assert warm[:2] == cold[:2]
    assert len(server.requests()) == asked  # every result came from the cache
    run(capsys, server, "--check-links", "--allow-private", "--refresh", "src")
    assert len(server.requests()) == 2 * asked


def test_no_cache_writes_nothing(
    in_tmp: Path, server: LinkServer, capsys: pytest.CaptureFixture[str]
) -> None:
    tree(in_tmp, server)
    cache_dir = Path(os.environ["NOVADOCLINT_CACHE_DIR"])
    before = sorted(cache_dir.rglob("*"))
    run(capsys, server, "--check-links", "--allow-private", "--no-cache", "src")
    assert sorted(cache_dir.rglob("*")) == before
    assert not any(p.name.startswith("links") for p in cache_dir.iterdir())


def test_network_rule_without_check_links_says_so(
    in_tmp: Path, server: LinkServer, capsys: pytest.CaptureFixture[str]
) -> None:
    tree(in_tmp, server)
    code, lines, err = run(capsys, server, "--select", "link-broken", "src")
    assert lines == ["1 files checked, no problems found"]
    assert err == (
        "novadoclint: note: link-broken run only with --check-links; no link was checked\n"
    )
    assert code == 0
    assert server.requests() == []


def test_ignore_from_conf_and_config_and_headers(
    in_tmp: Path, server: LinkServer, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = (
        f"linkcheck_ignore = [r'{server.base}/missing']\n"
        f"linkcheck_request_headers = {{'{server.base}/': {{'X-Token': 'secret'}}}}\n"
    )
    src = tree(in_tmp, server, conf=conf)
    (in_tmp / ".novadoclint.toml").write_text(
        "[linkcheck]\nretries = 0\nignore = ['.*/error$']\nanchors = false\n", "utf-8"
    )
    code, lines, _ = run(capsys, server, "--check-links", "--allow-private", "--no-cache", str(src))
    assert lines == [
        "src/index.rst:6:1: warning link-redirected link '{s}/old' is permanently redirected "
        "(301 Moved Permanently); use '{s}/ok'",
        "1 files checked, 1 finding (1 warning)",
    ]
    assert code == 1
    paths = {path for _, path in server.requests()}
    assert paths == {"/ok", "/old"}
    assert all(headers.get("X-Token") == "secret" for _, _, headers in server.log)


def test_only_the_given_files_links_are_checked(
    in_tmp: Path, server: LinkServer, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tree(in_tmp, server, "Index\n=====\n\n.. toctree::\n\n   other\n\n{s}/missing\n")
    (src / "other.rst").write_text(f"Other\n=====\n\n{server.base}/error\n", "utf-8")
    code, lines, _ = run(
        capsys, server, "--check-links", "--allow-private", "--no-cache", "src/other.rst"
    )
    assert lines == [
        "src/other.rst:4:1: error link-broken broken link '{s}/error': 500 Internal Server Error",
        "1 files checked, 1 finding (1 error)",
    ]
    assert code == 1
    assert {path for _, path in server.requests()} == {"/error"}


def test_bad_linkcheck_config_is_a_usage_error(
    in_tmp: Path, server: LinkServer, capsys: pytest.CaptureFixture[str]
) -> None:
    tree(in_tmp, server)
    (in_tmp / ".novadoclint.toml").write_text("[linkcheck]\nignore = ['(']\n", "utf-8")
    code, lines, err = run(capsys, server, "--check-links", "src")
    assert code == 2
    assert lines == []
    assert err.startswith("novadoclint: error: ") and "linkcheck.ignore: bad regular" in err
    (in_tmp / ".novadoclint.toml").write_text("[linkcheck]\ntimout = 3\n", "utf-8")
    code, _, err = run(capsys, server, "--check-links", "src")
    assert code == 2
    assert "linkcheck.timout: unknown key" in err
    assert server.requests() == []


def test_a_url_parsers_read_apart_is_malformed_and_never_fetched(
    in_tmp: Path,
    server: LinkServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """urlsplit reads host 127.0.0.1, urllib3 reads 169.254.169.254: neither is asked.

    The metadata address resolves to 127.0.0.1 here, so even a regression reaches nothing
    but the test machine.
    """
    real = socket.getaddrinfo

    def local(host: object, *args: object, **kwargs: object) -> object:
        return real("127.0.0.1" if host == "169.254.169.254" else host, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(socket, "getaddrinfo", local)
    authority = server.base.removeprefix("http://")
    # two backslashes in the file: reStructuredText unescapes them to one in the URL
    page = "Links\n=====\n\n`A <http://169.254.169.254\\\\@" + authority + "/ok>`_\n"
    tree(in_tmp, server, page)
    code, lines, _ = run(capsys, server, "--check-links", "--allow-private", "--no-cache", "src")
    assert lines == [
        "src/index.rst:4:1: error link-malformed malformed URL "
        f"'http://169.254.169.254\\\\@{authority}/ok': a backslash in the host part "
        "(URL parsers disagree on which host it names)",
        "1 files checked, 1 finding (1 error)",
    ]
    assert code == 1
    assert server.requests() == []


# -- no network; progress ------------------------------------------------------------------


def test_offline_machine_is_one_error_and_exit_2(
    in_tmp: Path,
    server: LinkServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every lookup fails (no DNS): one message and exit 2, not ten broken links and exit 1
    (or a pass); the local server's link is still checked, as its address needs no DNS."""
    real = socket.getaddrinfo
    lookups: list[object] = []

    def offline(host: object, *args: object, **kwargs: object) -> object:
        if host in ("127.0.0.1", "localhost"):
            return real(host, *args, **kwargs)  # type: ignore[call-overload]
        lookups.append(host)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    links = "".join(f"* https://docs{n}.openstack.org/page{n}\n" for n in range(10))
    tree(in_tmp, server, "Links\n=====\n\n" + links + "* {s}/ok\n")
    (in_tmp / ".novadoclint.toml").write_text(FAST + "workers = 1\n", "utf-8")
    code, lines, err = run(capsys, server, "--check-links", "--allow-private", "--no-cache", "src")
    hosts = ", ".join(f"docs{n}.openstack.org" for n in range(8))
    assert err == (
        "novadoclint: error: --check-links: the network is unreachable: no host name "
        f"resolved ({hosts}), so the links (11 pages) were not checked and nothing is "
        "reported; check the connection or the DNS settings, or lint without --check-links\n"
    )
    assert (code, lines) == (2, [])
    assert len(lookups) == 8  # then it stopped
    assert server.requests() == [("HEAD", "/ok")]


def test_a_few_dead_names_are_broken_links(
    in_tmp: Path,
    server: LinkServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Near miss: fewer names than make an offline machine certain fail: each is a broken
    link, and a warning voices the doubt. No progress line reaches a standard error that is
    no terminal (captured here, as in CI)."""
    real = socket.getaddrinfo

    def one_dead(host: object, *args: object, **kwargs: object) -> object:
        if host == "gone.openstack.org":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(socket, "getaddrinfo", one_dead)
    tree(in_tmp, server, "Links\n=====\n\n* https://gone.openstack.org/x\n* {s}/ok\n")
    code, lines, err = run(capsys, server, "--check-links", "--allow-private", "--no-cache", "src")
    assert lines == [
        "src/index.rst:4:3: error link-broken broken link 'https://gone.openstack.org/x': "
        "DNS failure: gone.openstack.org: Name or service not known",
        "1 files checked, 1 finding (1 error)",
    ]
    assert code == 1
    assert "links:" not in err and "\r" not in err
    [warning] = [r.getMessage() for r in caplog.records if r.name == "novadoclint.links.checker"]
    assert warning.startswith("link check: no host name resolved (gone.openstack.org); ")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_progress_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        plan.shutil, "get_terminal_size", lambda fallback: os.terminal_size((60, 24))
    )
    stream = Terminal()
    shown = plan.TerminalProgress(stream)
    shown(LinkProgress(0, 661, hosts_total=52))
    shown.INTERVAL = 0.0
    shown(LinkProgress(120, 661, "docs.openstack.org", 40, 300, 14, 52))
    shown(LinkProgress(121, 661, "evil\x1b[2J.org", 1, 1, 15, 52))
    shown.close()
    assert stream.getvalue().split("\r") == [
        "",
        "novadoclint: links: 0/661 pages, 0/52 hosts done\x1b[K",
        "novadoclint: links: 120/661 pages, 14/52 hosts done; docs.o\x1b[K",  # 59 columns
        "novadoclint: links: 121/661 pages, 15/52 hosts done; evil\\x\x1b[K",
        "\x1b[K",  # cleared: what follows starts on a clean line
    ]


def test_terminal_progress_is_throttled_and_silent_elsewhere() -> None:
    stream = Terminal()
    shown = plan.TerminalProgress(stream)
    for done in range(50):
        shown(LinkProgress(done, 50, "a.org", done, 50, 0, 1))
    shown(LinkProgress(50, 50, "a.org", 50, 50, 1, 1))  # the last one is always shown
    assert stream.getvalue().count("\r") == 2
    assert "50/50 pages" in stream.getvalue()
    pipe = io.StringIO()  # not a terminal: CI logs and captured output get nothing
    quiet = plan.TerminalProgress(pipe)
    quiet(LinkProgress(1, 2, "a.org", 1, 2, 0, 1))
    quiet.close()
    assert pipe.getvalue() == ""
    nothing = Terminal()
    plan.TerminalProgress(nothing)(LinkProgress(0, 0))  # nothing to fetch
    assert nothing.getvalue() == ""
