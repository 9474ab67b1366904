"""HTTP link checking as a service: URLs in, typed :class:`LinkResult` values out.

This module reports nothing itself. The network rules are pure functions over its results
(DESIGN.md B1.2), so they can be tested without a network and the slow, polite, threaded part
lives in one place, as Sphinx's ``linkcheck`` builder separates collection from checking.

Every URL and every server answer is hostile input (the check runs on pull requests), so:

* URLs are deduplicated, and the fragment is not part of what is fetched: ``page#a``,
  ``page#b`` and ``page`` cost one request, and each anchor is still judged on its own.
* ONE parse decides everything about a hop: the URL is prepared once (as requests sends it)
  and the host that the address guard checks, the configured headers are chosen for, the
  politeness slot is keyed by and the connection goes to all come from that one reading. A
  URL that Python's ``urlsplit`` and urllib3 read differently (``http://a\\@b/``) is never
  fetched: :func:`authority_ambiguity` names it and the offline rule reports it.
* ``HEAD`` first, because it is cheap; any unsuccessful ``HEAD`` falls back to ``GET`` at
  least once (whatever the retry count), because many servers handle ``HEAD`` badly. Anchor
  checks need the body, so they ``GET`` directly.
* Redirects are followed by hand (at most :data:`MAX_REDIRECTS` hops): every hop passes the
  private-address guard again, gets the headers configured for ITS host, and never carries
  userinfo (``user:password@``) to it.
* Time is bounded: ``timeout`` is a total deadline for one request (connect, headers, body;
  each redirect hop is a request), enforced on every socket read, and the whole run has a
  deadline too; links left when it passes are "not checked". A host that fails
  ``host_failures`` times in a row (time-outs, refused connections) is not asked again in
  this run. Worker threads are daemons that stop within a fraction of a second of Ctrl-C.
* Memory is bounded: bodies are read raw and decompressed by this module, incrementally, so
  ``max_body`` limits the DECODED bytes (a 2 KB gzip-of-gzip is gigabytes decoded); a body
  only drained for connection reuse is read raw, up to 64 KB. Only text encodings decode it.
* Transient failures (time-outs, connection errors, 5xx, 429) are retried with capped
  exponential backoff and jitter. A 429 ``Retry-After`` (capped) holds back every request to
  that host.
* Concurrency is bounded globally (``workers`` threads, each with its own connection pool) and
  per host, keyed by the address the host name resolves to, so many names for one server
  share its slots.
* By default nothing on loopback, private, link-local, reserved, multicast or cloud-metadata
  addresses is contacted. ``allow_private`` (``--allow-private``) lifts this. The check
  resolves the host name itself just before each request (within ``timeout``: a resolver
  can hang) and the connection goes to the addresses it approved, never to a second DNS
  answer, so a name that rebinds to a private address after the check is not followed.
* Nothing from the environment is used: no ``~/.netrc`` credentials, no proxy variables
  (requests' Session, which reads them, is not used; requests are sent by an adapter).
* Passwords in URLs are shown and stored as ``***`` (:func:`redact`); cache keys are hashed.
* Results can be cached in a :class:`~novadoclint.cache.DiskCache` with a lifetime per
  outcome, so a re-run makes no requests for links already known. A DNS failure is not
  cached: it may be the machine's, not the link's.
* A machine without a network is told apart from a tree of broken links: when the first
  :data:`OFFLINE_AFTER_HOSTS` distinct public host names looked up all fail and no name has
  resolved to a public address (or, with ``allow_private``, a private-use one), the run
  stops and :class:`NetworkUnreachable` is raised,
  rather than every link being reported broken. Pages are taken host by host in turn, so
  those are the first lookups. The callback *progress* hears of every finished page.

All state (connection pools, semaphores, rate-limit clocks) lives in a checker object created
for one :func:`check_links` call; the module holds only the per-thread deadline of the request
in flight.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import email.utils
import enum
import functools
import hashlib
import http
import io
import ipaddress
import logging
import math
import queue
import random
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from novadoclint import __version__, about, saferegex
from novadoclint.cache import DiskCache

if TYPE_CHECKING:
    import requests
    import requests.adapters
    import requests.utils
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

__all__ = [
    "DEFAULT_USER_AGENT",
    "MAX_REDIRECTS",
    "MAX_RETRIES",
    "MAX_RETRY_AFTER",
    "MAX_RUN_TIMEOUT",
    "MAX_TIMEOUT",
    "OFFLINE_AFTER_HOSTS",
    "LinkCheckOptions",
    "LinkProgress",
    "LinkResult",
    "LinkStatus",
    "NetworkUnreachable",
    "authority_ambiguity",
    "check_links",
    "redact",
]

_log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = f"novadoclint/{__version__} (+{about.HOMEPAGE}; link checker)"
#: Redirect hops followed before giving up, as a browser would, on loops and endless chains.
MAX_REDIRECTS = 10
#: Upper bounds of the options (conf.py's values are clamped to them, not refused).
MAX_TIMEOUT = 120.0
MAX_RETRIES = 5
MAX_RETRY_AFTER = 300.0
MAX_BACKOFF = 10.0
MAX_RUN_TIMEOUT = 3 * 3600.0
MAX_WORKERS = 64
#: One backoff pause never exceeds this, however many failures came before.
_MAX_PAUSE = 60.0
#: The derived run deadline lies between these (see :meth:`_Checker.run_deadline`).
_MIN_DERIVED_RUN = 120.0
_MAX_DERIVED_RUN = 1800.0
#: A blocking socket read waits at most this long before the deadline and Ctrl-C are checked.
_READ_SLICE = 0.25
#: Distinct public host names whose lookups all failed, none resolving, that mean "offline".
OFFLINE_AFTER_HOSTS = 8
#: Top-level names no public host has (RFC 2606, 6761, 6762, 8375; common private ones):
#: a lookup failing for them says nothing about the network.
_PRIVATE_TLDS = frozenset(
    {"example", "invalid", "test", "localhost", "local", "internal", "lan", "localdomain"}
)

_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_CODES = frozenset({301, 308})
_CHUNK_SIZE = 64 * 1024
#: A body is drained (raw, undecoded) up to this size so its connection can be reused.
_DRAIN_LIMIT = 64 * 1024
#: Unparsed markup (an unclosed tag) the anchor scan accepts before giving up on the page.
_MAX_PENDING_MARKUP = 1_000_000
#: Sphinx's linkcheck sends the same Accept header; some servers answer differently without it.
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
#: Only what this module can decompress itself, incrementally and bounded.
_ACCEPT_ENCODING = "gzip, deflate"
_INFLATE_WBITS = 32 + zlib.MAX_WBITS  # zlib or gzip header, detected
#: Bumped when the cached record shape or its meaning changes.
_CACHE_RECORD = "linkresult-2"
_METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: Where an intranet's hosts live (RFC 1918, RFC 4193).
_PRIVATE_USE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
#: An authority no two URL parsers can read differently: a plain host name or IPv4, a port.
_PLAIN_AUTHORITY = re.compile(r"[A-Za-z0-9._-]+(?::[0-9]{1,5})?\Z")
#: ``scheme://user:password@``: the password is what :func:`redact` hides.
_USERINFO_PASSWORD = re.compile(
    r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s:'\"]*):[^/?#@\s'\"]*@"
)


@dataclass(frozen=True, slots=True)
class LinkCheckOptions:
    """How to check links; the fields mirror Sphinx's ``linkcheck_*`` settings where one exists.

    Regexes (``ignore``, ``anchors_ignore``, ``allowed_redirects``) are applied with
    ``re.match``, as Sphinx does, so they are anchored at the start; they come from the
    tree, so they run through :mod:`novadoclint.saferegex` (a pattern that times out no
    longer matches, and is logged once). ``headers`` maps a URL
    prefix (scheme, host, port and a path prefix) or ``'*'`` to request headers; the most
    specific matching prefix wins and entries are not merged, as in Sphinx. Lifetimes are in
    seconds.

    ``timeout`` is the TOTAL time one request may take (connecting, headers and body; each
    redirect hop is a request of its own), at most :data:`MAX_TIMEOUT` (120 s). ``retries``
    (after the first attempt) is at most :data:`MAX_RETRIES` (5); a failed ``HEAD`` is
    always followed by one ``GET`` however few retries are allowed. ``backoff`` is the base
    delay of the exponential retry backoff (at most :data:`MAX_BACKOFF`, 10 s; one pause at
    most 60 s), and ``max_retry_after`` caps how long a ``Retry-After`` is obeyed at a time
    (at most :data:`MAX_RETRY_AFTER`, 300 s). ``run_timeout`` bounds the whole run (``None``:
    derived from the number of pages, ``timeout``, ``retries`` and ``workers``, between 2
    and 30 minutes; at most :data:`MAX_RUN_TIMEOUT`, 3 hours). After ``host_failures``
    time-outs or refused connections in a row, a host's remaining links are not fetched.
    Larger values are clamped to these caps, silently: a conf.py written for Sphinx must
    still work.
    """

    timeout: float = 15.0
    retries: int = 2
    backoff: float = 0.5
    max_retry_after: float = 60.0
    run_timeout: float | None = None
    host_failures: int = 3
    workers: int = 8
    per_host: int = 2
    headers: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    ignore: tuple[str, ...] = ()
    anchors: bool = True
    anchors_ignore: tuple[str, ...] = ("^!",)
    allowed_redirects: tuple[tuple[str, str], ...] = ()
    allow_private: bool = False
    max_body: int = 5_000_000
    user_agent: str = DEFAULT_USER_AGENT
    use_cache: bool = True
    refresh: bool = False
    ttl_ok: float = 86400.0
    ttl_broken: float = 3600.0
    ttl_redirected: float = 86400.0

    def __post_init__(self) -> None:
        """Reject values that would hang or do nothing; clamp those that would wait too long."""
        if not self.timeout > 0:  # also NaN
            raise ValueError(f"timeout must be positive, not {self.timeout!r}")
        if self.retries < 0:
            raise ValueError(f"retries must be zero or more, not {self.retries!r}")
        if not (self.backoff >= 0 and self.max_retry_after >= 0):
            raise ValueError("backoff and max_retry_after must not be negative")
        if self.run_timeout is not None and not self.run_timeout > 0:
            raise ValueError(f"run_timeout must be positive, not {self.run_timeout!r}")
        if self.workers < 1 or self.per_host < 1 or self.host_failures < 1:
            raise ValueError("workers, per_host and host_failures must be at least 1")
        if self.max_body < 0:
            raise ValueError(f"max_body must not be negative, not {self.max_body!r}")
        caps: dict[str, float | int] = {
            "timeout": MAX_TIMEOUT,
            "retries": MAX_RETRIES,
            "backoff": MAX_BACKOFF,
            "max_retry_after": MAX_RETRY_AFTER,
            "workers": MAX_WORKERS,
            "per_host": MAX_WORKERS,
        }
        if self.run_timeout is not None:
            caps["run_timeout"] = MAX_RUN_TIMEOUT
        for name, cap in caps.items():
            if getattr(self, name) > cap:
                object.__setattr__(self, name, cap)


class LinkStatus(str, enum.Enum):
    """The outcome of checking one link. Values are stable: they appear in cached records."""

    OK = "ok"
    BROKEN = "broken"
    REDIRECTED = "redirected"
    ANCHOR_MISSING = "anchor-missing"
    SKIPPED = "skipped"
    IGNORED = "ignored"
    UNCHECKED = "unchecked"


@dataclass(frozen=True, slots=True)
class LinkProgress:
    """How far a check is, after a page (one URL without its fragment) is done.

    *host* is the host name of that page ("" before the first), *host_done* and
    *host_total* count that host's pages; *hosts_done* counts the hosts all of whose pages
    are done.
    """

    done: int
    total: int
    host: str = ""
    host_done: int = 0
    host_total: int = 0
    hosts_done: int = 0
    hosts_total: int = 0


class NetworkUnreachable(Exception):
    """No host name resolves: the machine is offline (or has no DNS), so no link could be
    judged. *hosts* are the public names whose lookups failed, sorted; *pages* is how many
    pages the check had to fetch."""

    def __init__(self, hosts: tuple[str, ...], pages: int) -> None:
        super().__init__(f"no host name resolved ({len(hosts)} tried)")
        self.hosts = hosts
        self.pages = pages


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What is known about *url*: a status, a human reason, the final HTTP code if any, and
    the URL a redirect chain ended at (``None`` when there was no redirect)."""

    url: str
    status: LinkStatus
    message: str
    code: int | None = None
    final_url: str | None = None


