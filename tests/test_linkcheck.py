"""linkcheck: every HTTP scenario against real servers on 127.0.0.1, never the internet.

Each test starts its own ThreadingHTTPServer with per-path handlers and inspects what the
server saw (methods, headers, bytes sent), so the assertions are about behaviour, not timing.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fakeclock import fake_throttle_clock

from novadoclint import about
from novadoclint.links import checker, guard, schedule, throttle
from novadoclint.links.checker import check_links
from novadoclint.links.deadline import RunClock
from novadoclint.links.guard import OFFLINE_AFTER_HOSTS
from novadoclint.links.http import MAX_REDIRECTS, HeaderTable
from novadoclint.links.options import DEFAULT_USER_AGENT, LinkCheckOptions
from novadoclint.links.outcome import LinkProgress, LinkResult, LinkStatus, NetworkUnreachable
from novadoclint.links.results import ResultCache
from novadoclint.safety.cache import DiskCache

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    """Records every request, then dispatches on the path to the server's route table."""

    server: LocalServer
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse can be observed

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.record(self.command, path, headers, self.client_address[1])
        route = self.server.routes.get(path)
        if route is None:
            self.reply(404, b"<p>not here</p>")
        else:
            route(self)

    do_GET = _dispatch
    do_HEAD = _dispatch

    def reply(
        self,
        code: int,
        body: bytes = b"<html><body>hello</body></html>",
        headers: tuple[tuple[str, str], ...] = (),
        content_type: str = "text/html; charset=utf-8",
    ) -> None:
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, code: int, location: str) -> None:
        self.reply(code, b"", headers=(("Location", location),))

    def log_message(self, format: str, *args: object) -> None:
        pass


