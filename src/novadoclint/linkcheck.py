"""HTTP link checking as a service: URLs in, typed :class:`LinkResult` values out.

This module reports nothing itself. The network rules are pure functions over its results
(DESIGN.md B1.2), so they can be tested without a network and the slow, polite, threaded part
lives in one place, as Sphinx's ``linkcheck`` builder separates collection from checking.

How a URL is checked, and why:

* URLs are deduplicated, and the fragment is not part of what is fetched: ``page#a``,
  ``page#b`` and ``page`` cost one request, and each anchor is still judged on its own.
* ``HEAD`` first, because it is cheap; any unsuccessful ``HEAD`` (405, 403, 501, other errors,
  dropped connections) falls back to ``GET``, which is authoritative, because many servers
  handle ``HEAD`` badly. Anchor checks need the body, so they ``GET`` directly.
* Redirects are followed by hand (at most :data:`MAX_REDIRECTS` hops) so that every hop passes
  the private-address guard again and configured headers are chosen per hop: a token meant
  for one host is never sent to another host a redirect points at.
* Transient failures (time-outs, connection errors, 5xx, 429) are retried with exponential
  backoff and jitter. A 429 ``Retry-After`` (seconds or an HTTP date, capped) holds back every
  request to that host, not just the one that was told to wait.
* Concurrency is bounded globally (a thread pool of ``workers``, each thread with its own pooled
  ``requests.Session``) and per host (a semaphore per host name), to stay polite.
* Bodies are streamed and read only as far as an anchor search needs, up to ``max_body``.
* By default nothing on loopback, private, link-local, reserved, multicast or cloud-metadata
  addresses is contacted: documentation links are untrusted input, and a linter run in CI must
  not become a way to probe the CI network. ``allow_private`` (``--allow-private``) lifts this.
  The check resolves the host name itself just before each request; a DNS answer that changes
  between that check and the connection (DNS rebinding) is not caught.
* Results can be cached in a :class:`~novadoclint.cache.DiskCache` with a lifetime per
  outcome, so a re-run makes no requests for links already known.

All state (sessions, semaphores, rate-limit clocks) lives in a checker object created for one
:func:`check_links` call; the module holds none.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import email.utils
import enum
import hashlib
import http
import ipaddress
import logging
import random
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from novadoclint import __version__
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
    "LinkCheckOptions",
    "LinkResult",
    "LinkStatus",
    "check_links",
]

_log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = f"novadoclint/{__version__} (+https://opendev.org/; link checker)"
#: Redirect hops followed before giving up, as a browser would, on loops and endless chains.
MAX_REDIRECTS = 10

_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_CODES = frozenset({301, 308})
_CHUNK_SIZE = 64 * 1024
#: Bodies up to this size are read to the end so their connection can be reused.
_DRAIN_LIMIT = 64 * 1024
#: Sphinx's linkcheck sends the same Accept header; some servers answer differently without it.
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
#: Bumped when the cached record shape or its meaning changes.
_CACHE_RECORD = "linkresult-1"
_METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LinkCheckOptions:
    """How to check links; the fields mirror Sphinx's ``linkcheck_*`` settings where one exists.

    Regexes (``ignore``, ``anchors_ignore``, ``allowed_redirects``) are applied with
    ``re.match``, as Sphinx does, so they are anchored at the start. ``headers`` maps a URL
    prefix (scheme, host, port and a path prefix) or ``'*'`` to request headers; the most
    specific matching prefix wins and entries are not merged, as in Sphinx. Lifetimes are in
    seconds; ``backoff`` is the base delay of the exponential retry backoff and
    ``max_retry_after`` caps how long a ``Retry-After`` is obeyed at a time.
    """

    timeout: float = 15.0
    retries: int = 2
    backoff: float = 0.5
    max_retry_after: float = 60.0
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
        """Reject values that would hang or do nothing, instead of failing obscurely later."""
        if self.timeout <= 0:
            raise ValueError(f"timeout must be positive, not {self.timeout!r}")
        if self.retries < 0:
            raise ValueError(f"retries must be zero or more, not {self.retries!r}")
        if self.backoff < 0 or self.max_retry_after < 0:
            raise ValueError("backoff and max_retry_after must not be negative")
        if self.workers < 1 or self.per_host < 1:
            raise ValueError("workers and per_host must be at least 1")
        if self.max_body < 0:
            raise ValueError(f"max_body must not be negative, not {self.max_body!r}")


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
    urls: Iterable[str], options: LinkCheckOptions, *, cache: DiskCache | None = None
) -> dict[str, LinkResult]:
    """Check every distinct URL in *urls*; the result maps each of them, in input order.

    Raises ``re.error`` or ``ValueError`` only for invalid options (a bad regex, a header
    prefix that is not ``'*'`` or an http(s) URL); problems with links become results.
    """
    return _Checker(options, cache if options.use_cache else None).run(urls)


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
    """Chooses the configured headers for one request URL (re-evaluated at every hop).

    A prefix matches only the same scheme, host and port, so a prefix for
    ``https://example.com`` never matches ``https://example.com.evil.net`` or another port.
    """

    def __init__(self, spec: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]) -> None:
        rules: list[_HeaderRule] = []
        self._star: tuple[tuple[str, str], ...] | None = None
        for prefix, headers in spec:
            if prefix == "*":
                self._star = tuple(headers)
                continue
            parts = urlsplit(prefix)
            scheme = parts.scheme.lower()
            try:
                port = parts.port
            except ValueError as exc:
                raise ValueError(f"linkcheck headers: bad port in {prefix!r}") from exc
            if scheme not in _SCHEMES or not parts.hostname:
                raise ValueError(
                    f"linkcheck headers: {prefix!r} is neither '*' nor an http(s) URL prefix"
                )
            rules.append(
                _HeaderRule(
                    scheme,
                    parts.hostname,
                    port or _DEFAULT_PORTS[scheme],
                    parts.path,
                    tuple(headers),
                )
            )
        rules.sort(key=lambda rule: len(rule.path), reverse=True)
        self._rules = tuple(rules)

    def for_url(self, url: str) -> dict[str, str]:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
        for rule in self._rules:
            if (
                rule.scheme == scheme
                and rule.host == parts.hostname
                and rule.port == port
                and parts.path.startswith(rule.path)
            ):
                return dict(rule.headers)
        return dict(self._star or ())


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


class _Checker:
    """One :func:`check_links` call: its options, cache, sessions, and per-host limits."""

    def __init__(self, options: LinkCheckOptions, cache: DiskCache | None) -> None:
        self._options = options
        self._cache = cache
        self._ignore = tuple(re.compile(pattern) for pattern in options.ignore)
        self._anchors_ignore = tuple(re.compile(pattern) for pattern in options.anchors_ignore)
        self._allowed = tuple(
            (re.compile(source), re.compile(target)) for source, target in options.allowed_redirects
        )
        self._headers = _HeaderTable(options.headers)
        self._connect_timeout = min(options.timeout, 10.0)
        self._cache_scope = self._options_fingerprint()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._host_not_before: dict[str, float] = {}
        self._rng = random.Random()

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

        if todo:
            workers = min(self._options.workers, len(todo))
            pool = ThreadPoolExecutor(workers, thread_name_prefix="novadoclint-link")
            try:
                futures = {
                    pool.submit(self._check_page, fetch_url, anchors): fetch_url
                    for fetch_url, anchors in todo.items()
                }
                for future in as_completed(futures):
                    fetch_url = futures[future]
                    for anchor, result in future.result().items():
                        self._cache_put(fetch_url, anchor, result)
                        for url in plan[fetch_url][anchor]:
                            results[url] = dataclasses.replace(result, url=url)
            except BaseException:
                # Ctrl-C: do not start the queued checks; the running ones end at their timeout.
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            else:
                pool.shutdown()
            finally:
                with self._lock:
                    sessions, self._sessions = self._sessions, []
                for session in sessions:
                    session.close()
        return {url: results[url] for url in unique}

    def _precheck(self, url: str) -> LinkResult | None:
        """Results that need no network: ignored URLs, other schemes, unparsable URLs."""
        for pattern in self._ignore:
            if pattern.match(url):
                return LinkResult(
                    url, LinkStatus.IGNORED, f"ignored by pattern {pattern.pattern!r}"
                )
        try:
            parts = urlsplit(url)
            _ = parts.port  # raises ValueError for a bad port
        except ValueError as exc:
            return LinkResult(url, LinkStatus.BROKEN, f"invalid URL: {exc}")
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES:
            what = f"scheme {scheme!r}" if scheme else "a URL without a scheme"
            return LinkResult(
                url, LinkStatus.UNCHECKED, f"{what} is not checked (only http, https)"
            )
        if not parts.hostname:
            return LinkResult(url, LinkStatus.BROKEN, "invalid URL: no host name")
        return None

    def _split(self, url: str) -> tuple[str, str | None]:
        """The URL to fetch (no fragment) and the anchor to look for, if it must be checked."""
        fetch_url, _, fragment = url.partition("#")
        if not fragment or not self._options.anchors:
            return fetch_url, None
        if any(pattern.match(fragment) for pattern in self._anchors_ignore):
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
            return {
                anchor: LinkResult(
                    _join(fetch_url, anchor),
                    final.status,
                    final.message,
                    final.code,
                    final.final_url,
                )
                for anchor in anchors
            }
        except Exception as exc:  # a bug or a library surprise must not sink the other links
            _log.debug("linkcheck: unexpected error for %s", fetch_url, exc_info=True)
            message = f"could not check: {type(exc).__name__}: {_short(exc)}"
            return {
                anchor: LinkResult(_join(fetch_url, anchor), LinkStatus.UNCHECKED, message)
                for anchor in anchors
            }
        return {anchor: self._judge(fetch_url, anchor, fetch) for anchor in anchors}

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
        return any(src.match(source) and dst.match(target) for src, dst in self._allowed)

    # -- the retry policy ----------------------------------------------------------------

    def _probe(self, fetch_url: str, wanted: frozenset[str]) -> _Fetch:
        """HEAD (when no anchor is wanted), then GET with retries; raises :class:`_Final`."""
        attempts = self._options.retries + 1
        last: _Fetch | _Failure | None = None
        failures = 0
        if not wanted:
            try:
                head = self._follow("HEAD", fetch_url, wanted)
            except _RedirectTrouble:
                pass  # some servers loop only on HEAD; GET decides
            except (requests.RequestException, OSError) as exc:
                failure = self._describe(exc)
                if not failure.transient:
                    raise _Final(LinkStatus.BROKEN, failure.message) from exc
                if failure.host_level:  # GET would meet the same dead host: it was attempt 1
                    attempts -= 1
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
        links failing together do not retry in lockstep. After a 429 the host gate waits."""
        if isinstance(last, _Fetch) and last.code == 429:
            return
        base = self._options.backoff
        time.sleep(base * 2 ** (failures - 1) + self._rng.uniform(0, base))

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
        """Send *method* to *url*, following redirects by hand; guard and headers per hop."""
        chain = [url]
        current = url
        permanent_code: int | None = None
        while True:
            host = self._guard(current, redirected=len(chain) > 1)
            with self._host_slot(host):
                response = self._send(method, current, host)
                try:
                    target = self._redirect_target(response, current)
                    if target is None:
                        return self._summarise(method, response, chain, permanent_code, wanted)
                finally:
                    _release(method, response)
            if permanent_code is None and response.status_code in _PERMANENT_CODES:
                permanent_code = response.status_code
            if len(chain) > MAX_REDIRECTS:
                if target in chain:
                    cycle = [*chain[chain.index(target) :], target]
                    message = "redirect loop: " + " -> ".join(cycle)
                else:
                    message = f"too many redirects (more than {MAX_REDIRECTS})"
                raise _RedirectTrouble(LinkStatus.BROKEN, message, final_url=target)
            chain.append(target)
            current = target

    def _guard(self, url: str, *, redirected: bool) -> str:
        """Refuse URLs the service must not fetch; return the host key for per-host limits."""
        where = f"redirect to {url}: " if redirected else ""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise _Final(LinkStatus.BROKEN, f"{where}invalid URL: {exc}", final_url=url) from exc
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES:
            raise _Final(
                LinkStatus.UNCHECKED,
                f"{where}scheme {scheme!r} is not checked (only http, https)",
                final_url=url,
            )
        host = parts.hostname
        if not host:
            raise _Final(LinkStatus.BROKEN, f"{where}invalid URL: no host name", final_url=url)
        if not self._options.allow_private:
            self._check_addresses(host, port or _DEFAULT_PORTS[scheme], where, url)
        return host

    def _check_addresses(self, host: str, port: int, where: str, url: str) -> None:
        """Resolve *host* and refuse it if ANY of its addresses is not public."""
        final_url = url if where else None
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            message = f"{where}DNS failure: {host}: {exc.strerror or exc}"
            raise _Final(LinkStatus.BROKEN, message, final_url=final_url) from exc
        except (UnicodeError, OSError) as exc:
            message = f"{where}invalid host name {host!r}: {_short(exc)}"
            raise _Final(LinkStatus.BROKEN, message, final_url=final_url) from exc
        for info in infos:
            literal = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 scope id
            try:
                address = ipaddress.ip_address(literal)
            except ValueError:
                continue
            reason = _address_refusal(address)
            if reason is not None:
                message = (
                    f"{where}not contacted: {host} resolves to {address}, a {reason} address; "
                    "private addresses are refused by default (--allow-private lifts this)"
                )
                raise _Final(LinkStatus.SKIPPED, message, final_url=final_url)

    @contextlib.contextmanager
    def _host_slot(self, host: str) -> Iterator[None]:
        """Hold one of the host's ``per_host`` slots, after any Retry-After wait for it."""
        with self._lock:
            slot = self._host_slots.get(host)
            if slot is None:
                slot = self._host_slots[host] = threading.BoundedSemaphore(self._options.per_host)
        with slot:
            while True:
                with self._lock:
                    delay = self._host_not_before.get(host, 0.0) - time.monotonic()
                if delay <= 0:
                    break
                time.sleep(delay)
            yield

    def _hold_host(self, host: str, delay: float) -> None:
        with self._lock:
            until = time.monotonic() + delay
            if until > self._host_not_before.get(host, 0.0):
                self._host_not_before[host] = until

    def _send(self, method: str, url: str, host: str) -> requests.Response:
        """One request, no redirects followed; records a 429's Retry-After for the host."""
        headers = self._headers.for_url(url)
        try:
            response = self._session().request(
                method,
                url,
                headers=headers,
                timeout=(self._connect_timeout, self._options.timeout),
                allow_redirects=False,
                stream=True,
            )
        except ValueError as exc:
            if isinstance(exc, requests.RequestException):
                raise
            # requests parses a redirect's Location even with allow_redirects=False (to offer
            # Response.next); *url* itself already passed urlsplit in the guard.
            message = f"invalid redirect location from {url}: {exc}"
            raise _Final(LinkStatus.BROKEN, message) from exc
        if response.status_code == 429:
            delay = _parse_retry_after(
                response.headers.get("Retry-After"),
                cap=self._options.max_retry_after,
                now=time.time(),
            )
            if delay is None:
                delay = self._options.backoff * (1 + self._rng.random())
            self._hold_host(host, delay)
        return response

    def _redirect_target(self, response: requests.Response, current: str) -> str | None:
        if response.status_code not in _REDIRECT_CODES:
            return None
        location = self._session().get_redirect_target(response)
        if not location:
            return None
        try:
            target = requests.utils.requote_uri(urljoin(current, location))
        except ValueError as exc:  # e.g. a malformed IPv6 host in Location
            message = f"invalid redirect location {location!r}: {exc}"
            raise _Final(LinkStatus.BROKEN, message, code=response.status_code) from exc
        return target.partition("#")[0]

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
        found, scanned, truncated = self._scan(response, wanted)
        return dataclasses.replace(fetch, found=found, scanned=scanned, truncated=truncated)

    def _scan(
        self, response: requests.Response, wanted: frozenset[str]
    ) -> tuple[frozenset[str], int, bool]:
        """Feed the body to an HTML parser until every wanted anchor is found or the cap hits.

        Returns the ids/names found, the bytes read, and whether the cap cut the search short.
        Stopping early matters: the page may be huge and only its table of contents is needed.
        """
        candidates = frozenset(wanted | {unquote(anchor) for anchor in wanted})
        scanner = _AnchorScanner(candidates)

        def satisfied() -> bool:
            return all(a in scanner.found or unquote(a) in scanner.found for a in wanted)

        decoder = codecs.getincrementaldecoder(_charset(response))(errors="replace")
        limit = self._options.max_body
        scanned = 0
        for chunk in response.iter_content(chunk_size=_CHUNK_SIZE):
            if not chunk:
                continue
            chunk = chunk[: limit - scanned]
            scanned += len(chunk)
            scanner.feed(decoder.decode(chunk))
            if satisfied():
                return frozenset(scanner.found), scanned, False
            if scanned >= limit:
                scanner.close()
                return frozenset(scanner.found), scanned, True
        scanner.feed(decoder.decode(b"", final=True))
        scanner.close()
        return frozenset(scanner.found), scanned, False

    def _session(self) -> requests.Session:
        """This worker thread's session: pooled connections, our User-Agent, no auto-retry."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(
                pool_connections=16, pool_maxsize=self._options.per_host, max_retries=0
            )
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers["User-Agent"] = self._options.user_agent
            session.headers["Accept"] = _ACCEPT
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

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
        return f"novadoclint.linkcheck\0{_CACHE_RECORD}\0{self._cache_scope}\0{fetch_url}" + (
            "" if anchor is None else f"\0#{anchor}"
        )

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


def _release(method: str, response: requests.Response) -> None:
    """Give the connection back to the session's pool when that is cheap, else drop it.

    A HEAD response or a short body is drained so the keep-alive connection can be reused;
    a long body that the anchor search abandoned is not downloaded just to save a reconnect.
    """
    try:
        length = response.headers.get("Content-Length", "")
        if method == "HEAD" or (length.isdigit() and int(length) <= _DRAIN_LIMIT):
            _ = response.content
    except (requests.RequestException, OSError, RuntimeError):  # RuntimeError: already read
        pass
    finally:
        response.close()


def _join(fetch_url: str, anchor: str | None) -> str:
    return fetch_url if anchor is None else f"{fetch_url}#{anchor}"


def _charset(response: requests.Response) -> str:
    """The declared charset if Python knows it, else UTF-8 (ids are nearly always ASCII)."""
    match = _CHARSET.search(response.headers.get("Content-Type", ""))
    if match:
        with contextlib.suppress(LookupError):
            return codecs.lookup(match.group(1)).name
    return "utf-8"