def _ttl_for(status: LinkStatus, options: LinkCheckOptions) -> float | None:
    """How long an outcome may be cached; ``None`` for outcomes that are never cached.

    Skipped, ignored and unchecked results are cheap or depend on the environment (DNS, the
    guard, the options), so they are recomputed every run.
    """
    if status is LinkStatus.OK:
        return options.ttl_ok
    if status is LinkStatus.REDIRECTED:
        return options.ttl_redirected
    if status in (LinkStatus.BROKEN, LinkStatus.ANCHOR_MISSING):
        return options.ttl_broken
    return None


def check_links(
    urls: Iterable[str],
    options: LinkCheckOptions,
    *,
    cache: DiskCache | None = None,
    progress: Callable[[LinkProgress], None] | None = None,
) -> dict[str, LinkResult]:
    """Check every distinct URL in *urls*; the result maps each of them, in input order.

    Raises ``ValueError`` only for invalid options (a regex saferegex refuses, a header
    prefix that is not ``'*'`` or an http(s) URL), and :class:`NetworkUnreachable` when
    no host name resolves (see :data:`OFFLINE_AFTER_HOSTS`); problems with links become
    results. *progress*, if given, is called on the calling thread before the first page
    and after each page. Results never contain a URL's password (see :func:`redact`), but
    their ``url`` is the input URL, so callers showing it should redact it too.
    """
    return _Checker(options, cache if options.use_cache else None, progress).run(urls)


def redact(text: str) -> str:
    """*text* with the password of every ``scheme://user:password@`` in it shown as ``***``.

    Documentation may carry credentials in URLs; a report or a cache must not repeat them.
    """
    return _USERINFO_PASSWORD.sub(r"\g<head>:***@", text)


def authority_ambiguity(url: str) -> str | None:
    """Why two URL parsers may connect *url* to different hosts, or ``None``.

    ``urlsplit`` (which a guard or a header table would use) and urllib3 (which requests
    connects with) disagree on some authorities: for ``http://a\\@b/`` the first reads host
    ``b``, the second host ``a``. Such a URL cannot be checked safely, so it is refused.
    Only URLs of the ``scheme://authority`` form are judged; plain ones are answered without
    importing urllib3.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if _PLAIN_AUTHORITY.match(authority):
        return None
    if "\\" in authority:
        return "a backslash in the host part (URL parsers disagree on which host it names)"
    try:
        split = urlsplit(url)
        split_port = split.port
    except ValueError:
        return None  # not a URL anyone connects to: other checks name the problem
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        parsed = parse_url(url)
    except LocationParseError:
        return "a host part URL parsers read differently"
    host = split.hostname or ""
    try:
        # urlsplit's host, normalised by urllib3's own rules (lower case, IDNA), to compare
        normalised = parse_url(f"{scheme}://{'[' + host + ']' if ':' in host else host}/").host
    except LocationParseError:
        normalised = None
    userinfo = split.netloc.rpartition("@")[0] if "@" in split.netloc else None
    if (
        normalised != parsed.host
        or split_port != parsed.port
        or (None if userinfo is None else unquote(userinfo))
        != (None if parsed.auth is None else unquote(parsed.auth))
    ):
        return "a host part URL parsers read differently"
    return None


# --------------------------------------------------------------------------------------------
# Internals


class _Final(Exception):
    """A verdict reached without a usable HTTP response (guard, DNS, scheme, redirects)."""

    def __init__(
        self,
        status: LinkStatus,
        message: str,
        *,
        code: int | None = None,
        final_url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.final_url = final_url


class _RedirectTrouble(_Final):
    """A redirect loop or an over-long chain; after ``HEAD`` it is worth trying ``GET``."""


class _HostDown(_Final):
    """The host's circuit breaker is open: too many failures in a row, so no more requests."""