class LocalServer(ThreadingHTTPServer):
    """A test web server: routes by path, and a log of (method, path, headers) it received."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, str, dict[str, str]]] = []
        self.client_ports: list[int] = []
        self.lock = threading.Lock()
        self.inflight = 0
        self.max_inflight = 0
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def record(self, method: str, path: str, headers: dict[str, str], client_port: int) -> None:
        with self.lock:
            self.log.append((method, path, headers))
            self.client_ports.append(client_port)

    def hits(self, path: str | None = None) -> list[str]:
        """Methods of the requests received (for *path*, or all), in arrival order."""
        with self.lock:
            return [m for m, p, _ in self.log if path is None or p == path]

    def route(self, path: str) -> Callable[[Route], Route]:
        def register(func: Route) -> Route:
            self.routes[path] = func
            return func

        return register

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy in the environment would swallow requests meant for the local servers."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    srv.routes["/ok"] = lambda h: h.reply(200)
    yield srv
    srv.stop()


@pytest.fixture
def other_server() -> Iterator[LocalServer]:
    srv = LocalServer()
    srv.routes["/ok"] = lambda h: h.reply(200)
    yield srv
    srv.stop()


def opts(**overrides: object) -> LinkCheckOptions:
    """Options for tests: local servers allowed, short timeouts, tiny backoff."""
    settings: dict[str, object] = {
        "allow_private": True,
        "timeout": 5.0,
        "retries": 2,
        "backoff": 0.01,
        "use_cache": False,
    }
    settings.update(overrides)
    return LinkCheckOptions(**settings)  # type: ignore[arg-type]


def check_one(url: str, options: LinkCheckOptions | None = None) -> LinkResult:
    return check_links([url], options or opts())[url]


def page_with(*anchors: str, filler: int = 0, tail: str = "") -> bytes:
    body = "".join(f'<h2 id="{a}">{a}</h2><p>text</p>\n' for a in anchors)
    padding = "<p>lorem ipsum dolor sit amet</p>\n" * filler
    return f"<html><body>{body}{padding}{tail}</body></html>".encode()


# -- status codes, retries, methods ------------------------------------------------------------


def test_ok(server: LocalServer) -> None:
    result = check_one(server.url("/ok"))
    assert result == LinkResult(server.url("/ok"), LinkStatus.OK, "200 OK", 200, None)
    assert server.hits("/ok") == ["HEAD"]
    assert server.log[0][2]["user-agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith("novadoclint/")
    assert f"(+{about.HOMEPAGE}; " in DEFAULT_USER_AGENT  # where an administrator reads more


def test_not_found(server: LocalServer) -> None:
    result = check_one(server.url("/missing"))
    assert result.status is LinkStatus.BROKEN
    assert result.message == "404 Not Found"
    assert result.code == 404
    assert server.hits("/missing") == ["HEAD", "GET"]  # a failing HEAD is confirmed by GET


def test_server_error_then_ok_is_retried(server: LocalServer) -> None:
    @server.route("/flaky")
    def flaky(h: Handler) -> None:
        h.reply(500 if len(server.hits("/flaky")) <= 2 else 200)

    result = check_one(server.url("/flaky"), opts(retries=2))
    assert result.status is LinkStatus.OK
    assert server.hits("/flaky") == ["HEAD", "GET", "GET"]


def test_server_error_without_retries_is_broken(server: LocalServer) -> None:
    server.routes["/flaky"] = lambda h: h.reply(500 if len(server.hits("/flaky")) <= 2 else 200)
    result = check_one(server.url("/flaky"), opts(retries=0))
    assert (result.status, result.message) == (LinkStatus.BROKEN, "500 Internal Server Error")


def test_always_500(server: LocalServer) -> None:
    server.routes["/down"] = lambda h: h.reply(503)
    result = check_one(server.url("/down"), opts(retries=2))
    assert result.status is LinkStatus.BROKEN
    assert result.message == "503 Service Unavailable"
    assert result.code == 503
    assert server.hits("/down") == ["HEAD", "GET", "GET", "GET"]


def test_head_not_allowed_falls_back_to_get(server: LocalServer) -> None:
    server.routes["/nohead"] = lambda h: h.reply(405 if h.command == "HEAD" else 200)
    result = check_one(server.url("/nohead"))
    assert (result.status, result.code) == (LinkStatus.OK, 200)
    assert server.hits("/nohead") == ["HEAD", "GET"]


def test_rate_limited_then_ok_honours_retry_after(server: LocalServer) -> None:
    @server.route("/limited")
    def limited(h: Handler) -> None:
        if len(server.hits("/limited")) == 1:
            h.reply(429, headers=(("Retry-After", "1"),))
        else:
            h.reply(200)

    result = check_one(server.url("/limited"))
    assert result.status is LinkStatus.OK
    assert server.hits("/limited") == ["HEAD", "GET"]


def test_always_rate_limited_is_unchecked_not_broken(server: LocalServer) -> None:
    server.routes["/limited"] = lambda h: h.reply(429, headers=(("Retry-After", "0"),))
    result = check_one(server.url("/limited"), opts(retries=1))
    assert result.status is LinkStatus.UNCHECKED
    assert "429 Too Many Requests" in result.message
    assert result.code == 429


def test_retry_after_parsing() -> None:
    now = 1_700_000_000.0
    parse = throttle.parse_retry_after
    assert parse("1", cap=60, now=now) == 1.0
    assert parse(" 7 ", cap=60, now=now) == 7.0
    assert parse("3600", cap=60, now=now) == 60.0
    assert parse("-5", cap=60, now=now) == 0.0
    assert parse(formatdate(now + 30, usegmt=True), cap=60, now=now) == 30.0
    assert parse(formatdate(now - 30, usegmt=True), cap=60, now=now) == 0.0
    assert parse(formatdate(now + 3600, usegmt=True), cap=60, now=now) == 60.0
    assert parse("soon", cap=60, now=now) is None
    assert parse("", cap=60, now=now) is None
    assert parse(None, cap=60, now=now) is None


# -- redirects -----------------------------------------------------------------------------------


def test_permanent_redirect_is_reported(server: LocalServer) -> None:
    server.routes["/moved"] = lambda h: h.redirect(301, "/ok")
    result = check_one(server.url("/moved"))
    assert result.status is LinkStatus.REDIRECTED
    assert result.final_url == server.url("/ok")
    assert result.code == 301
    assert server.url("/ok") in result.message


def test_permanent_redirect_anywhere_in_chain(server: LocalServer) -> None:
    server.routes["/a"] = lambda h: h.redirect(302, "/b")
    server.routes["/b"] = lambda h: h.redirect(308, server.url("/ok"))
    result = check_one(server.url("/a"))
    assert (result.status, result.code, result.final_url) == (
        LinkStatus.REDIRECTED,
        308,
        server.url("/ok"),
    )


def test_allowed_redirect_is_ok(server: LocalServer) -> None:
    server.routes["/moved"] = lambda h: h.redirect(301, "/ok")
    options = opts(allowed_redirects=((r"http://127\.0\.0\.1:\d+/moved$", r".*/ok$"),))
    result = check_one(server.url("/moved"), options)
    assert result.status is LinkStatus.OK
    assert result.final_url == server.url("/ok")
    assert "allowed redirect" in result.message


@pytest.mark.parametrize("code", [302, 303, 307])
def test_temporary_redirect_is_ok(server: LocalServer, code: int) -> None:
    server.routes["/temp"] = lambda h: h.redirect(code, "/ok")
    result = check_one(server.url("/temp"))
    assert result.status is LinkStatus.OK
    assert result.final_url == server.url("/ok")
    assert server.hits() == ["HEAD", "HEAD"]


def test_redirect_to_broken_page_is_broken(server: LocalServer) -> None:
    server.routes["/temp"] = lambda h: h.redirect(302, "/gone")
    result = check_one(server.url("/temp"))
    assert (result.status, result.code) == (LinkStatus.BROKEN, 404)
    assert result.final_url == server.url("/gone")


def test_redirect_loop(server: LocalServer) -> None:
    server.routes["/loop-a"] = lambda h: h.redirect(302, "/loop-b")
    server.routes["/loop-b"] = lambda h: h.redirect(302, "/loop-a")
    result = check_one(server.url("/loop-a"))
    assert result.status is LinkStatus.BROKEN
    assert result.message.startswith("redirect loop: ")
    # at most MAX_REDIRECTS hops after the first request, for HEAD and again for GET
    assert len(server.hits()) == 2 * (MAX_REDIRECTS + 1)


def test_redirect_to_malformed_location_is_broken(server: LocalServer) -> None:
    server.routes["/bad"] = lambda h: h.redirect(302, "http://[::1/oops")
    result = check_one(server.url("/bad"))
    assert result.status is LinkStatus.BROKEN
    assert "invalid redirect location" in result.message
    assert "Invalid IPv6 URL" in result.message


def test_redirect_to_other_scheme_is_unchecked(server: LocalServer) -> None:
    server.routes["/ftp"] = lambda h: h.redirect(302, "ftp://example.invalid/file")
    result = check_one(server.url("/ftp"))
    assert result.status is LinkStatus.UNCHECKED
    assert result.final_url == "ftp://example.invalid/file"


def test_headers_are_not_sent_to_another_host_after_redirect(
    server: LocalServer, other_server: LocalServer
) -> None:
    server.routes["/away"] = lambda h: h.redirect(302, other_server.url("/ok"))
    options = opts(
        headers=(
            (f"http://127.0.0.1:{server.port}/", (("X-Token", "secret"),)),
            ("*", (("X-Everyone", "yes"),)),
        )
    )
    result = check_one(server.url("/away"), options)
    assert result.status is LinkStatus.OK
    assert result.final_url == other_server.url("/ok")
    [(_, _, first)] = server.log
    [(_, _, second)] = other_server.log
    assert first["x-token"] == "secret"
    assert "x-everyone" not in first  # the most specific entry wins, as in Sphinx
    assert "x-token" not in second  # same address, other port: another host
    assert second["x-everyone"] == "yes"


def test_header_prefixes_match_whole_host_names() -> None:
    table = HeaderTable(
        (
            ("https://example.com", (("A", "1"),)),
            ("https://example.com/api/", (("B", "2"),)),
        )
    )
    assert table.for_url("https://example.com/x") == {"A": "1"}
    assert table.for_url("https://EXAMPLE.com:443/api/v1") == {"B": "2"}
    assert table.for_url("https://example.com.evil.net/x") == {}
    assert table.for_url("https://example.com:8443/x") == {}
    assert table.for_url("http://example.com/x") == {}
    with pytest.raises(ValueError, match="neither"):
        HeaderTable((("example.com", ()),))


# -- anchors -----------------------------------------------------------------------------------


def test_anchor_present_and_missing(server: LocalServer) -> None:
    page = page_with("intro", "usage", filler=5000, tail='<a name="legacy"></a>')
    server.routes["/page"] = lambda h: h.reply(200, page)
    urls = [server.url(f"/page#{a}") for a in ("intro", "legacy", "nowhere")]
    results = check_links(urls, opts())
    assert results[urls[0]].status is LinkStatus.OK
    assert results[urls[1]].status is LinkStatus.OK
    assert results[urls[2]].status is LinkStatus.ANCHOR_MISSING
    assert results[urls[2]].message == "anchor 'nowhere' not found"
    assert results[urls[2]].code == 200
    assert server.hits("/page") == ["GET"]


def test_anchor_found_early_stops_reading(server: LocalServer) -> None:
    total = 32 * 1024 * 1024
    sent = [0]
    finished = threading.Event()
    head = page_with("top")
    filler = b"<p>" + b"x" * 65_529 + b"</p>"

    @server.route("/huge")
    def huge(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(total))
        h.end_headers()
        try:
            h.wfile.write(head)
            sent[0] += len(head)
            while sent[0] < total:
                chunk = filler[: total - sent[0]]
                h.wfile.write(chunk)
                sent[0] += len(chunk)
        except OSError:
            pass
        finally:
            finished.set()

    result = check_one(server.url("/huge#top"), opts(max_body=10 * total))
    assert result.status is LinkStatus.OK
    assert finished.wait(timeout=30)
    assert sent[0] < total // 2


def test_anchor_beyond_max_body_is_missing(server: LocalServer) -> None:
    page = page_with(filler=10_000, tail='<div id="deep"></div>')
    server.routes["/long"] = lambda h: h.reply(200, page)
    result = check_one(server.url("/long#deep"), opts(max_body=100_000))
    assert result.status is LinkStatus.ANCHOR_MISSING
    assert "in the first 100000 bytes" in result.message
    assert check_one(server.url("/long#deep"), opts()).status is LinkStatus.OK


def test_anchor_quoting_and_charset(server: LocalServer) -> None:
    page = '<html><p id="café">x</p><p id="a b">y</p></html>'.encode("latin-1")
    server.routes["/latin"] = lambda h: h.reply(
        200, page, content_type="text/html; charset=ISO-8859-1"
    )
    urls = [server.url("/latin#caf%C3%A9"), server.url("/latin#a%20b")]
    results = check_links(urls, opts())
    assert [results[u].status for u in urls] == [LinkStatus.OK, LinkStatus.OK]


def test_anchors_ignored_and_disabled(server: LocalServer) -> None:
    server.routes["/page"] = lambda h: h.reply(200, page_with("real"))
    hashbang = server.url("/page#!/route")
    assert check_one(hashbang).status is LinkStatus.OK  # "^!" is ignored by default
    missing = server.url("/page#nope")
    assert check_one(missing, opts(anchors=False)).status is LinkStatus.OK
    assert check_one(missing, opts(anchors_ignore=("no",))).status is LinkStatus.OK
    assert server.hits("/page") == ["HEAD", "HEAD", "HEAD"]


def test_anchor_on_non_html_is_not_searched(server: LocalServer) -> None:
    server.routes["/doc.pdf"] = lambda h: h.reply(200, b"%PDF-1.4", content_type="application/pdf")
    result = check_one(server.url("/doc.pdf#page=2"))
    assert result.status is LinkStatus.OK
    assert "anchor not checked (content type application/pdf)" in result.message


def test_anchor_on_broken_page_is_broken(server: LocalServer) -> None:
    result = check_one(server.url("/missing#part"))
    assert (result.status, result.code) == (LinkStatus.BROKEN, 404)


def test_anchor_after_permanent_redirect(server: LocalServer) -> None:
    server.routes["/new"] = lambda h: h.reply(200, page_with("here"))
    server.routes["/old"] = lambda h: h.redirect(301, "/new")
    found, missing = server.url("/old#here"), server.url("/old#gone")
    results = check_links([found, missing], opts())
    assert results[found].status is LinkStatus.REDIRECTED
    assert results[missing].status is LinkStatus.ANCHOR_MISSING
    assert results[missing].final_url == server.url("/new")


# -- network failures ----------------------------------------------------------------------------


@pytest.fixture
def hanging_port() -> Iterator[int]:
    """A port that accepts connections (the kernel does) but never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield int(sock.getsockname()[1])
    sock.close()


