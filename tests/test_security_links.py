"""The link checker against hostile URLs and hostile servers (issue 11): 127.0.0.1 only.

Every test here failed on the checker before the issue was fixed. Host names are mapped to
127.0.0.1 by a fake resolver (socket.getaddrinfo, which urllib3 calls too), so a URL that
would reach the cloud-metadata address or another host only ever reaches a local test
server, which records what arrived.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostileserver import (
    HostileServer,
    Request,
    bomb,
    drip,
    gzip_bomb,
    hang,
    hang_on_head,
    hostile,
    ok,
    respond,
)

import novadoclint
from novadoclint.links import guard
from novadoclint.links.checker import Checker, check_links
from novadoclint.links.options import LinkCheckOptions
from novadoclint.links.outcome import LinkResult, LinkStatus
from novadoclint.links.syntax import malformed, redact
from novadoclint.links.throttle import parse_retry_after

FAKE_NAMES = {"docs.public.test", "trusted.test", "evil.test", "a.test", "b.test"}
SRC = Path(novadoclint.__file__).resolve().parents[1]  # the novadoclint under test, for a child


def opts(**overrides: object) -> LinkCheckOptions:
    settings: dict[str, object] = {
        "allow_private": True,
        "timeout": 5.0,
        "retries": 0,
        "backoff": 0.01,
        "use_cache": False,
    }
    settings.update(overrides)
    return LinkCheckOptions(**settings)  # type: ignore[arg-type]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Resolve the test names (and the metadata address) to 127.0.0.1; log every lookup."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def fake(host: object, *args: object, **kwargs: object) -> object:
        lookups.append(str(host))
        if host in FAKE_NAMES or host == "169.254.169.254":
            host = "127.0.0.1"
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return lookups


@pytest.fixture
def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard treats 127.0.0.1 as public, so the servers stand for hosts on the internet."""
    real = guard.address_refusal
    local = ipaddress.ip_address("127.0.0.1")
    monkeypatch.setattr(guard, "address_refusal", lambda a: None if a == local else real(a))


@pytest.fixture
def two_servers() -> Iterator[tuple[HostileServer, HostileServer]]:
    with hostile({"/": ok, "/x": ok}) as evil, hostile({"/": ok, "/x": ok}) as trusted:
        yield evil, trusted


def seen(server: HostileServer) -> list[tuple[str, str | None, str | None]]:
    return [(r.method, r.headers.get("host"), r.headers.get("authorization")) for r in server.log]


# -- 1. one parse: the guard, the headers and the connection read the same host -------------


@pytest.mark.usefixtures("fake_dns", "loopback_is_public")
def test_backslash_url_never_reaches_the_metadata_address(
    two_servers: tuple[HostileServer, HostileServer],
) -> None:
    evil, public = two_servers
    url = f"http://169.254.169.254:{evil.port}\\@docs.public.test:{public.port}/x"
    result = check_links([url], opts(allow_private=False))[url]
    assert result.status is LinkStatus.BROKEN
    assert result.message.startswith("ambiguous URL, not fetched: a backslash")
    assert seen(evil) == [] and seen(public) == []  # before: evil saw Host 169.254.169.254


@pytest.mark.usefixtures("fake_dns", "loopback_is_public")
def test_backslash_url_gets_no_header_meant_for_another_host(
    two_servers: tuple[HostileServer, HostileServer],
) -> None:
    evil, trusted = two_servers
    url = f"http://evil.test:{evil.port}\\@trusted.test:{trusted.port}/"
    headers = ((f"http://trusted.test:{trusted.port}/", (("Authorization", "Bearer SECRET"),)),)
    result = check_links([url], opts(headers=headers))[url]
    assert result.status is LinkStatus.BROKEN
    assert seen(evil) == [] and seen(trusted) == []  # before: evil got "Bearer SECRET"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254\\@docs.public.test/x",
        "http://evil:8998\\@trusted/",
        "https://a.test\\b.test/",
    ],
)
def test_ambiguous_urls_are_malformed(url: str) -> None:
    found = malformed(url)
    assert found is not None
    assert "backslash" in found[0]
    assert malformed("https://user:pw@docs.public.test:8080/x") is None