class _DnsFailure(_Final):
    """The host name did not resolve: said of the link, but never cached (it may be the
    machine's resolver that failed)."""


class _Stopped(Exception):
    """The run ended (deadline or Ctrl-C) while this check waited: its result is not used."""


@dataclass(frozen=True, slots=True)
class _Failure:
    """A request exception, described for people and classified for the retry policy.

    *transient*: another attempt may succeed. *host_level*: the host itself is unreachable or
    unusable (DNS, refused, time-out, TLS), so switching from ``HEAD`` to ``GET`` cannot help.
    """

    message: str
    transient: bool
    host_level: bool


@dataclass(frozen=True, slots=True)
class _Fetch:
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
class _Target:
    """One hop's URL as it is sent, and the one reading of it that every decision uses."""

    url: str
    scheme: str
    host: str  # lower case, IDNA, no IPv6 brackets: what the connection goes to
    port: int
    path: str


class _AnchorScanner(HTMLParser):
    """Collects which of the wanted ids/names occur in a page fed to it chunk by chunk."""

    def __init__(self, candidates: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.candidates = candidates
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value is not None and value in self.candidates:
                self.found.add(value)


@dataclass(frozen=True, slots=True)
class _HeaderRule:
    scheme: str
    host: str
    port: int
    path: str
    headers: tuple[tuple[str, str], ...]


class _HeaderTable:
    """Chooses the configured headers for one request (re-evaluated at every hop).

    A prefix matches only the same scheme, host and port, so a prefix for
    ``https://example.com`` never matches ``https://example.com.evil.net`` or another port.
    Prefixes and requests are read by the same parser (:func:`_read_target`).
    """

    def __init__(self, spec: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]) -> None:
        rules: list[_HeaderRule] = []
        self._star: tuple[tuple[str, str], ...] | None = None
        for prefix, headers in spec:
            if prefix == "*":
                self._star = tuple(headers)
                continue
            scheme = urlsplit(prefix).scheme.lower()
            if scheme not in _SCHEMES:
                raise ValueError(
                    f"linkcheck headers: {prefix!r} is neither '*' nor an http(s) URL prefix"
                )
            try:
                target = _read_target(prefix)
            except _Final as exc:
                raise ValueError(f"linkcheck headers: {prefix!r}: {exc.message}") from None
            path = urlsplit(prefix).path and target.path
            rules.append(_HeaderRule(target.scheme, target.host, target.port, path, tuple(headers)))
        rules.sort(key=lambda rule: len(rule.path), reverse=True)
        self._rules = tuple(rules)

    def for_target(self, target: _Target) -> dict[str, str]:
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
        return self.for_target(_read_target(url))


def _read_target(url: str, where: str = "") -> _Target:
    """Prepare *url* as requests sends it and read it once; :class:`_Final` if that fails.

    The prepared URL is then parsed by urllib3 and by ``urlsplit`` (which requests' adapter
    uses to pick the connection's host): if they differ, the URL is refused, so the host the
    guard checks is the host connected to.
    """
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    problem = authority_ambiguity(url)
    if problem is not None:
        raise _Final(LinkStatus.BROKEN, f"{where}ambiguous URL: {problem}")
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
        sent = str(prepared.url)
        parsed = parse_url(sent)
        split = urlsplit(sent)
        split_port = split.port
    except (requests.RequestException, LocationParseError, ValueError) as exc:
        raise _Final(LinkStatus.BROKEN, f"{where}invalid URL: {_short(exc)}") from None
    scheme = (parsed.scheme or "").lower()
    host = (parsed.host or "").strip("[]").lower()
    if scheme not in _SCHEMES:
        message = f"{where}scheme {scheme!r} is not checked (only http, https)"
        raise _Final(LinkStatus.UNCHECKED, message)
    if not host:
        raise _Final(LinkStatus.BROKEN, f"{where}invalid URL: no host name")
    if (
        authority_ambiguity(sent) is not None
        or (split.hostname or "") != host
        or split_port != parsed.port
    ):
        raise _Final(LinkStatus.BROKEN, f"{where}ambiguous URL: parsers read {sent!r} apart")
    port = parsed.port or _DEFAULT_PORTS[scheme]
    path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query is not None else "")
    return _Target(sent, scheme, host, port, path)


def _without_userinfo(url: str) -> str:
    """*url* with no ``user:password@``: credentials never follow a redirect."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


# -- deadlines: one per request, checked on every socket read -----------------------------


@dataclass(frozen=True, slots=True)
class _Deadline:
    """When the request in flight must be over, and the run's stop signal (Ctrl-C, deadline);
    and the addresses the guard approved for its host, the only ones it may connect to."""

    at: float
    stop: threading.Event
    host: str = ""
    addresses: tuple[str, ...] = ()

    def read_slice(self) -> float:
        """How long the next socket read may block; ``TimeoutError`` when time is up."""
        if self.stop.is_set():
            raise TimeoutError("link check stopped")
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("request deadline reached")
        return min(remaining, _READ_SLICE)


_in_flight = threading.local()  # .deadline: the _Deadline of this thread's request, if any


@contextlib.contextmanager
def _deadline(deadline: _Deadline) -> Iterator[None]:
    _in_flight.deadline = deadline
    try:
        yield
    finally:
        _in_flight.deadline = None


class _DeadlineSocket:
    """A connected socket whose reads give up at the request's deadline or when the run stops.

    A socket timeout bounds one read, so a server sending a byte a second is never cut off;
    here each read waits a short slice at most and the deadline is checked between slices.
    Everything else is the wrapped socket's (plain or TLS).
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def recv_into(self, buffer: Any, *args: Any) -> int:
        while True:
            deadline: _Deadline | None = getattr(_in_flight, "deadline", None)
            if deadline is None:
                return int(self._sock.recv_into(buffer, *args))
            self._sock.settimeout(deadline.read_slice())
            try:
                return int(self._sock.recv_into(buffer, *args))
            except TimeoutError:
                continue

    def recv(self, size: int, *args: Any) -> bytes:
        buffer = bytearray(size)
        count = self.recv_into(buffer, size, *args)
        return bytes(buffer[:count])

    def makefile(self, mode: str = "r", buffering: int | None = None, **_: Any) -> Any:
        """A buffered reader whose reads come through :meth:`recv_into` (http.client's fp)."""
        if mode != "rb":
            raise ValueError(f"unsupported mode {mode!r}")
        self._sock._io_refs += 1  # type: ignore[attr-defined]  # as socket.makefile does
        raw = socket.SocketIO(self, "rb")  # type: ignore[arg-type]
        return io.BufferedReader(raw, buffering or io.DEFAULT_BUFFER_SIZE)


def _connect_pinned(connection: Any, new_conn: Callable[[], socket.socket]) -> socket.socket:
    """Open *connection*'s socket to an address the guard approved, never a fresh DNS answer.

    urllib3 would resolve the name again, and a second answer may differ from the one the
    guard checked (DNS rebinding: public first, 169.254.169.254 next). TLS still verifies
    the certificate against the name.
    """
    hop: _Deadline | None = getattr(_in_flight, "deadline", None)
    name: str = connection._dns_host
    if hop is None or not hop.addresses or name.rstrip(".").lower() != hop.host.rstrip("."):
        return new_conn()
    last: Exception | None = None
    for address in hop.addresses:
        connection._dns_host = address
        try:
            return new_conn()
        except OSError as exc:  # urllib3's NewConnectionError, ConnectTimeoutError
            last = exc
        finally:
            connection._dns_host = name
    assert last is not None
    raise last