@pytest.fixture
def closed_port() -> int:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def test_hanging_server_times_out(hanging_port: int) -> None:
    result = check_one(f"http://127.0.0.1:{hanging_port}/", opts(timeout=1, retries=0))
    assert result.status is LinkStatus.BROKEN
    assert result.message == "timed out after 1 s"


def test_connection_refused(closed_port: int) -> None:
    result = check_one(f"http://127.0.0.1:{closed_port}/x", opts(retries=1))
    assert (result.status, result.message) == (LinkStatus.BROKEN, "connection refused")


def test_tls_error(server: LocalServer) -> None:
    result = check_one(f"https://127.0.0.1:{server.port}/ok")  # TLS to a plain HTTP server
    assert result.status is LinkStatus.BROKEN
    assert result.message.startswith("TLS error: ")


@pytest.mark.parametrize("allow_private", [False, True])
def test_dns_failure(monkeypatch: pytest.MonkeyPatch, allow_private: bool) -> None:
    """Name lookups are faked: the test must not depend on (or wait for) a real resolver."""
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[object] = []

    def fake_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host == "no-such-host.invalid":
            lookups.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    url = "http://no-such-host.invalid/page"
    result = check_one(url, opts(allow_private=allow_private, retries=3, backoff=5))
    assert result.status is LinkStatus.BROKEN
    assert result.message.startswith("DNS failure: ")
    assert "Name or service not known" in result.message
    assert len(lookups) == 1  # a missing name is not retried