@pytest.mark.usefixtures("fake_dns", "loopback_is_public")
def test_redirects_carry_no_userinfo(two_servers: tuple[HostileServer, HostileServer]) -> None:
    first, second = two_servers
    first.routes["/jump"] = lambda server, conn, request: respond(
        conn,
        request,
        "302 Found",
        b"",
        (("Location", f"http://carol:hunter2@b.test:{second.port}/x"),),
    )
    url = f"http://alice:s3cret@a.test:{first.port}/jump"
    result = check_links([url], opts())[url]
    assert result.status is LinkStatus.OK
    assert [a for _, _, a in seen(first)] == ["Basic YWxpY2U6czNjcmV0"]  # its own host only
    assert [a for _, _, a in seen(second)] == [None]  # before: Basic carol:hunter2
    assert "hunter2" not in repr(result) and "s3cret" not in result.message


# -- 5. bodies are bounded in memory ------------------------------------------------------------


@pytest.fixture(scope="module")
def bomb_body() -> bytes:
    return gzip_bomb(200 * 1024 * 1024)  # 200 MB of zeros, gzipped twice: ~1 KB


def peak_during(func: object) -> int:
    tracemalloc.start()
    try:
        func()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_double_gzip_404_is_drained_raw(bomb_body: bytes) -> None:
    def head_refused(server: HostileServer, conn: socket.socket, request: Request) -> None:
        if request.method == "HEAD":
            respond(conn, request, "405 Method Not Allowed", b"")
        else:
            bomb("404 Not Found", bomb_body)(server, conn, request)

    with hostile({"/b": head_refused}) as server:
        url = server.url("/b")
        results: dict[str, object] = {}
        peak = peak_during(lambda: results.update(check_links([url], opts(timeout=30))))
    assert results[url] == LinkResult(url, LinkStatus.BROKEN, "404 Not Found", 404)
    assert peak < 20_000_000  # before: the 200 MB decoded body, twice


def test_double_gzip_page_is_scanned_up_to_max_body_decoded(bomb_body: bytes) -> None:
    with hostile({"/a": bomb("200 OK", bomb_body)}) as server:
        url = server.url("/a#x")
        results: dict[str, object] = {}
        peak = peak_during(
            lambda: results.update(check_links([url], opts(timeout=30, max_body=1_000_000)))
        )
    result = results[url]
    assert isinstance(result, LinkResult)
    assert result.status is LinkStatus.ANCHOR_MISSING
    assert result.message == "anchor 'x' not found in the first 1000000 bytes"
    assert peak < 20_000_000


@pytest.mark.parametrize("charset", ["bz2_codec", "zlib_codec", "base64", "rot13", "hex"])
def test_non_text_charsets_are_not_used(charset: str) -> None:
    def page(server: HostileServer, conn: socket.socket, request: Request) -> None:
        body = b"<html><body><h2 id='here'>x</h2></body></html>"
        respond(conn, request, "200 OK", body, (("Content-Type", f"text/html; charset={charset}"),))

    with hostile({"/p": page}) as server:
        url = server.url("/p#here")
        result = check_links([url], opts())[url]
    assert (result.status, result.message) == (LinkStatus.OK, "200 OK")


# -- 6. time is bounded: per request, per run, and on Ctrl-C -------------------------------------


def test_a_dripping_server_times_out_at_the_total_deadline() -> None:
    with hostile({"/d": drip(0.2, 100)}) as server:  # a header line every 0.2 s, for 20 s
        url = server.url("/d")
        started = time.monotonic()
        result = check_links([url], opts(timeout=1))[url]
        elapsed = time.monotonic() - started
    assert (result.status, result.message) == (LinkStatus.BROKEN, "timed out after 1 s")
    assert elapsed < 4  # HEAD and GET, a second each; before: 20 s and "200 OK"


def test_the_run_deadline_leaves_the_rest_not_checked() -> None:
    with hostile({f"/h{n}": hang for n in range(4)}) as server:
        urls = [server.url(f"/h{n}") for n in range(4)]
        started = time.monotonic()
        results = check_links(urls, opts(timeout=30, run_timeout=1, workers=4, per_host=4))
        elapsed = time.monotonic() - started
    assert elapsed < 3
    for url in urls:
        assert results[url].status is LinkStatus.UNCHECKED
        assert results[url].message.startswith("run deadline reached")


def test_the_run_deadline_is_derived_and_bounded() -> None:
    checker = Checker(opts(timeout=10, retries=1, workers=8), None)
    assert checker.run_deadline(1) == 120  # at least two minutes
    assert checker.run_deadline(80) == 10 * 10 * 3
    assert checker.run_deadline(100_000) == 1800  # at most half an hour
    assert Checker(opts(run_timeout=42), None).run_deadline(100_000) == 42