@functools.cache
def _adapter_class() -> type[requests.adapters.HTTPAdapter]:
    """An HTTPAdapter whose connections go to the guarded addresses and read through
    :class:`_DeadlineSocket` (built lazily: urllib3 is imported only to fetch)."""
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class DeadlineHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _connect_pinned(self, super()._new_conn)

        def connect(self) -> None:
            super().connect()
            self.sock = _DeadlineSocket(self.sock)

    class DeadlineHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _connect_pinned(self, super()._new_conn)

        def connect(self) -> None:
            super().connect()
            self.sock = _DeadlineSocket(self.sock)

    class DeadlineHTTPPool(HTTPConnectionPool):
        ConnectionCls = DeadlineHTTPConnection

    class DeadlineHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = DeadlineHTTPSConnection

    class DeadlineAdapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": DeadlineHTTPPool,
                "https": DeadlineHTTPSPool,
            }

    return DeadlineAdapter


# -- small helpers --------------------------------------------------------------------------


def _getaddrinfo_within(host: str, port: int, seconds: float) -> list[Any]:
    """``socket.getaddrinfo`` for TCP, or ``TimeoutError`` after *seconds*.

    getaddrinfo cannot be interrupted, so it runs on a daemon thread that is abandoned if
    the resolver does not answer in time.
    """
    answer: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()

    def lookup() -> None:
        try:
            answer.put((True, socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
        except BaseException as exc:  # handed to the caller's thread
            answer.put((False, exc))

    threading.Thread(target=lookup, name="novadoclint-dns", daemon=True).start()
    try:
        ok, value = answer.get(timeout=seconds)
    except queue.Empty:
        raise TimeoutError(f"no DNS answer within {seconds} s") from None
    if not ok:
        raise value
    return list(value)


def _address_refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why *address* must not be contacted without ``--allow-private``, or ``None``."""
    if address in _METADATA_ADDRESSES:
        return "cloud metadata"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _address_refusal(embedded)
    for flag, label in (
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.is_unspecified, "unspecified"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (not address.is_global, "non-public"),
    ):
        if flag:
            return label
    return None


def _parse_retry_after(value: str | None, *, cap: float, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date), capped.

    ``None`` when the header is absent or unreadable; *now* is the current epoch time.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        delay = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        delay = (when - datetime.fromtimestamp(now, timezone.utc)).total_seconds()
    if delay != delay:  # NaN
        return None
    return max(0.0, min(cap, delay))


def _exception_chain(exc: BaseException) -> Iterator[BaseException]:
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


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _status_text(code: int, reason: str) -> str:
    if not reason:
        with contextlib.suppress(ValueError):
            reason = http.HTTPStatus(code).phrase
    return f"{code} {reason}".strip()


def _fmt_seconds(seconds: float) -> str:
    return f"{seconds:g}"


def _public_name(host: str) -> bool:
    """Whether *host* (lower case, IDNA) may be a public host name: dotted, no IP literal,
    no top-level name reserved for examples, tests or private networks."""
    labels = host.rstrip(".").split(".")
    if len(labels) < 2 or labels[-1] in _PRIVATE_TLDS or labels[-2:] == ["home", "arpa"]:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False


def _network_evidence(addresses: Iterable[str], *, allow_private: bool) -> bool:
    """Whether a name resolving to *addresses* shows that the resolver works.

    A public address does. With ``allow_private`` (an intranet's documentation) so does an
    address of the private-use ranges (RFC 1918, unique local): an intranet's DNS answered.
    Loopback (``/etc/hosts``), documentation and other reserved ranges (what a captive or
    sandbox resolver answers for every name) do not.
    """
    for literal in addresses:
        address = ipaddress.ip_address(literal.split("%", 1)[0])
        if _address_refusal(address) is None:
            return True
        if allow_private and any(address in network for network in _PRIVATE_USE):
            return True
    return False


def _host_of(fetch_url: str) -> str:
    try:
        return (urlsplit(fetch_url).hostname or "").lower()
    except ValueError:
        return ""


def _host_by_host(
    todo: dict[str, frozenset[str | None]],
) -> dict[str, frozenset[str | None]]:
    """*todo* reordered to take hosts in turn (a page of each, then a second of each...).

    The first lookups then name distinct hosts, so an offline machine is recognised after
    one round, and a host with hundreds of pages does not hold the others back (it has only
    ``per_host`` slots anyway). Each host's pages keep their order.
    """
    by_host: dict[str, list[str]] = {}
    for fetch_url in todo:
        by_host.setdefault(_host_of(fetch_url), []).append(fetch_url)
    order: list[str] = []
    for round_ in range(max((len(pages) for pages in by_host.values()), default=0)):
        order.extend(pages[round_] for pages in by_host.values() if round_ < len(pages))
    return {fetch_url: todo[fetch_url] for fetch_url in order}


class _Tally:
    """Counts finished pages, per host too, for the *progress* callback (calling thread)."""

    def __init__(
        self,
        todo: dict[str, frozenset[str | None]],
        progress: Callable[[LinkProgress], None] | None,
    ) -> None:
        self._progress = progress
        self._host = {fetch_url: _host_of(fetch_url) for fetch_url in todo}
        self._host_total: dict[str, int] = {}
        for host in self._host.values():
            self._host_total[host] = self._host_total.get(host, 0) + 1
        self._host_done: dict[str, int] = dict.fromkeys(self._host_total, 0)
        self._done = 0
        self._hosts_done = 0
        self._report("")

    def done(self, fetch_url: str) -> None:
        host = self._host[fetch_url]
        self._done += 1
        self._host_done[host] += 1
        if self._host_done[host] == self._host_total[host]:
            self._hosts_done += 1
        self._report(host)

    def _report(self, host: str) -> None:
        if self._progress is None:
            return
        self._progress(
            LinkProgress(
                done=self._done,
                total=len(self._host),
                host=host,
                host_done=self._host_done.get(host, 0),
                host_total=self._host_total.get(host, 0),
                hosts_done=self._hosts_done,
                hosts_total=len(self._host_total),
            )
        )


class _Checker:
    """One :func:`check_links` call: its options, cache, adapters, and per-host limits."""

    def __init__(
        self,
        options: LinkCheckOptions,
        cache: DiskCache | None,
        progress: Callable[[LinkProgress], None] | None = None,
    ) -> None:
        self._options = options
        self._cache = cache
        self._progress = progress
        # The patterns come from conf.py or .novadoclint.toml, that is from the pull request:
        # they run through saferegex, with a time limit per match and one budget in all.
        budget = saferegex.Budget()
        self._ignore = tuple(saferegex.compile(p, budget) for p in options.ignore)
        self._anchors_ignore = tuple(saferegex.compile(p, budget) for p in options.anchors_ignore)
        self._allowed = tuple(
            (saferegex.compile(source, budget), saferegex.compile(target, budget))
            for source, target in options.allowed_redirects
        )
        self._pattern_lock = threading.Lock()  # allowed redirects are judged on worker threads
        self._headers = _HeaderTable(options.headers)
        self._connect_timeout = min(options.timeout, 10.0)
        self._cache_scope = self._options_fingerprint()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._host_not_before: dict[str, float] = {}
        self._host_failures: dict[str, int] = {}
        self._rng = random.Random()
        self._stop = threading.Event()  # set at the run deadline, on Ctrl-C, or when done
        self._run_ends = math.inf
        # is the network there? public names whose lookup failed / that resolved publicly
        self._dns_failed: dict[str, None] = {}
        self._dns_resolved: set[str] = set()
        self._offline = False
        self._uncached: set[str] = set()  # fetch URLs whose result must not be cached

    # -- orchestration -------------------------------------------------------------------

    def run(self, urls: Iterable[str]) -> dict[str, LinkResult]:
        unique = list(dict.fromkeys(urls))
        results: dict[str, LinkResult] = {}
        # fetch URL -> anchor (None: status only) -> the input URLs that share that check
        plan: dict[str, dict[str | None, list[str]]] = {}
        for url in unique:
            early = self._precheck(url)
            if early is not None:
                results[url] = early
                continue
            fetch_url, anchor = self._split(url)
            plan.setdefault(fetch_url, {}).setdefault(anchor, []).append(url)

        todo: dict[str, frozenset[str | None]] = {}
        for fetch_url, by_anchor in plan.items():
            missing: set[str | None] = set()
            for anchor, members in by_anchor.items():
                cached = self._cache_get(fetch_url, anchor)
                if cached is None:
                    missing.add(anchor)
                else:
                    for url in members:
                        results[url] = dataclasses.replace(cached, url=url)
            if missing:
                todo[fetch_url] = frozenset(missing)

        todo = _host_by_host(todo)
        budget = self.run_deadline(len(todo))
        self._run_ends = time.monotonic() + budget
        tally = _Tally(todo, self._progress)
        with contextlib.closing(self._fetch_all(todo)) as finished:
            for fetch_url, page in finished:
                with self._lock:
                    cacheable = fetch_url not in self._uncached
                for anchor, result in page.items():
                    if cacheable:
                        self._cache_put(fetch_url, anchor, result)
                    for url in plan[fetch_url][anchor]:
                        results[url] = dataclasses.replace(result, url=url)
                tally.done(fetch_url)
        if self._offline:
            raise NetworkUnreachable(tuple(sorted(self._dns_failed)), len(todo))
        if self._dns_failed and not self._dns_resolved:
            _log.warning(
                "link check: no host name resolved (%s); if this machine is offline, "
                "their 'DNS failure' findings are its, not the links'",
                ", ".join(sorted(self._dns_failed)),
            )
        late = f"run deadline reached (the link check may take {_fmt_seconds(budget)} s in all)"
        for url in unique:
            if url not in results:
                results[url] = LinkResult(url, LinkStatus.UNCHECKED, late)
        return {url: results[url] for url in unique}

    def run_deadline(self, pages: int) -> float:
        """Seconds the whole run may take: the option, or enough for every page to time out
        once per attempt at full concurrency, kept between 2 and 30 minutes."""
        if self._options.run_timeout is not None:
            return self._options.run_timeout
        rounds = math.ceil(pages / self._options.workers)
        worst = rounds * self._options.timeout * (self._options.retries + 2)
        return min(max(worst, _MIN_DERIVED_RUN), _MAX_DERIVED_RUN)

    def _fetch_all(
        self, todo: dict[str, frozenset[str | None]]
    ) -> Generator[tuple[str, dict[str | None, LinkResult]], None, None]:
        """Check the pages on daemon threads; yield each as it finishes, until the deadline.

        Daemon threads, not an executor: the interpreter waits for an executor's threads at
        exit, so Ctrl-C used to wait for every request in flight.
        """
        tasks: queue.SimpleQueue[tuple[str, frozenset[str | None]]] = queue.SimpleQueue()
        done: queue.SimpleQueue[tuple[str, dict[str | None, LinkResult]]] = queue.SimpleQueue()
        for item in todo.items():
            tasks.put(item)
        for number in range(min(self._options.workers, len(todo))):
            name = f"novadoclint-link-{number}"
            threading.Thread(target=self._work, args=(tasks, done), name=name, daemon=True).start()
        pending = len(todo)
        try:
            while pending:
                remaining = self._run_ends - time.monotonic()
                if remaining <= 0 or self._offline:
                    return
                try:
                    finished = done.get(timeout=min(remaining, 0.5))
                except queue.Empty:
                    continue
                pending -= 1
                yield finished
        finally:
            self._stop.set()  # workers drop what they are doing within a read slice

    def _work(
        self,
        tasks: queue.SimpleQueue[tuple[str, frozenset[str | None]]],
        done: queue.SimpleQueue[tuple[str, dict[str | None, LinkResult]]],
    ) -> None:
        try:
            while not self._stop.is_set():
                try:
                    fetch_url, anchors = tasks.get_nowait()
                except queue.Empty:
                    return
                done.put((fetch_url, self._check_page(fetch_url, anchors)))
        finally:
            adapter: requests.adapters.HTTPAdapter | None = getattr(self._local, "adapter", None)
            if adapter is not None:
                adapter.close()

    def _precheck(self, url: str) -> LinkResult | None:
        """Results that need no network: ignored URLs, other schemes, unparsable URLs."""
        for pattern in self._ignore:
            if saferegex.match_or_say(pattern, url, "linkcheck: ignore", "URL"):
                return LinkResult(
                    url, LinkStatus.IGNORED, f"ignored by pattern {pattern.pattern!r}"
                )
        try:
            parts = urlsplit(url)
            _ = parts.port  # raises ValueError for a bad port
        except ValueError as exc:
            return LinkResult(url, LinkStatus.BROKEN, redact(f"invalid URL: {exc}"))
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES:
            what = f"scheme {scheme!r}" if scheme else "a URL without a scheme"
            return LinkResult(
                url, LinkStatus.UNCHECKED, f"{what} is not checked (only http, https)"
            )
        if not parts.hostname:
            return LinkResult(url, LinkStatus.BROKEN, "invalid URL: no host name")
        problem = authority_ambiguity(url)
        if problem is not None:
            return LinkResult(url, LinkStatus.BROKEN, f"ambiguous URL, not fetched: {problem}")
        return None

    def _split(self, url: str) -> tuple[str, str | None]:
        """The URL to fetch (no fragment) and the anchor to look for, if it must be checked."""
        fetch_url, _, fragment = url.partition("#")
        if not fragment or not self._options.anchors:
            return fetch_url, None
        if any(
            saferegex.match_or_say(p, fragment, "linkcheck: anchors-ignore", "anchor")
            for p in self._anchors_ignore
        ):
            return fetch_url, None
        return fetch_url, fragment

    def _check_page(
        self, fetch_url: str, anchors: frozenset[str | None]
    ) -> dict[str | None, LinkResult]:
        """Fetch *fetch_url* once and judge it for every requested anchor (None: status only)."""
        wanted = frozenset(anchor for anchor in anchors if anchor is not None)
        try:
            fetch = self._probe(fetch_url, wanted)
        except _Final as final:
            if isinstance(final, _DnsFailure):
                with self._lock:
                    self._uncached.add(fetch_url)
            results = {
                anchor: LinkResult(
                    _join(fetch_url, anchor),
                    final.status,
                    final.message,
                    final.code,
                    final.final_url,
                )
                for anchor in anchors
            }
        except _Stopped:
            return {}  # the run is over; nobody reads this
        except Exception as exc:  # a bug or a library surprise must not sink the other links
            _log.debug("linkcheck: unexpected error for %s", redact(fetch_url), exc_info=True)
            message = f"could not check: {type(exc).__name__}: {_short(exc)}"
            results = {
                anchor: LinkResult(_join(fetch_url, anchor), LinkStatus.UNCHECKED, message)
                for anchor in anchors
            }
        else:
            results = {anchor: self._judge(fetch_url, anchor, fetch) for anchor in anchors}
        return {anchor: _redacted(result) for anchor, result in results.items()}

    def _judge(self, fetch_url: str, anchor: str | None, fetch: _Fetch) -> LinkResult:
        url = _join(fetch_url, anchor)
        final_url = fetch.final_url if fetch.redirected else None
        status_text = _status_text(fetch.code, fetch.reason)
        if fetch.code == 429:
            attempts = self._options.retries + 1
            message = f"rate limited: {status_text} (gave up after {attempts} attempts)"
            return LinkResult(url, LinkStatus.UNCHECKED, message, fetch.code, final_url)
        if not 200 <= fetch.code < 300:
            return LinkResult(url, LinkStatus.BROKEN, status_text, fetch.code, final_url)
        note = ""
        if anchor is not None:
            if fetch.not_scanned:
                note = f"; anchor not checked ({fetch.not_scanned})"
            elif anchor not in fetch.found and unquote(anchor) not in fetch.found:
                message = f"anchor {anchor!r} not found"
                if fetch.truncated:
                    message += f" in the first {fetch.scanned} bytes"
                return LinkResult(url, LinkStatus.ANCHOR_MISSING, message, fetch.code, final_url)
        if fetch.permanent_code is not None:
            if not self._redirect_allowed(fetch_url, fetch.final_url):
                message = (
                    f"permanently redirected to {fetch.final_url} "
                    f"({_status_text(fetch.permanent_code, '')})"
                )
                return LinkResult(
                    url, LinkStatus.REDIRECTED, message, fetch.permanent_code, final_url
                )
            note = f" after allowed redirect to {fetch.final_url}{note}"
        elif fetch.redirected:
            note = f" after temporary redirect to {fetch.final_url}{note}"
        return LinkResult(url, LinkStatus.OK, status_text + note, fetch.code, final_url)

    def _redirect_allowed(self, source: str, target: str) -> bool:
        with self._pattern_lock:
            return any(
                saferegex.match_or_say(src, source, "linkcheck: allowed-redirects", "URL")
                and saferegex.match_or_say(dst, target, "linkcheck: allowed-redirects", "URL")
                for src, dst in self._allowed
            )

    # -- the retry policy ----------------------------------------------------------------

    def _probe(self, fetch_url: str, wanted: frozenset[str]) -> _Fetch:
        """HEAD (when no anchor is wanted), then GET with retries; raises :class:`_Final`.

        A failed HEAD always leads to at least one GET, whatever ``retries`` says: a server
        that hangs or errs on HEAD may serve GET fine.
        """
        attempts = self._options.retries + 1
        last: _Fetch | _Failure | None = None
        failures = 0
        if not wanted:
            try:
                head = self._follow("HEAD", fetch_url, wanted)
            except (_RedirectTrouble, _HostDown):
                pass  # some servers loop only on HEAD; GET decides (or meets the breaker)
            except (requests.RequestException, OSError) as exc:
                failure = self._describe(exc)
                if not failure.transient:
                    raise _Final(LinkStatus.BROKEN, failure.message) from exc
                if failure.host_level:  # the HEAD was attempt 1, but GET gets its own turn
                    attempts = max(1, attempts - 1)
                    failures += 1
                    last = failure
            else:
                if 200 <= head.code < 300:
                    return head
                # 405/403/501/5xx/429...: HEAD unsupported or unreliable here; GET decides
                # (a 429's Retry-After is already recorded for the host).
        for _ in range(attempts):
            if last is not None:
                self._pause(last, failures)
            try:
                fetch = self._follow("GET", fetch_url, wanted)
            except _HostDown:
                if isinstance(last, _Failure):
                    break  # this page's own failures opened the breaker: report them
                raise
            except (requests.RequestException, OSError) as exc:
                last = self._describe(exc)
                failures += 1
                if not last.transient:
                    break
                continue
            if fetch.code >= 500 or fetch.code == 429:
                last = fetch
                failures += 1
                continue
            return fetch
        if isinstance(last, _Fetch):
            return last
        message = last.message if last is not None else "no attempt was made"
        raise _Final(LinkStatus.BROKEN, message)

    def _pause(self, last: _Fetch | _Failure, failures: int) -> None:
        """Back off before attempt *failures* + 1: exponential, with jitter so that many
        links failing together do not retry in lockstep, capped. After a 429 the host gate
        waits instead."""
        if isinstance(last, _Fetch) and last.code == 429:
            return
        base = self._options.backoff
        delay = min(base * 2 ** min(failures - 1, 16) + self._rng.uniform(0, base), _MAX_PAUSE)
        self._wait(delay)

    def _wait(self, seconds: float) -> None:
        """Sleep, unless the run stops first (then :class:`_Stopped`)."""
        if self._stop.wait(min(seconds, max(0.0, self._run_ends - time.monotonic()))):
            raise _Stopped
        if time.monotonic() >= self._run_ends:
            raise _Stopped

    def _describe(self, exc: BaseException) -> _Failure:
        """Name the reason a request failed, as the broken-link message will show it."""
        chain = list(_exception_chain(exc))
        for item in chain:
            if isinstance(item, (requests.exceptions.SSLError, ssl.SSLError)):
                inner = [e for e in chain if isinstance(e, ssl.SSLError)]
                return _Failure(f"TLS error: {_short(inner[-1] if inner else item)}", False, True)
        for item in chain:
            if isinstance(item, socket.gaierror) or type(item).__name__ == "NameResolutionError":
                detail = item.strerror if isinstance(item, socket.gaierror) else None
                return _Failure(f"DNS failure: {detail or _short(item)}", False, True)
        for item in chain:
            name = type(item).__name__
            if isinstance(item, requests.ConnectTimeout) or name == "ConnectTimeoutError":
                seconds = _fmt_seconds(self._connect_timeout)
                return _Failure(f"timed out after {seconds} s (connecting)", True, True)
        for item in chain:
            if (
                isinstance(item, (requests.Timeout, TimeoutError))
                or "Timeout" in type(item).__name__
            ):
                seconds = _fmt_seconds(self._options.timeout)
                return _Failure(f"timed out after {seconds} s", True, True)
        for item in chain:
            if isinstance(item, ConnectionRefusedError) or "Connection refused" in str(item):
                return _Failure("connection refused", True, True)
        for item in chain:
            if isinstance(item, ConnectionResetError):
                return _Failure("connection reset by peer", True, False)
        if isinstance(exc, ValueError):  # requests' InvalidURL, InvalidHeader, InvalidSchema...
            return _Failure(f"invalid request: {_short(exc)}", False, True)
        return _Failure(f"connection error: {_short(chain[-1])}", True, False)

    # -- one request chain ---------------------------------------------------------------

    def _follow(self, method: str, url: str, wanted: frozenset[str]) -> _Fetch:
        """Send *method* to *url*, following redirects by hand.

        Each hop is read once (:func:`_read_target`); the guard, the headers, the host slot
        and the connection use that reading. Hops after the first carry no userinfo. Each
        hop's request has ``timeout`` in all, counted once it holds its host slot (waiting
        for a busy host is not the request's fault).
        """
        chain: list[str] = []
        current = url
        permanent_code: int | None = None
        while True:
            where = f"redirect to {redact(current)}: " if chain else ""
            try:
                target = _read_target(current, where)
            except _Final as final:
                final.final_url = current if chain else None
                raise
            chain.append(target.url)
            host_key, approved = self._guard(target, where, redirected=len(chain) > 1)
            with self._host_slot(host_key):
                self._check_breaker(host_key, target)
                ends = min(time.monotonic() + self._options.timeout, self._run_ends)
                hop = _Deadline(ends, self._stop, target.host, approved)
                with _deadline(hop):
                    response = self._send(method, target, host_key, ends)
                    try:
                        location = self._redirect_target(response, target.url)
                        if location is None:
                            return self._summarise(method, response, chain, permanent_code, wanted)
                    finally:
                        _release(response)
            if permanent_code is None and response.status_code in _PERMANENT_CODES:
                permanent_code = response.status_code
            if len(chain) > MAX_REDIRECTS:
                if location in chain:
                    cycle = [*chain[chain.index(location) :], location]
                    message = "redirect loop: " + " -> ".join(cycle)
                else:
                    message = f"too many redirects (more than {MAX_REDIRECTS})"
                raise _RedirectTrouble(LinkStatus.BROKEN, message, final_url=location)
            current = location

    def _guard(
        self, target: _Target, where: str, *, redirected: bool
    ) -> tuple[str, tuple[str, ...]]:
        """Refuse hosts the service must not contact; return the host's politeness key and
        the addresses approved (the only ones the connection may use).

        The key is the host's (lowest) address, so many names for one server share its
        slots, its Retry-After and its circuit breaker.
        """
        final_url = target.url if redirected else None
        sockaddrs = self._resolve(target.host, target.port, where, final_url)
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in sockaddrs]
        if not self._options.allow_private:
            for address in addresses:
                reason = _address_refusal(address)
                if reason is not None:
                    message = (
                        f"{where}not contacted: {target.host} resolves to {address}, a {reason} "
                        "address; private addresses are refused by default "
                        "(--allow-private lifts this)"
                    )
                    raise _Final(LinkStatus.SKIPPED, message, final_url=final_url)
        key = str(min(addresses, key=lambda a: (a.version, int(a))))
        return key, tuple(sockaddrs)

    def _resolve(self, host: str, port: int, where: str, final_url: str | None) -> list[str]:
        """The addresses *host* stands for (as socket addresses, IPv6 scope kept): itself if
        it is an IP literal, else DNS's answer within ``timeout`` (a resolver can hang)."""
        with contextlib.suppress(ValueError):
            ipaddress.ip_address(host.split("%", 1)[0])
            return [host]
        seconds = max(0.01, min(self._options.timeout, self._run_ends - time.monotonic()))
        try:
            infos = _getaddrinfo_within(host, port, seconds)
        except socket.gaierror as exc:
            self._note_lookup(host, resolved=False)
            message = f"{where}DNS failure: {host}: {exc.strerror or exc}"
            raise _DnsFailure(LinkStatus.BROKEN, message, final_url=final_url) from exc
        except TimeoutError as exc:
            self._note_lookup(host, resolved=False)
            message = f"{where}DNS failure: {host}: no answer within {_fmt_seconds(seconds)} s"
            raise _DnsFailure(LinkStatus.BROKEN, message, final_url=final_url) from exc
        except (UnicodeError, OSError) as exc:
            message = f"{where}invalid host name {host!r}: {_short(exc)}"
            raise _Final(LinkStatus.BROKEN, message, final_url=final_url) from exc
        addresses: list[str] = []
        for info in infos:
            literal = str(info[4][0])
            with contextlib.suppress(ValueError):
                ipaddress.ip_address(literal.split("%", 1)[0])
                if literal not in addresses:
                    addresses.append(literal)
        if not addresses:
            message = f"{where}DNS failure: {host}: no address"
            raise _DnsFailure(LinkStatus.BROKEN, message, final_url=final_url)
        if _network_evidence(addresses, allow_private=self._options.allow_private):
            self._note_lookup(host, resolved=True)
        return addresses

    def _note_lookup(self, host: str, *, resolved: bool) -> None:
        """Count a lookup of a public name; stop the run once the network is clearly absent.

        Only names a public host may have count: a failure for ``controller`` or
        ``docs.example`` (placeholders in documentation) says nothing about the network, and
        neither does an answer :func:`_network_evidence` does not take (``/etc/hosts``, a
        captive resolver). Once one name resolved, failures are the links'.
        """
        if not _public_name(host):
            return
        with self._lock:
            if resolved:
                self._dns_resolved.add(host)
                return
            self._dns_failed.setdefault(host, None)
            if len(self._dns_failed) >= OFFLINE_AFTER_HOSTS and not self._dns_resolved:
                self._offline = True
                self._stop.set()

    @contextlib.contextmanager
    def _host_slot(self, host: str) -> Iterator[None]:
        """Hold one of the host's ``per_host`` slots, after any Retry-After wait for it."""
        with self._lock:
            slot = self._host_slots.get(host)
            if slot is None:
                slot = self._host_slots[host] = threading.BoundedSemaphore(self._options.per_host)
        while not slot.acquire(timeout=_READ_SLICE):
            if self._stop.is_set():
                raise _Stopped
        try:
            while True:
                with self._lock:
                    delay = self._host_not_before.get(host, 0.0) - time.monotonic()
                if delay <= 0:
                    break
                self._wait(delay)
            yield
        finally:
            slot.release()

    def _hold_host(self, host: str, delay: float) -> None:
        with self._lock:
            until = time.monotonic() + delay
            if until > self._host_not_before.get(host, 0.0):
                self._host_not_before[host] = until

    def _check_breaker(self, host_key: str, target: _Target) -> None:
        """Refuse to ask a host that failed ``host_failures`` times in a row in this run."""
        limit = self._options.host_failures
        with self._lock:
            failures = self._host_failures.get(host_key, 0)
        if failures >= limit:
            message = (
                f"{target.host} ({host_key}) failed {limit} times in a row "
                "(time-outs or refused connections), so its remaining links were not fetched"
            )
            raise _HostDown(LinkStatus.UNCHECKED, message)

    def _count_host(self, host_key: str, failed: bool) -> None:
        with self._lock:
            before = self._host_failures.get(host_key, 0)
            self._host_failures[host_key] = before + 1 if failed else 0

    def _send(self, method: str, target: _Target, host_key: str, ends: float) -> requests.Response:
        """One request, no redirects followed; records a 429's Retry-After for the host.

        Sent by an adapter, not a Session: no cookies, no netrc, no proxy from the
        environment, and no Session redirect machinery reading bodies.
        """
        request = requests.PreparedRequest()
        headers = {
            "User-Agent": self._options.user_agent,
            "Accept": _ACCEPT,
            "Accept-Encoding": _ACCEPT_ENCODING,
            **self._headers.for_target(target),
        }
        request.prepare(method=method, url=target.url, headers=headers)
        if request.url != target.url:  # what is sent must be what was checked
            raise _Final(LinkStatus.BROKEN, f"ambiguous URL: {redact(target.url)}")
        remaining = max(0.01, ends - time.monotonic())
        try:
            response = self._adapter().send(
                request,
                stream=True,
                timeout=(min(self._connect_timeout, remaining), remaining),
                verify=True,
                proxies={},
            )
        except (requests.RequestException, OSError) as exc:
            failure = self._describe(exc)  # time-outs and refusals, not TLS or bad requests
            self._count_host(host_key, failure.transient and failure.host_level)
            raise
        self._count_host(host_key, False)
        if response.status_code == 429:
            delay = _parse_retry_after(
                response.headers.get("Retry-After"),
                cap=self._options.max_retry_after,
                now=time.time(),
            )
            if delay is None:
                delay = self._options.backoff * (1 + self._rng.random())
            self._hold_host(host_key, delay)
        return response

    def _redirect_target(self, response: requests.Response, current: str) -> str | None:
        if response.status_code not in _REDIRECT_CODES:
            return None
        location = response.headers.get("Location")
        if not location:
            return None
        with contextlib.suppress(UnicodeError):  # as requests does: servers send UTF-8 raw
            location = location.encode("latin1").decode("utf-8")
        try:
            target = requests.utils.requote_uri(urljoin(current, location))
            target = _without_userinfo(target.partition("#")[0])
        except ValueError as exc:  # e.g. a malformed IPv6 host in Location
            message = f"invalid redirect location {location!r}: {exc}"
            raise _Final(LinkStatus.BROKEN, message, code=response.status_code) from exc
        return target

    def _summarise(
        self,
        method: str,
        response: requests.Response,
        chain: list[str],
        permanent_code: int | None,
        wanted: frozenset[str],
    ) -> _Fetch:
        fetch = _Fetch(
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
            found, scanned, truncated = self._scan(response, wanted)
        except _Undecodable as exc:
            return dataclasses.replace(fetch, not_scanned=str(exc))
        return dataclasses.replace(fetch, found=found, scanned=scanned, truncated=truncated)

    def _scan(
        self, response: requests.Response, wanted: frozenset[str]
    ) -> tuple[frozenset[str], int, bool]:
        """Feed the body to an HTML parser until every wanted anchor is found or the cap hits.

        Returns the ids/names found, the DECODED bytes read, and whether the cap cut the
        search short. Stopping early matters: the page may be huge and only its table of
        contents is needed.
        """
        candidates = frozenset(wanted | {unquote(anchor) for anchor in wanted})
        scanner = _AnchorScanner(candidates)

        def satisfied() -> bool:
            return all(a in scanner.found or unquote(a) in scanner.found for a in wanted)

        decoder = codecs.getincrementaldecoder(_charset(response))(errors="replace")
        limit = self._options.max_body
        scanned = 0
        for chunk in _decoded_body(response, limit):
            scanned += len(chunk)
            scanner.feed(decoder.decode(chunk))
            if len(scanner.rawdata) > _MAX_PENDING_MARKUP:
                # HTMLParser re-reads what it could not parse at every feed: quadratic
                raise _Undecodable(f"one piece of markup is longer than {_MAX_PENDING_MARKUP}")
            if satisfied():
                return frozenset(scanner.found), scanned, False
            if scanned >= limit:
                scanner.close()
                return frozenset(scanner.found), scanned, True
        scanner.feed(decoder.decode(b"", final=True))
        scanner.close()
        return frozenset(scanner.found), scanned, False

    def _adapter(self) -> requests.adapters.HTTPAdapter:
        """This worker thread's adapter: pooled connections whose reads obey the deadline."""
        adapter: requests.adapters.HTTPAdapter | None = getattr(self._local, "adapter", None)
        if adapter is None:
            adapter = _adapter_class()(
                pool_connections=16, pool_maxsize=self._options.per_host, max_retries=0
            )
            self._local.adapter = adapter
        return adapter

    # -- cache ---------------------------------------------------------------------------

    def _options_fingerprint(self) -> str:
        """Hash of the options that change a result, so a config change is not served stale.

        Hashed (never stored) because headers may carry credentials.
        """
        relevant = (
            sorted((prefix, sorted(headers)) for prefix, headers in self._options.headers),
            self._options.allowed_redirects,
            self._options.max_body,
            self._options.allow_private,
            self._options.user_agent,
        )
        return hashlib.sha256(repr(relevant).encode("utf-8", "surrogatepass")).hexdigest()[:24]

    def _cache_key(self, fetch_url: str, anchor: str | None) -> str:
        """The URL is hashed: the cache stores its keys, and a URL may hold a password."""
        what = fetch_url if anchor is None else f"{fetch_url}\0#{anchor}"
        digest = hashlib.sha256(what.encode("utf-8", "surrogatepass")).hexdigest()
        return f"novadoclint.linkcheck\0{_CACHE_RECORD}\0{self._cache_scope}\0{digest}"

    def _cache_get(self, fetch_url: str, anchor: str | None) -> LinkResult | None:
        if self._cache is None or self._options.refresh:
            return None
        record = self._cache.get(self._cache_key(fetch_url, anchor))
        if not (isinstance(record, tuple) and len(record) == 4):
            return None
        status, message, code, final_url = record
        try:
            status = LinkStatus(status)
        except ValueError:
            return None
        if (
            _ttl_for(status, self._options) is None
            or not isinstance(message, str)
            or not (code is None or isinstance(code, int))
            or not (final_url is None or isinstance(final_url, str))
        ):
            return None
        return LinkResult(_join(fetch_url, anchor), status, message, code, final_url)

    def _cache_put(self, fetch_url: str, anchor: str | None, result: LinkResult) -> None:
        if self._cache is None:
            return
        ttl = _ttl_for(result.status, self._options)
        if ttl is None or ttl <= 0:
            return
        record = (result.status.value, result.message, result.code, result.final_url)
        self._cache.put(self._cache_key(fetch_url, anchor), record, ttl=ttl)


# -- bodies: raw reads, bounded decoding ----------------------------------------------------


class _Undecodable(Exception):
    """A body this module will not decode (an unknown or broken content coding)."""


def _release(response: requests.Response) -> None:
    """Give the connection back to the pool when that is cheap, else drop it.

    The rest of the body is read RAW (never decompressed: a small gzip bomb is gigabytes
    decoded) and only up to :data:`_DRAIN_LIMIT`; a longer body is abandoned with its
    connection rather than downloaded to save a reconnect.
    """
    try:
        budget = _DRAIN_LIMIT
        while budget > 0:
            chunk = response.raw.read(min(budget, _CHUNK_SIZE), decode_content=False)
            if not chunk:
                response.raw.release_conn()  # the whole body is read: the connection is reusable
                return
            budget -= len(chunk)
    except Exception as exc:  # urllib3's own errors (ProtocolError...) are not OSErrors
        _log.debug("linkcheck: dropping a connection: %s", _short(exc))
    finally:
        response.close()


def _decoded_body(response: requests.Response, limit: int) -> Iterator[bytes]:
    """The body's bytes after its content codings, in chunks, never more than *limit* in all.

    The raw body is decompressed here, incrementally, with every zlib call asked for at most
    one chunk of output, so a compressed bomb costs *limit* bytes, not its decoded size.
    """
    codings = [
        c.strip().lower()
        for c in response.headers.get("Content-Encoding", "").split(",")
        if c.strip().lower() not in ("", "identity")
    ]
    for coding in codings:
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise _Undecodable(f"content encoding {coding}")
    stream: Iterator[bytes] = _raw_chunks(response)
    for _ in codings:  # gzip, gzip: undo both, each stage pulled lazily by the next
        stream = _inflate(stream)
    produced = 0
    try:
        for chunk in stream:
            chunk = chunk[: limit - produced]
            produced += len(chunk)
            if chunk:
                yield chunk
            if produced >= limit:
                return
    except zlib.error as exc:
        raise _Undecodable(f"body does not decompress: {exc}") from None


def _raw_chunks(response: requests.Response) -> Iterator[bytes]:
    while True:
        chunk = response.raw.read(_CHUNK_SIZE, decode_content=False)
        if not chunk:
            return
        yield chunk


def _inflate(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Decompress a zlib or gzip stream, yielding at most one chunk size per step."""
    inflater = zlib.decompressobj(_INFLATE_WBITS)
    for chunk in chunks:
        data = chunk
        while data and not inflater.eof:
            out = inflater.decompress(data, _CHUNK_SIZE)
            data = inflater.unconsumed_tail
            if out:
                yield out
        if inflater.eof:
            return
    tail = inflater.flush(_CHUNK_SIZE)
    if tail:
        yield tail


def _redacted(result: LinkResult) -> LinkResult:
    """*result* with any URL password in its message and final URL hidden (its url is the
    caller's key and is replaced by the input URL anyway)."""
    final_url = None if result.final_url is None else redact(result.final_url)
    return dataclasses.replace(result, message=redact(result.message), final_url=final_url)


def _join(fetch_url: str, anchor: str | None) -> str:
    return fetch_url if anchor is None else f"{fetch_url}#{anchor}"


def _charset(response: requests.Response) -> str:
    """The declared charset if it is a text encoding Python knows, else UTF-8.

    ``codecs.lookup`` also finds bytes-to-bytes codecs (``bz2_codec``, ``zlib_codec``,
    ``base64``...) that would turn the scan into a decompressor; those are refused.
    """
    match = _CHARSET.search(response.headers.get("Content-Type", ""))
    if match:
        with contextlib.suppress(LookupError):
            info = codecs.lookup(match.group(1))
            if getattr(info, "_is_text_encoding", True):
                return info.name
    return "utf-8"