# -- the private-address guard ---------------------------------------------------------------------


def test_private_address_is_skipped_by_default(server: LocalServer) -> None:
    results = check_links(
        [server.url("/ok"), f"http://localhost:{server.port}/ok"], opts(allow_private=False)
    )
    for result in results.values():
        assert result.status is LinkStatus.SKIPPED
        assert "loopback" in result.message
        assert "--allow-private" in result.message
    assert server.hits() == []
    assert LinkCheckOptions().allow_private is False


def test_redirect_hop_is_guarded_again(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A public page redirecting into the private network is refused at that hop."""
    real = guard.address_refusal
    public = ipaddress.ip_address("127.0.0.1")  # pretend the test server is public
    monkeypatch.setattr(guard, "address_refusal", lambda a: None if a == public else real(a))
    server.routes["/jump"] = lambda h: h.redirect(302, "http://169.254.169.254/latest/meta-data/")
    result = check_one(server.url("/jump"), opts(allow_private=False))
    assert result.status is LinkStatus.SKIPPED
    assert "cloud metadata" in result.message
    assert result.final_url == "http://169.254.169.254/latest/meta-data/"
    assert server.hits() == ["HEAD"]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("2002:a00:1::", "private"),
        ("64:ff9b::a9fe:a9fe", "cloud metadata"),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_refusal(address: str, reason: str | None) -> None:
    assert guard.address_refusal(ipaddress.ip_address(address)) == reason


# -- what is fetched at all ----------------------------------------------------------------------


def test_non_http_schemes_are_unchecked() -> None:
    urls = ["mailto:someone@example.org", "ftp://example.org/file", "relative/page.html"]
    results = check_links(urls, opts())
    assert [results[u].status for u in urls] == [LinkStatus.UNCHECKED] * 3
    assert "'mailto'" in results[urls[0]].message


def test_invalid_urls_are_broken() -> None:
    urls = ["http://example.org:99999/", "http:///no-host"]
    results = check_links(urls, opts())
    assert [results[u].status for u in urls] == [LinkStatus.BROKEN] * 2


def test_ignored(server: LocalServer) -> None:
    url = server.url("/ignored/page")
    result = check_one(url, opts(ignore=(r"http://127\.0\.0\.1:\d+/ignored/",)))
    assert result.status is LinkStatus.IGNORED
    assert server.hits() == []


def test_dedupe_fetches_once(server: LocalServer) -> None:
    server.routes["/page"] = lambda h: h.reply(200, page_with("a", "b"))
    base = server.url("/page")
    urls = [f"{base}#a", f"{base}#b", f"{base}#a", base, f"{base}#c"]
    results = check_links(urls, opts())
    assert list(results) == [f"{base}#a", f"{base}#b", base, f"{base}#c"]
    assert server.hits("/page") == ["GET"]
    assert {r.url: r.status for r in results.values()} == {
        f"{base}#a": LinkStatus.OK,
        f"{base}#b": LinkStatus.OK,
        base: LinkStatus.OK,
        f"{base}#c": LinkStatus.ANCHOR_MISSING,
    }
    server.log.clear()
    results = check_links(urls, opts(anchors=False))
    assert server.hits("/page") == ["HEAD"]
    assert all(r.status is LinkStatus.OK for r in results.values())
    assert results[f"{base}#c"].url == f"{base}#c"


def test_per_host_limit(server: LocalServer) -> None:
    @server.route("/slow")
    def slow(h: Handler) -> None:
        with server.lock:
            server.inflight += 1
            server.max_inflight = max(server.max_inflight, server.inflight)
        time.sleep(0.05)  # long enough for requests to overlap; nothing asserts on time
        with server.lock:
            server.inflight -= 1
        h.reply(200)

    urls = [server.url(f"/slow?n={n}") for n in range(12)]
    results = check_links(urls, opts(workers=8, per_host=2))
    assert all(r.status is LinkStatus.OK for r in results.values())
    assert len(server.hits("/slow")) == 12
    assert server.max_inflight <= 2


def test_connections_are_reused(server: LocalServer) -> None:
    """One worker, one pooled session: HEADs, small bodies and redirects share a connection."""
    server.routes["/temp"] = lambda h: h.redirect(302, "/ok")
    server.routes["/nohead"] = lambda h: h.reply(405 if h.command == "HEAD" else 200)
    urls = [server.url(f"/ok?{n}") for n in range(5)] + [
        server.url(p) for p in ("/temp", "/nohead")
    ]
    results = check_links(urls, opts(workers=1))
    assert all(r.status is LinkStatus.OK for r in results.values())
    assert len(server.client_ports) == 9
    assert len(set(server.client_ports)) == 1


def test_rate_limit_holds_back_the_whole_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """After a 429 every request to that host waits; other hosts do not (fake clock)."""
    sleeps, clock = fake_throttle_clock(monkeypatch)
    hosts = throttle.HostThrottle(opts(), clock)
    hosts.hold("busy.example", 7.0)
    with hosts.slot("quiet.example"):
        pass
    assert sleeps == []
    with hosts.slot("busy.example"):
        pass
    assert sleeps == [7.0]
    with hosts.slot("busy.example"):
        pass
    assert sleeps == [7.0]


def test_options_are_validated() -> None:
    with pytest.raises(ValueError):
        LinkCheckOptions(timeout=0)
    with pytest.raises(ValueError):
        LinkCheckOptions(workers=0)


# -- cache ------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_cache_hit_makes_no_request(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/page"] = lambda h: h.reply(200, page_with("a"))
    urls = [server.url("/ok"), server.url("/page#a"), server.url("/missing")]
    cache = DiskCache("test", tmp_path)
    first = check_links(urls, opts(use_cache=True), cache=cache)
    count = len(server.hits())
    second = check_links(urls, opts(use_cache=True), cache=cache)
    assert len(server.hits()) == count
    assert second == first


def test_two_runs_at_once_share_a_cache(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/page"] = lambda h: h.reply(200, page_with("a"))
    urls = [server.url(f"/ok?{n}") for n in range(20)] + [server.url("/page#a")]
    outcomes: list[dict[str, LinkResult]] = []

    def run() -> None:
        outcomes.append(check_links(urls, opts(use_cache=True), cache=DiskCache("t", tmp_path)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2
    assert outcomes[0] == outcomes[1]
    assert all(r.status is LinkStatus.OK for r in outcomes[0].values())
    count = len(server.hits())
    assert check_links(urls, opts(use_cache=True), cache=DiskCache("t", tmp_path)) == outcomes[0]
    assert len(server.hits()) == count


def test_cache_ttl_expiry(server: LocalServer, tmp_path: Path) -> None:
    clock = FakeClock()
    cache = DiskCache("test", tmp_path, clock=clock)
    options = opts(use_cache=True, ttl_ok=100, ttl_broken=10)
    urls = [server.url("/ok"), server.url("/missing")]
    check_links(urls, options, cache=cache)
    assert server.hits("/ok") == ["HEAD"]
    assert server.hits("/missing") == ["HEAD", "GET"]
    clock.now += 50  # the broken result has expired, the good one has not
    check_links(urls, options, cache=cache)
    assert server.hits("/ok") == ["HEAD"]
    assert server.hits("/missing") == ["HEAD", "GET"] * 2
    clock.now += 100
    check_links(urls, options, cache=cache)
    assert server.hits("/ok") == ["HEAD", "HEAD"]


def test_cache_disabled_neither_reads_nor_writes(server: LocalServer, tmp_path: Path) -> None:
    cache = DiskCache("test", tmp_path)
    check_links([server.url("/ok")], opts(use_cache=False), cache=cache)
    check_links([server.url("/ok")], opts(use_cache=False), cache=cache)
    assert server.hits("/ok") == ["HEAD", "HEAD"]
    assert not cache.directory.exists()


def test_cache_refresh_ignores_reads_but_writes(server: LocalServer, tmp_path: Path) -> None:
    cache = DiskCache("test", tmp_path)
    check_links([server.url("/ok")], opts(use_cache=True), cache=cache)
    check_links([server.url("/ok")], opts(use_cache=True, refresh=True), cache=cache)
    assert server.hits("/ok") == ["HEAD", "HEAD"]
    server.routes["/ok"] = lambda h: h.reply(404)  # refreshed entry is what later runs see
    check_links([server.url("/ok")], opts(use_cache=True, refresh=True), cache=cache)
    result = check_links([server.url("/ok")], opts(use_cache=True), cache=cache)
    assert result[server.url("/ok")].status is LinkStatus.BROKEN
    assert server.hits("/ok") == ["HEAD", "HEAD", "HEAD", "GET"]


def test_cache_is_scoped_by_result_changing_options(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/moved"] = lambda h: h.redirect(301, "/ok")
    cache = DiskCache("test", tmp_path)
    url = server.url("/moved")
    assert check_links([url], opts(use_cache=True), cache=cache)[url].status is (
        LinkStatus.REDIRECTED
    )
    allowed = opts(use_cache=True, allowed_redirects=((".*", ".*"),))
    assert check_links([url], allowed, cache=cache)[url].status is LinkStatus.OK


def test_skipped_results_are_not_cached(server: LocalServer, tmp_path: Path) -> None:
    cache = DiskCache("test", tmp_path)
    url = server.url("/ok")
    check_links([url], opts(use_cache=True, allow_private=False), cache=cache)
    assert not cache.directory.exists()


def test_corrupted_cache_entry_is_a_miss(server: LocalServer, tmp_path: Path) -> None:
    cache = DiskCache("test", tmp_path)
    url = server.url("/ok")
    check_links([url], opts(use_cache=True), cache=cache)
    [entry] = [p for p in cache.directory.rglob("*") if p.is_file()]
    entry.write_bytes(entry.read_bytes()[:-7])
    result = check_links([url], opts(use_cache=True), cache=cache)[url]
    assert result.status is LinkStatus.OK
    assert server.hits("/ok") == ["HEAD", "HEAD"]


def test_unexpected_cache_record_is_a_miss(server: LocalServer, tmp_path: Path) -> None:
    cache = DiskCache("test", tmp_path)
    url = server.url("/ok")
    check_links([url], opts(use_cache=True), cache=cache)
    [entry] = [p for p in cache.directory.rglob("*") if p.is_file()]
    results = ResultCache(opts(use_cache=True), cache)
    cache.put(results.key(url, None), ("no-such-status", "x", None, None))
    assert cache.path_for(results.key(url, None)) == entry
    assert check_links([url], opts(use_cache=True), cache=cache)[url].status is LinkStatus.OK
    assert server.hits("/ok") == ["HEAD", "HEAD"]


# -- a machine without a network ---------------------------------------------------------------


class FakeResolver:
    """socket.getaddrinfo for the test: names ending in one of *failing* do not resolve, names
    in *answers* resolve to the address given, everything else goes to the real resolver
    (which only ever sees 127.0.0.1 and localhost here). Records every lookup."""

    def __init__(
        self, failing: tuple[str, ...] = (), answers: dict[str, str] | None = None
    ) -> None:
        self.failing = failing
        self.answers = answers or {}
        self.lookups: list[str] = []
        self.lock = threading.Lock()
        self.real = socket.getaddrinfo

    def __call__(self, host: object, port: object, *args: object, **kwargs: object) -> object:
        name = str(host)
        with self.lock:
            self.lookups.append(name)
        if name in self.answers:
            address = self.answers[name]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        if name.endswith(self.failing):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.real(host, port, *args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> FakeResolver:
    fake = FakeResolver(failing=(".example.net",))
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


def pages(hosts: int, per_host: int = 3) -> list[str]:
    """URLs in sorted order, as the tree gives them: every page of a host together."""
    return [f"https://h{h:02}.example.net/p{p}" for h in range(hosts) for p in range(per_host)]


def test_offline_machine_raises_once_after_the_first_hosts(resolver: FakeResolver) -> None:
    """No host resolves: one NetworkUnreachable after OFFLINE_AFTER_HOSTS distinct names,
    not 60 broken links; the pages are taken host by host, so those are the first lookups."""
    urls = pages(20)
    with pytest.raises(NetworkUnreachable) as raised:
        check_links(urls, opts(workers=1))
    expected = tuple(f"h{h:02}.example.net" for h in range(OFFLINE_AFTER_HOSTS))
    assert raised.value.hosts == expected
    assert raised.value.pages == 60
    assert resolver.lookups == list(expected)


def test_offline_run_stops_early_with_many_workers(resolver: FakeResolver) -> None:
    started = time.monotonic()
    with pytest.raises(NetworkUnreachable) as raised:
        check_links(pages(40, per_host=10), opts(workers=8))
    assert time.monotonic() - started < 5
    assert len(raised.value.hosts) >= OFFLINE_AFTER_HOSTS
    assert len(resolver.lookups) <= OFFLINE_AFTER_HOSTS + 8  # of 400 pages
    assert len(set(resolver.lookups)) == len(resolver.lookups)  # one page of each host first


def test_offline_despite_private_answers_and_a_local_server(
    resolver: FakeResolver, server: LocalServer
) -> None:
    """/etc/hosts or a captive resolver answer some names with private addresses: that is
    no network either (the sandbox resolves pypi.org to 203.0.113.80)."""
    resolver.answers = {"pypi.org": "203.0.113.80", "intranet.corp.com": "10.1.2.3"}
    urls = [server.url("/ok"), "https://pypi.org/p", "https://intranet.corp.com/", *pages(8)]
    with pytest.raises(NetworkUnreachable):
        check_links(urls, opts(workers=1, allow_private=False))
    assert server.hits() == []  # the guard refused loopback before the network was judged


def test_one_public_answer_means_the_failures_are_the_links(
    resolver: FakeResolver, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Near miss: a name resolved to a public address, so the network works and the dead
    names are broken links, each named as before."""
    real = guard.address_refusal
    public = ipaddress.ip_address("127.0.0.1")  # pretend the test server is public
    monkeypatch.setattr(guard, "address_refusal", lambda a: None if a == public else real(a))
    resolver.answers = {"mirror.example.org": "127.0.0.1"}
    mirror = f"http://mirror.example.org:{server.port}/ok"
    results = check_links([mirror, *pages(12, per_host=1)], opts(workers=1, allow_private=False))
    assert results[mirror].status is LinkStatus.OK
    broken = [r for url, r in results.items() if url != mirror]
    assert len(broken) == 12
    assert all(r.status is LinkStatus.BROKEN for r in broken)
    assert broken[0].message == "DNS failure: h00.example.net: Name or service not known"


def test_placeholder_names_say_nothing_about_the_network(resolver: FakeResolver) -> None:
    """Near miss: 'controller', '.example', '.test', '.invalid', '.local' and '.internal'
    names fail on any machine; however many, they are broken links, not an offline one."""
    resolver.failing = ("",)  # nothing resolves
    names = [f"controller{n}" for n in range(8)]
    names += [f"h{n}.{tld}" for n in range(2) for tld in ("example", "test", "invalid", "local")]
    names += ["node.internal", "nas.home.arpa", "router.lan"]
    urls = [f"http://{name}:5000/v3" for name in names]
    results = check_links(urls, opts(workers=1, allow_private=True))
    assert [r.status for r in results.values()] == [LinkStatus.BROKEN] * len(urls)
    assert all(r.message.startswith("DNS failure: ") for r in results.values())


def test_a_few_failing_names_are_broken_links_with_a_warning(
    resolver: FakeResolver, caplog: pytest.LogCaptureFixture
) -> None:
    """Near miss: fewer public names than OFFLINE_AFTER_HOSTS, none resolving: they may be
    dead or the machine offline, so each is reported, and one warning says the doubt."""
    urls = pages(3, per_host=2)
    with caplog.at_level("WARNING", logger="novadoclint.links.checker"):
        results = check_links(urls, opts(workers=2))
    assert all(r.status is LinkStatus.BROKEN for r in results.values())
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith(
        "link check: no host name resolved (h00.example.net, h01.example.net, h02.example.net)"
    )
    assert "offline" in warning


def test_dns_failures_are_not_cached(resolver: FakeResolver, tmp_path: Path) -> None:
    """A DNS failure may be the machine's: the next run asks again (a 404 stays cached)."""
    cache = DiskCache("test", tmp_path)
    url = "https://h00.example.net/p0"
    for _ in range(2):
        assert check_links([url], opts(use_cache=True), cache=cache)[url].status is (
            LinkStatus.BROKEN
        )
    assert resolver.lookups == ["h00.example.net"] * 2
    assert not cache.directory.exists()


def test_pages_are_taken_host_by_host() -> None:
    """The first hosts' first pages in turn (the first lookups name distinct hosts), then
    the host with the most pages left; each host's pages in order."""
    todo: dict[str, frozenset[str | None]] = {
        url: frozenset({None})
        for url in [
            "https://a.org/1",
            "https://a.org/2",
            "https://a.org/3",
            "https://b.org/1",
            "http://C.org:8080/1",
            "https://c.org/2",
        ]
    }
    clock = RunClock()
    hosts = throttle.HostThrottle(opts(per_host=1), clock)
    tasks = schedule.HostScheduler(todo, checker.host_of, hosts, clock, OFFLINE_AFTER_HOSTS)
    taken = []
    while (job := tasks.take()) is not None:
        taken.append(job.fetch_url)
        tasks.finish(job)
    assert taken == [
        "https://a.org/1",
        "https://b.org/1",
        "http://C.org:8080/1",
        "https://a.org/2",
        "https://a.org/3",
        "https://c.org/2",
    ]


def test_a_busy_host_does_not_hold_back_the_others() -> None:
    """Near miss of the above: while a.org's one slot is busy, its next page waits and the
    other hosts' pages are taken; a.org's comes once its slot is free."""
    todo: dict[str, frozenset[str | None]] = {
        url: frozenset({None})
        for url in ["https://a.org/1", "https://a.org/2", "https://b.org/1", "https://b.org/2"]
    }
    clock = RunClock()
    tasks = schedule.HostScheduler(
        todo, checker.host_of, throttle.HostThrottle(opts(per_host=1), clock), clock
    )
    first = tasks.take()
    assert first is not None and first.fetch_url == "https://a.org/1"
    second = tasks.take()
    assert second is not None and second.fetch_url == "https://b.org/1"
    tasks.finish(second)
    third = tasks.take()
    assert third is not None and third.fetch_url == "https://b.org/2"
    tasks.finish(first)
    fourth = tasks.take()
    assert fourth is not None and fourth.fetch_url == "https://a.org/2"
    tasks.finish(third)
    tasks.finish(fourth)
    assert tasks.take() is None


@pytest.mark.parametrize(
    ("host", "public"),
    [
        ("docs.openstack.org", True),
        ("pypi.org", True),
        ("xn--bcher-kva.example.com", True),
        ("localhost", False),
        ("controller", False),
        ("docs.example", False),
        ("a.b.test", False),
        ("x.invalid", False),
        ("printer.local", False),
        ("nas.home.arpa", False),
        ("10.0.0.1", False),
        ("::1", False),
    ],
)
def test_public_name(host: str, public: bool) -> None:
    assert guard.public_name(host) is public


def test_progress_is_reported_per_page_and_host(server: LocalServer) -> None:
    seen: list[LinkProgress] = []
    urls = [server.url("/ok"), server.url("/ok#x"), server.url("/missing")]
    urls.append(f"http://localhost:{server.port}/ok")
    check_links(urls, opts(retries=0), progress=seen.append)
    assert seen[0] == LinkProgress(0, 3, hosts_total=2)
    assert [p.done for p in seen] == [0, 1, 2, 3]
    assert seen[-1].hosts_done == 2 and seen[-1].hosts_total == 2
    by_host = {p.host: (p.host_done, p.host_total) for p in seen[1:]}
    assert by_host == {"127.0.0.1": (2, 2), "localhost": (1, 1)}


def test_no_progress_for_cached_or_network_free_links(server: LocalServer) -> None:
    seen: list[LinkProgress] = []
    check_links(["mailto:a@b.org", "ftp://x.org/"], opts(), progress=seen.append)
    assert seen == [LinkProgress(0, 0)]


@pytest.mark.parametrize(
    ("addresses", "allow_private", "evidence"),
    [
        (["93.184.216.34"], False, True),
        (["2606:2800:220:1::1"], False, True),
        (["127.0.0.1", "93.184.216.34"], False, True),
        (["10.1.2.3"], False, False),  # the guard refuses it: no sign the internet is there
        (["10.1.2.3"], True, True),  # an intranet's DNS answered, and its hosts are wanted
        (["192.168.1.10"], True, True),
        (["fd12::1"], True, True),
        (["127.0.0.1"], True, False),  # /etc/hosts answers without a network
        (["::1"], True, False),
        (["203.0.113.80"], True, False),  # a sandbox resolver's answer for every name
        (["169.254.169.254"], True, False),
    ],
)
def test_network_evidence(addresses: list[str], allow_private: bool, evidence: bool) -> None:
    assert guard.network_evidence(addresses, allow_private=allow_private) is evidence