CTRL_C_CHILD = """
import sys
from novadoclint.links import LinkCheckOptions, check_links
port = int(sys.argv[1])
urls = [f"http://127.0.0.1:{port}/h{n}" for n in range(8)]
options = LinkCheckOptions(allow_private=True, retries=2, use_cache=False, timeout=60)
try:
    check_links(urls, options)
except KeyboardInterrupt:
    sys.exit(130)
"""


def test_ctrl_c_returns_within_a_second_while_requests_hang(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CTRL_C_CHILD), "utf-8")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    with hostile({f"/h{n}": hang for n in range(8)}, lifetime=30) as server:
        child = subprocess.Popen([sys.executable, str(script), str(server.port)], env=env)
        try:
            ends = time.monotonic() + 20
            while server.accepted < 2 and time.monotonic() < ends:
                time.sleep(0.05)
            assert server.accepted >= 2
            time.sleep(0.3)
            started = time.monotonic()
            child.send_signal(signal.SIGINT)
            code = child.wait(timeout=10)  # before: the executor's threads held it 60 s and more
            elapsed = time.monotonic() - started
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert code == 130
    assert elapsed < 3  # about 0.3 s on an idle machine


# -- 13. nothing from the environment ------------------------------------------------------------


def test_netrc_credentials_are_not_sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login mallory password hunter2\n", "utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with hostile({"/": ok}) as server:
        headers = (("*", (("Authorization", "Bearer CONFIGURED"),)),)
        url = server.url("/")
        result = check_links([url], opts(headers=headers))[url]
    assert result.status is LinkStatus.OK
    assert [a for _, _, a in seen(server)] == ["Bearer CONFIGURED"]  # before: Basic mallory


def test_proxy_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    with hostile({"/": ok}) as proxy, hostile({"/": ok}) as server:
        monkeypatch.setenv("http_proxy", proxy.url(""))
        monkeypatch.setenv("HTTP_PROXY", proxy.url(""))
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        url = server.url("/")
        assert check_links([url], opts())[url].status is LinkStatus.OK
    assert proxy.log == [] and len(server.log) == 1


# -- 15. caps, HEAD fallback, circuit breaker, politeness by address, redaction ------------------


def test_options_are_clamped() -> None:
    options = LinkCheckOptions(
        timeout=1e9, retries=10**9, backoff=1e9, max_retry_after=1e12, run_timeout=1e9
    )
    assert (options.timeout, options.retries, options.backoff) == (120, 5, 10)
    assert (options.max_retry_after, options.run_timeout) == (300, 3 * 3600)
    with pytest.raises(ValueError):
        LinkCheckOptions(timeout=float("nan"))


def test_retry_after_of_years_waits_at_most_the_cap() -> None:
    cap = LinkCheckOptions(max_retry_after=10**12).max_retry_after
    assert parse_retry_after("999999999999", cap=cap, now=0) == 300


def test_a_hanging_head_falls_back_to_get_with_no_retries() -> None:
    with hostile({"/p": hang_on_head}) as server:
        url = server.url("/p")
        result = check_links([url], opts(timeout=1, retries=0))[url]
    assert (result.status, result.message) == (LinkStatus.OK, "200 OK")  # before: timed out
    assert [r.method for r in server.log] == ["HEAD", "GET"]


def test_a_dead_host_is_given_up_after_a_few_failures() -> None:
    with hostile({f"/h{n}": hang for n in range(20)}) as server:
        urls = [server.url(f"/h{n}") for n in range(20)]
        results = check_links(urls, opts(timeout=0.5, retries=1, workers=4, per_host=2))
    statuses = [results[u].status for u in urls]
    # the pages in flight when it opened (two per host at a time) keep their own failure
    assert statuses.count(LinkStatus.BROKEN) <= 4
    skipped = [results[u] for u in urls if results[u].status is LinkStatus.UNCHECKED]
    assert len(skipped) >= 16
    assert "127.0.0.1 (127.0.0.1) failed 3 times in a row" in skipped[0].message
    assert server.accepted <= 6  # before: 20 pages x (HEAD + 2 GET) = 60 connections, 15 s


