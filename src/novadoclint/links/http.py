"""The HTTP core of the link check: one request chain, sent and read the careful way.

* ONE parse decides everything about a hop: the URL is prepared once (as requests sends it,
  :func:`~novadoclint.links.syntax.read_target`) and the host that the address guard checks,
  the configured headers are chosen for, the politeness slot is keyed by and the connection
  goes to all come from that one reading.
* Redirects are followed by hand (at most :data:`MAX_REDIRECTS` hops): every hop passes the
  address guard again, gets the headers configured for ITS host, and never carries userinfo
  (``user:password@``) to it.
* Each hop's request has ``timeout`` in all (:mod:`.deadline`), and its connection goes only
  to the addresses the guard approved (:func:`~novadoclint.links.guard.connect_pinned`).
* Bodies are read raw and decoded by :mod:`.bodies`, bounded; a body that is not needed is
  drained (up to 64 KB) for connection reuse or dropped.
* Connections are kept alive and reused per host by every worker thread: one adapter (one
  urllib3 pool manager, thread-safe) per run, a pool of up to ``per_host`` connections per
  host, the :data:`POOLS` most recently used hosts kept. A pooled connection goes to an
  address the guard approved for its host name when it was opened, and every request is
  approved again before it is sent, so reuse loosens nothing the guard decides.
* How each answer came (its time, a 429, a 503, a time-out) is told to :mod:`.throttle`,
  which adapts the host's limit.
* Nothing from the environment is used: no ``~/.netrc`` credentials, no proxy variables
  (requests' Session, which reads them, is not used; requests are sent by an adapter).

What is retried, and how the last answer is judged, is the coordinator's
(:mod:`.checker`); this module sends.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urljoin, urlsplit

from novadoclint.links.anchors import scan_anchors
from novadoclint.links.bodies import Undecodable, release
from novadoclint.links.deadline import (
    DeadlineSocket,
    RequestDeadline,
    RunClock,
    request_deadline,
)
from novadoclint.links.guard import AddressGuard, connect_pinned
from novadoclint.links.options import LinkCheckOptions
from novadoclint.links.outcome import (
    LinkStatus,
    RedirectTrouble,
    Verdict,
    seconds_text,
    short_error,
    status_text,
)
from novadoclint.links.syntax import (
    FETCHED_SCHEMES,
    Target,
    read_target,
    redact,
    without_userinfo,
)
from novadoclint.links.throttle import HostThrottle

if TYPE_CHECKING:
    import requests
    import requests.adapters
    import requests.utils
    from urllib3.connection import HTTPConnection
else:

    class _Requests(ModuleType):
        """requests, imported on first use: every lint run imports this module, few fetch.

        (requests and urllib3 cost ~0.1 s at start-up, a quarter of a warm run.)
        """

        def __getattr__(self, name: str) -> Any:
            import requests
            import requests.adapters
            import requests.utils

            return getattr(requests, name)

    requests = _Requests("requests")

_Connection = TypeVar("_Connection", bound="HTTPConnection")

__all__ = [
    "MAX_REDIRECTS",
    "POOLS",
    "Failure",
    "Fetch",
    "HeaderTable",
    "HttpClient",
    "status_text",
]

#: Redirect hops followed before giving up, as a browser would, on loops and endless chains.
MAX_REDIRECTS = 10
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PERMANENT_CODES = frozenset({301, 308})
#: Sphinx's linkcheck sends the same Accept header; some servers answer differently without it.
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
#: Only what :mod:`.bodies` can decompress itself, incrementally and bounded.
ACCEPT_ENCODING = "gzip, deflate"
#: Hosts whose idle connections are kept for reuse (the least recently used pool is closed).
POOLS = 64


@dataclass(frozen=True, slots=True)
class Failure:
    """A request exception, described for people and classified for the retry policy.

    *transient*: another attempt may succeed. *host_level*: the host itself is unreachable or
    unusable (DNS, refused, time-out, TLS), so switching from ``HEAD`` to ``GET`` cannot help.
    """

    message: str
    transient: bool
    host_level: bool


@dataclass(frozen=True, slots=True)
class Fetch:
    """The last response of a redirect chain, plus what the anchor search found in it."""

    code: int
    reason: str
    final_url: str
    redirected: bool
    permanent_code: int | None
    found: frozenset[str] = frozenset()
    scanned: int = 0
    truncated: bool = False
    not_scanned: str = ""


@dataclass(frozen=True, slots=True)
class HeaderRule:
    scheme: str
    host: str
    port: int
    path: str
    headers: tuple[tuple[str, str], ...]


class HeaderTable:
    """Chooses the configured headers for one request (re-evaluated at every hop).

    A prefix matches only the same scheme, host and port, so a prefix for
    ``https://example.com`` never matches ``https://example.com.evil.net`` or another port.
    Prefixes and requests are read by the same parser (:func:`.syntax.read_target`).
    """

    def __init__(self, spec: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]) -> None:
        rules: list[HeaderRule] = []
        self._star: tuple[tuple[str, str], ...] | None = None
        for prefix, headers in spec:
            if prefix == "*":
                self._star = tuple(headers)
                continue
            scheme = urlsplit(prefix).scheme.lower()
            if scheme not in FETCHED_SCHEMES:
                raise ValueError(
                    f"linkcheck headers: {prefix!r} is neither '*' nor an http(s) URL prefix"
                )
            try:
                target = read_target(prefix)
            except Verdict as exc:
                raise ValueError(f"linkcheck headers: {prefix!r}: {exc.message}") from None
            path = urlsplit(prefix).path and target.path
            rules.append(HeaderRule(target.scheme, target.host, target.port, path, tuple(headers)))
        rules.sort(key=lambda rule: len(rule.path), reverse=True)
        self._rules = tuple(rules)

    def for_target(self, target: Target) -> dict[str, str]:
        for rule in self._rules:
            if (
                rule.scheme == target.scheme
                and rule.host == target.host
                and rule.port == target.port
                and target.path.startswith(rule.path)
            ):
                return dict(rule.headers)
        return dict(self._star or ())

    def for_url(self, url: str) -> dict[str, str]:
        """The headers for *url* (tests and callers without a prepared target)."""
        return self.for_target(read_target(url))


class HttpClient:
    """Sends one run's requests through one pooled adapter that all worker threads share;
    every hop goes through the guard and the host's throttle."""

    def __init__(
        self,
        options: LinkCheckOptions,
        clock: RunClock,
        guard: AddressGuard,
        throttle: HostThrottle,
    ) -> None:
        self._options = options
        self._clock = clock
        self._guard = guard
        self._throttle = throttle
        self._headers = HeaderTable(options.headers)
        self._connect_timeout = min(options.timeout, 10.0)
        self._adapter_lock = threading.Lock()
        self._shared: requests.adapters.HTTPAdapter | None = None

    def close(self) -> None:
        """Close the run's pooled connections (its workers are done)."""
        with self._adapter_lock:
            adapter, self._shared = self._shared, None
        if adapter is not None:
            adapter.close()

    def follow(self, method: str, url: str, wanted: frozenset[str]) -> Fetch:
        """Send *method* to *url*, following redirects by hand.

        Each hop is read once (:func:`.syntax.read_target`); the guard,
        the headers, the host slot and the connection use that reading. Hops after the
        first carry no userinfo. Each hop's request has ``timeout`` in all, counted once it
        holds its host slot (waiting for a busy host is not the request's fault).
        """
        chain: list[str] = []
        current = url
        permanent_code: int | None = None
        while True:
            where = f"redirect to {redact(current)}: " if chain else ""
            try:
                target = read_target(current, where)
            except Verdict as final:
                final.final_url = current if chain else None
                raise
            chain.append(target.url)
            host_key, approved = self._guard.approve(target, where, redirected=len(chain) > 1)
            with self._throttle.slot(host_key, target.host):
                self._throttle.check_breaker(host_key, target)
                ends = min(time.monotonic() + self._options.timeout, self._clock.ends)
                hop = RequestDeadline(ends, self._clock.stop, target.host, approved)
                with request_deadline(hop):
                    response = self._send(method, target, host_key, ends)
                    try:
                        location = self._redirect_target(response, target.url)
                        if location is None:
                            return self._summarise(method, response, chain, permanent_code, wanted)
                    finally:
                        release(response)
            if permanent_code is None and response.status_code in PERMANENT_CODES:
                permanent_code = response.status_code
            if len(chain) > MAX_REDIRECTS:
                if location in chain:
                    cycle = [*chain[chain.index(location) :], location]
                    message = "redirect loop: " + " -> ".join(cycle)
                else:
                    message = f"too many redirects (more than {MAX_REDIRECTS})"
                raise RedirectTrouble(LinkStatus.BROKEN, message, final_url=location)
            current = location

    def _send(self, method: str, target: Target, host_key: str, ends: float) -> requests.Response:
        """One request, no redirects followed; records a 429's Retry-After for the host.

        Sent by an adapter, not a Session: no cookies, no netrc, no proxy from the
        environment, and no Session redirect machinery reading bodies.
        """
        request = requests.PreparedRequest()
        headers = {
            "User-Agent": self._options.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
            **self._headers.for_target(target),
        }
        request.prepare(method=method, url=target.url, headers=headers)
        if request.url != target.url:  # what is sent must be what was checked
            raise Verdict(LinkStatus.BROKEN, f"ambiguous URL: {redact(target.url)}")
        started = time.monotonic()
        remaining = max(0.01, ends - started)
        try:
            response = self._adapter().send(
                request,
                stream=True,
                timeout=(min(self._connect_timeout, remaining), remaining),
                verify=True,
                proxies={},
            )
        except (requests.RequestException, OSError) as exc:
            failure = self.describe(exc)  # time-outs and refusals, not TLS or bad requests
            self._throttle.count(host_key, failure.transient and failure.host_level)
            if failure.message.startswith("timed out"):
                self._throttle.pushed_back(host_key, started)
            raise
        self._throttle.count(host_key, False)
        code = response.status_code
        if code == 429:
            self._throttle.note_rate_limit(host_key, response.headers.get("Retry-After"))
        elif code == 503:
            self._throttle.note_unavailable(host_key, response.headers.get("Retry-After"))
        if code in (429, 503):
            self._throttle.pushed_back(host_key, started)
        else:
            self._throttle.answered(host_key, started, time.monotonic() - started)
        return response

    def _redirect_target(self, response: requests.Response, current: str) -> str | None:
        if response.status_code not in REDIRECT_CODES:
            return None
        location = response.headers.get("Location")
        if not location:
            return None
        with contextlib.suppress(UnicodeError):  # as requests does: servers send UTF-8 raw
            location = location.encode("latin1").decode("utf-8")
        try:
            target = requests.utils.requote_uri(urljoin(current, location))
            target = without_userinfo(target.partition("#")[0])
        except ValueError as exc:  # e.g. a malformed IPv6 host in Location
            message = f"invalid redirect location {location!r}: {exc}"
            raise Verdict(LinkStatus.BROKEN, message, code=response.status_code) from exc
        return target

    def _summarise(
        self,
        method: str,
        response: requests.Response,
        chain: list[str],
        permanent_code: int | None,
        wanted: frozenset[str],
    ) -> Fetch:
        fetch = Fetch(
            code=response.status_code,
            reason=response.reason or "",
            final_url=chain[-1],
            redirected=len(chain) > 1,
            permanent_code=permanent_code,
        )
        if method != "GET" or not wanted or not 200 <= response.status_code < 300:
            return fetch
        content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if content_type and "html" not in content_type and "xml" not in content_type:
            return dataclasses.replace(fetch, not_scanned=f"content type {content_type}")
        try:
            found, scanned, truncated = scan_anchors(response, wanted, self._options.max_body)
        except Undecodable as exc:
            return dataclasses.replace(fetch, not_scanned=str(exc))
        return dataclasses.replace(fetch, found=found, scanned=scanned, truncated=truncated)

    def _adapter(self) -> requests.adapters.HTTPAdapter:
        """The run's adapter: pooled connections per host, whose reads obey the deadline of
        the thread reading (a host's requests at a time never exceed ``per_host``, so
        neither do its pool's connections)."""
        with self._adapter_lock:
            if self._shared is None:
                self._shared = adapter_class()(
                    pool_connections=POOLS, pool_maxsize=self._options.per_host, max_retries=0
                )
            return self._shared

    def describe(self, exc: BaseException) -> Failure:
        """Name the reason a request failed, as the broken-link message will show it."""
        chain = list(exception_chain(exc))
        for item in chain:
            if isinstance(item, (requests.exceptions.SSLError, ssl.SSLError)):
                inner = [e for e in chain if isinstance(e, ssl.SSLError)]
                message = f"TLS error: {short_error(inner[-1] if inner else item)}"
                return Failure(message, False, True)
        for item in chain:
            if isinstance(item, socket.gaierror) or type(item).__name__ == "NameResolutionError":
                detail = item.strerror if isinstance(item, socket.gaierror) else None
                return Failure(f"DNS failure: {detail or short_error(item)}", False, True)
        for item in chain:
            name = type(item).__name__
            if isinstance(item, requests.ConnectTimeout) or name == "ConnectTimeoutError":
                seconds = seconds_text(self._connect_timeout)
                return Failure(f"timed out after {seconds} s (connecting)", True, True)
        for item in chain:
            if (
                isinstance(item, (requests.Timeout, TimeoutError))
                or "Timeout" in type(item).__name__
            ):
                seconds = seconds_text(self._options.timeout)
                return Failure(f"timed out after {seconds} s", True, True)
        for item in chain:
            if isinstance(item, ConnectionRefusedError) or "Connection refused" in str(item):
                return Failure("connection refused", True, True)
        for item in chain:
            if isinstance(item, ConnectionResetError):
                return Failure("connection reset by peer", True, False)
        if isinstance(exc, ValueError):  # requests' InvalidURL, InvalidHeader, InvalidSchema...
            return Failure(f"invalid request: {short_error(exc)}", False, True)
        return Failure(f"connection error: {short_error(chain[-1])}", True, False)


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """*exc* and everything it wraps: causes, contexts, exception args, urllib3 ``reason``."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested: list[object] = [current.__cause__, current.__context__, *current.args]
        nested.append(getattr(current, "reason", None))
        todo.extend(item for item in nested if isinstance(item, BaseException))


@functools.cache
def adapter_class() -> type[requests.adapters.HTTPAdapter]:
    """An HTTPAdapter whose connections go to the guarded addresses and read through
    :class:`~novadoclint.links.deadline.DeadlineSocket` (built lazily: urllib3 is imported
    only to fetch)."""
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    def obeying(base: type[_Connection]) -> type[_Connection]:
        """*base* whose sockets go to the approved addresses and read within the deadline."""

        def _new_conn(self: HTTPConnection) -> socket.socket:
            return connect_pinned(self, functools.partial(base._new_conn, self))

        def connect(self: HTTPConnection) -> None:
            base.connect(self)
            self.sock = DeadlineSocket(self.sock)

        made = type(
            f"Deadline{base.__name__}", (base,), {"_new_conn": _new_conn, "connect": connect}
        )
        return cast("type[_Connection]", made)

    class DeadlineHTTPPool(HTTPConnectionPool):
        ConnectionCls = obeying(HTTPConnection)

    class DeadlineHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = obeying(HTTPSConnection)

    class DeadlineAdapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": DeadlineHTTPPool,
                "https": DeadlineHTTPSPool,
            }

    return DeadlineAdapter