@pytest.mark.usefixtures("fake_dns", "loopback_is_public")
def test_politeness_is_per_address_not_per_name() -> None:
    inflight = [0, 0]  # now, most

    def slow(server: HostileServer, conn: socket.socket, request: Request) -> None:
        inflight[0] += 1
        inflight[1] = max(inflight)
        time.sleep(0.1)
        inflight[0] -= 1
        respond(conn, request)

    with hostile({"/s": slow}) as server:
        urls = [server.url("/s", host=name) for name in ("a.test", "b.test")] * 2
        urls = [f"{u}?{n}" for n, u in enumerate(urls)]
        results = check_links(urls, opts(workers=4, per_host=1))
    assert all(r.status is LinkStatus.OK for r in results.values())
    assert inflight[1] == 1  # before: 2, one per name


def test_passwords_are_redacted_in_results_and_cache(tmp_path: Path) -> None:
    from novadoclint.safety.cache import DiskCache

    with hostile({}) as server:
        url = f"http://bob:topsecret@127.0.0.1:{server.port}/gone"
        cache = DiskCache("links-test")
        result = check_links([url], opts(use_cache=True), cache=cache)[url]
        server.routes["/gone"] = lambda s, conn, request: respond(
            conn, request, "301 Moved", b"", (("Location", f"http://eve:pw2@127.0.0.1:{s.port}/x"),)
        )
        moved = check_links([url], opts(refresh=True, use_cache=True), cache=cache)[url]
    assert result.status is LinkStatus.BROKEN
    assert "topsecret" not in moved.message + str(moved.final_url)
    assert "pw2" not in moved.message + str(moved.final_url)
    stored = b"".join(
        p.read_bytes() for p in Path(os.environ["NOVADOCLINT_CACHE_DIR"]).rglob("*") if p.is_file()
    )
    assert b"topsecret" not in stored and b"pw2" not in stored
    assert redact("see https://u:p@h/ and http://h/") == "see https://u:***@h/ and http://h/"


def test_an_endless_tag_does_not_make_the_anchor_scan_quadratic() -> None:
    """HTMLParser re-reads an unclosed tag at every chunk: 3 MB of one tag took minutes."""
    body = b"<html><body><a " + b"x=1 " * 750_000

    def page(server: HostileServer, conn: socket.socket, request: Request) -> None:
        respond(conn, request, "200 OK", body, (("Content-Type", "text/html"),))

    with hostile({"/p": page}) as server:
        url = server.url("/p#here")
        started = time.monotonic()
        result = check_links([url], opts(timeout=60))[url]
        elapsed = time.monotonic() - started
    assert result.status is LinkStatus.OK
    assert result.message == (
        "200 OK; anchor not checked (one piece of markup is longer than 1000000)"
    )
    assert elapsed < 10


def test_waiting_for_a_busy_host_does_not_count_against_the_request() -> None:
    def slow(server: HostileServer, conn: socket.socket, request: Request) -> None:
        server.wait(0.4)
        respond(conn, request)

    with hostile({"/s": slow}) as server:
        urls = [server.url(f"/s?{n}") for n in range(4)]
        results = check_links(urls, opts(timeout=1, workers=4, per_host=1))
    assert [results[u].message for u in urls] == ["200 OK"] * 4


@pytest.mark.usefixtures("loopback_is_public")
def test_the_connection_goes_to_the_address_the_guard_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: the name answers a public address once, then something else. The
    connection must use the first answer, not ask again (here: the second lookup fails)."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host: object, *args: object, **kwargs: object) -> object:
        if host == "rebind.test":
            lookups.append(host)
            if len(lookups) > 1:
                raise socket.gaierror(socket.EAI_NONAME, "rebound")
            host = "127.0.0.1"
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with hostile({"/": ok}) as server:
        url = server.url("/", host="rebind.test")
        result = check_links([url], opts(allow_private=False))[url]
        port = server.port
    assert (result.status, result.message) == (LinkStatus.OK, "200 OK")
    assert lookups == ["rebind.test"]  # before: a second lookup by urllib3, "DNS failure"
    assert [h for _, h, _ in seen(server)] == [f"rebind.test:{port}"]


def test_a_hanging_resolver_is_bounded_by_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def slow(host: object, *args: object, **kwargs: object) -> object:
        if host == "slow.test":
            time.sleep(5)
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    started = time.monotonic()
    result = check_links(["http://slow.test/"], opts(timeout=0.5))["http://slow.test/"]
    assert time.monotonic() - started < 2  # before: 5 s in the guard, then again in urllib3
    assert (result.status, result.message) == (
        LinkStatus.BROKEN,
        "DNS failure: slow.test: no answer within 0.5 s",
    )
