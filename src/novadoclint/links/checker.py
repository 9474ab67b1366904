"""Link checking as a service: URLs in, typed :class:`LinkResult` values out.

This module reports nothing itself. The network rules are pure functions over its results
(DESIGN.md B1.2), so they can be tested without a network and the slow, polite, threaded part
lives in one place, as Sphinx's ``linkcheck`` builder separates collection from checking.

Every URL and every server answer is hostile input (the check runs on pull requests). What
this module decides itself:

* URLs are deduplicated, and the fragment is not part of what is fetched: ``page#a``,
  ``page#b`` and ``page`` cost one request, and each anchor is still judged on its own.
* ``HEAD`` first, because it is cheap; any unsuccessful ``HEAD`` falls back to ``GET`` at
  least once (whatever the retry count), because many servers handle ``HEAD`` badly. Anchor
  checks need the body, so they ``GET`` directly.
* Transient failures (time-outs, connection errors, 5xx, 429) are retried with capped
  exponential backoff and jitter (:mod:`.throttle` holds a host back after a 429).
* The whole run has a deadline; links left when it passes are "not checked". Concurrency is
  bounded globally (``workers`` daemon threads that stop within a fraction of a second of
  Ctrl-C, sharing one pool of kept-alive connections per host) and per host (:mod:`.throttle`:
  up to ``per_host``, lowered while the host pushes back). A worker takes a page of the
  next host with a free slot (:mod:`.schedule`), so every free slot of every host is used
  and no worker waits on a busy host while another has work.
* Results can be cached (:mod:`.results`), so a re-run makes no requests for links already
  known. A DNS failure is not cached: it may be the machine's, not the link's.
* A machine without a network is told apart from a tree of broken links (:mod:`.guard`
  counts the lookups): the run stops and :class:`NetworkUnreachable` is raised rather than
  every link being reported broken. The first pages taken are of distinct hosts, so the
  first lookups name distinct hosts. The callback *progress* hears of every finished page.
* Passwords in URLs are shown and stored as ``***`` (:func:`.syntax.redact`).

What a request does (one parse of the URL, redirects by hand, bounded bodies, nothing from
the environment) is :mod:`.http`'s; which addresses may be contacted is :mod:`.guard`'s.

All state (connection pools, semaphores, rate-limit clocks) lives in the objects one
:func:`check_links` call creates: :class:`Checker` coordinates them, :class:`PageCheck`
decides the retry policy; the ledger of URLs and cached results (:mod:`.ledger`), the guard
(:mod:`.guard`), the per-host throttle (:mod:`.throttle`), the HTTP core (:mod:`.http`) and
the verdicts (:mod:`.judge`) each hold their own part. Only the per-thread deadline of the
request in flight lives in a module (:mod:`.deadline`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from novadoclint.links.deadline import RunClock
from novadoclint.links.guard import OFFLINE_AFTER_HOSTS, AddressGuard
from novadoclint.links.http import Failure, Fetch, HttpClient
from novadoclint.links.judge import LinkJudge
from novadoclint.links.ledger import Ledger, Pages
from novadoclint.links.options import LinkCheckOptions
from novadoclint.links.outcome import (
    DnsFailure,
    HostDown,
    LinkProgress,
    LinkResult,
    LinkStatus,
    NetworkUnreachable,
    RedirectTrouble,
    Stopped,
    Verdict,
    join_anchor,
    seconds_text,
    short_error,
)
from novadoclint.links.schedule import HostScheduler, Job
from novadoclint.links.syntax import redact
from novadoclint.links.throttle import HostThrottle
from novadoclint.safety.cache import DiskCache

if TYPE_CHECKING:
    import requests
else:
    from novadoclint.links.http import requests

__all__ = ["Checker", "PageCheck", "check_links"]

_log = logging.getLogger(__name__)

#: The derived run deadline lies between these (see :meth:`Checker.run_deadline`).
_MIN_DERIVED_RUN = 120.0
_MAX_DERIVED_RUN = 1800.0


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
    return Checker(options, cache if options.use_cache else None, progress).run(urls)


def redacted(result: LinkResult) -> LinkResult:
    """*result* with any URL password in its message and final URL hidden (its url is the
    caller's key and is replaced by the input URL anyway)."""
    final_url = None if result.final_url is None else redact(result.final_url)
    return dataclasses.replace(result, message=redact(result.message), final_url=final_url)


def host_of(fetch_url: str) -> str:
    try:
        return (urlsplit(fetch_url).hostname or "").lower()
    except ValueError:
        return ""


def useful_workers(todo: Pages, per_host: int) -> int:
    """How many workers can be busy at once: each host's pages, up to its slots, in all."""
    pages = Counter(host_of(fetch_url) for fetch_url in todo)
    return sum(min(count, per_host) for count in pages.values())


class _Tally:
    """Counts finished pages, per host too, for the *progress* callback (calling thread)."""

    def __init__(
        self,
        todo: dict[str, frozenset[str | None]],
        progress: Callable[[LinkProgress], None] | None,
    ) -> None:
        self._progress = progress
        self._host = {fetch_url: host_of(fetch_url) for fetch_url in todo}
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


class Checker:
    """One :func:`check_links` call: the collaborators it coordinates.

    :meth:`run` checks a list of URLs. A caller that learns its URLs bit by bit (phase 1
    parsing documents) starts the pages it knows of with :meth:`fetch` and gives the whole
    list to :meth:`finish`, which returns what :meth:`run` would: only the time the pages
    were fetched differs. Pages that want anchors wait for :meth:`finish` (a later
    document may want more anchors of them, and one GET serves all); a status-only page
    already taken when a later document wants an anchor of it is fetched again for it,
    as when part of a page's results are cached. The run's deadline counts from
    :meth:`finish`, as it did when every page waited for it: pages fetched before are time
    the check gains, never time it loses.
    """

    def __init__(
        self,
        options: LinkCheckOptions,
        cache: DiskCache | None,
        progress: Callable[[LinkProgress], None] | None = None,
        *,
        ledger: Ledger | None = None,
    ) -> None:
        self._options = options
        self._progress = progress
        self._clock = RunClock()
        self._ledger = Ledger(options, cache) if ledger is None else ledger
        self._judge = self._ledger.judge
        self._guard = AddressGuard(options, self._clock)
        self._throttle = HostThrottle(options, self._clock)
        self._client = HttpClient(options, self._clock, self._guard, self._throttle)
        self._pages = PageCheck(options, self._clock, self._client, self._throttle, self._judge)
        self._lock = threading.Lock()
        self._running = 0  # worker threads not yet stopped
        self._threads = 0  # worker threads started
        self._todo: Pages = {}  # every page handed to the workers, with its anchors
        self._held: Pages = {}  # pages that want anchors, until finish()
        self._jobs: Counter[str] = Counter()  # jobs (fetches) per page
        self._tasks = HostScheduler(
            {}, host_of, self._throttle, self._clock, OFFLINE_AFTER_HOSTS, closed=False
        )
        self._done: queue.SimpleQueue[tuple[str, dict[str | None, LinkResult]]]
        self._done = queue.SimpleQueue()

    def run(self, urls: Iterable[str]) -> dict[str, LinkResult]:
        unique = list(dict.fromkeys(urls))
        self.fetch(self._ledger.add(unique))
        return self.finish(unique)

    def fetch(self, pages: Pages) -> None:
        """Start checking *pages* (from :meth:`Ledger.add`); those wanting anchors wait."""
        for fetch_url, anchors in pages.items():
            if fetch_url in self._held or any(anchor is not None for anchor in anchors):
                self._held[fetch_url] = self._held.get(fetch_url, frozenset()) | anchors
            else:
                self._schedule(fetch_url, anchors)
        self._start_workers()

    def stop(self) -> None:
        """Stop the workers (the caller gave up: an error, Ctrl-C); nothing is returned."""
        self._clock.stop.set()

    def finish(self, urls: Iterable[str]) -> dict[str, LinkResult]:
        """Every distinct URL's result, in input order, once the pages are checked."""
        unique = list(dict.fromkeys(urls))
        held, self._held = self._held, {}
        for fetch_url, anchors in self._ledger.add(unique).items():
            held[fetch_url] = held.get(fetch_url, frozenset()) | anchors
        for fetch_url, anchors in held.items():
            self._schedule(fetch_url, anchors)
        self._tasks.close()
        self._start_workers()
        todo = self._todo
        per_host = Counter(host_of(fetch_url) for fetch_url in todo)
        budget = self.run_deadline(len(todo), max(per_host.values(), default=0))
        self._clock.ends = time.monotonic() + budget
        tally = _Tally(todo, self._progress)
        left = Counter(self._jobs)
        with contextlib.closing(self._drain(sum(left.values()))) as finished:
            for fetch_url, page in finished:
                cacheable = self._pages.cacheable(fetch_url)
                self._ledger.settle(fetch_url, page, cacheable=cacheable)
                left[fetch_url] -= 1
                if not left[fetch_url]:
                    tally.done(fetch_url)
        if self._guard.offline:
            raise NetworkUnreachable(self._guard.failed_names(), len(todo))
        if self._guard.failed_names() and not self._guard.any_resolved():
            _log.warning(
                "link check: no host name resolved (%s); if this machine is offline, "
                "their 'DNS failure' findings are its, not the links'",
                ", ".join(self._guard.failed_names()),
            )
        results = self._ledger.results
        late = f"run deadline reached (the link check may take {seconds_text(budget)} s in all)"
        for url in unique:
            if url not in results:
                results[url] = LinkResult(url, LinkStatus.UNCHECKED, late)
        return {url: results[url] for url in unique}

    def run_deadline(self, pages: int, busiest: int = 0) -> float:
        """Seconds the whole run may take: the option, or enough for every page to time out
        once per attempt at full concurrency, kept between 2 and 30 minutes. *busiest*: the
        pages of the host with most, which its ``per_host`` slots take in turn."""
        if self._options.run_timeout is not None:
            return self._options.run_timeout
        rounds = max(
            math.ceil(pages / self._options.workers), math.ceil(busiest / self._options.per_host)
        )
        worst = rounds * self._options.timeout * (self._options.retries + 2)
        return min(max(worst, _MIN_DERIVED_RUN), _MAX_DERIVED_RUN)

    def _schedule(self, fetch_url: str, anchors: frozenset[str | None]) -> None:
        """Queue a page; anchors of a page already queued join it, of one already taken are
        a second fetch."""
        known = self._todo.get(fetch_url)
        self._todo[fetch_url] = anchors if known is None else known | anchors
        if known is None or not self._tasks.widen(fetch_url, anchors):
            self._tasks.add({fetch_url: anchors})
            self._jobs[fetch_url] += 1

    def _start_workers(self) -> None:
        """As many daemon workers as the pages so far can keep busy, up to ``workers``.

        Daemon threads, not an executor: the interpreter waits for an executor's threads at
        exit, so Ctrl-C used to wait for every request in flight. The last worker to stop
        closes the run's connections.
        """
        count = min(self._options.workers, useful_workers(self._todo, self._options.per_host))
        while self._threads < count and not self._clock.stop.is_set():
            with self._lock:
                self._running += 1
            name = f"novadoclint-link-{self._threads}"
            self._threads += 1
            threading.Thread(target=self._work, name=name, daemon=True).start()

    def _drain(
        self, pending: int
    ) -> Generator[tuple[str, dict[str | None, LinkResult]], None, None]:
        """Yield each of the *pending* checked pages as it finishes, until the deadline."""
        try:
            while pending:
                remaining = self._clock.left()
                if remaining <= 0 or self._guard.offline:
                    return
                try:
                    finished = self._done.get(timeout=min(remaining, 0.5))
                except queue.Empty:
                    continue
                pending -= 1
                yield finished
        finally:
            self._clock.stop.set()  # workers drop what they are doing within a read slice

    def _work(self) -> None:
        tasks = self._tasks
        try:
            while True:
                job: Job | None = tasks.take()
                if job is None:
                    return
                try:
                    page = self._pages.check(job.fetch_url, job.anchors)
                finally:
                    tasks.finish(job)
                self._done.put((job.fetch_url, page))
        finally:
            with self._lock:
                self._running -= 1
                last = self._running == 0
            if last:
                self._client.close()


class PageCheck:
    """The retry policy: one page fetched (HEAD first, GET after any failure, transient
    failures again after a backoff) and judged for each anchor wanted; on worker threads."""

    def __init__(
        self,
        options: LinkCheckOptions,
        clock: RunClock,
        client: HttpClient,
        throttle: HostThrottle,
        judge: LinkJudge,
    ) -> None:
        self._options = options
        self._clock = clock
        self._client = client
        self._throttle = throttle
        self._judge = judge
        self._lock = threading.Lock()
        self._uncached: set[str] = set()  # fetch URLs whose result must not be cached

    def cacheable(self, fetch_url: str) -> bool:
        """Whether the page's results may be cached: not after a DNS failure, which may be
        the machine's."""
        with self._lock:
            return fetch_url not in self._uncached

    def check(self, fetch_url: str, anchors: frozenset[str | None]) -> dict[str | None, LinkResult]:
        """Fetch *fetch_url* once and judge it for every requested anchor (None: status only)."""
        wanted = frozenset(anchor for anchor in anchors if anchor is not None)
        try:
            fetch = self._probe(fetch_url, wanted)
        except Verdict as final:
            if isinstance(final, DnsFailure):
                with self._lock:
                    self._uncached.add(fetch_url)
            results = {
                anchor: LinkResult(
                    join_anchor(fetch_url, anchor),
                    final.status,
                    final.message,
                    final.code,
                    final.final_url,
                )
                for anchor in anchors
            }
        except Stopped:
            return {}  # the run is over; nobody reads this
        except Exception as exc:  # a bug or a library surprise must not sink the other links
            _log.debug("linkcheck: unexpected error for %s", redact(fetch_url), exc_info=True)
            message = f"could not check: {type(exc).__name__}: {short_error(exc)}"
            results = {
                anchor: LinkResult(join_anchor(fetch_url, anchor), LinkStatus.UNCHECKED, message)
                for anchor in anchors
            }
        else:
            results = {anchor: self._judge.judge(fetch_url, anchor, fetch) for anchor in anchors}
        return {anchor: redacted(result) for anchor, result in results.items()}

    def _probe(self, fetch_url: str, wanted: frozenset[str]) -> Fetch:
        """HEAD (when no anchor is wanted), then GET with retries; raises :class:`Verdict`.

        A failed HEAD always leads to at least one GET, whatever ``retries`` says: a server
        that hangs or errs on HEAD may serve GET fine.
        """
        attempts = self._options.retries + 1
        last: Fetch | Failure | None = None
        failures = 0
        if not wanted:
            try:
                head = self._client.follow("HEAD", fetch_url, wanted)
            except (RedirectTrouble, HostDown):
                pass  # some servers loop only on HEAD; GET decides (or meets the breaker)
            except (requests.RequestException, OSError) as exc:
                failure = self._client.describe(exc)
                if not failure.transient:
                    raise Verdict(LinkStatus.BROKEN, failure.message) from exc
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
                fetch = self._client.follow("GET", fetch_url, wanted)
            except HostDown:
                if isinstance(last, Failure):
                    break  # this page's own failures opened the breaker: report them
                raise
            except (requests.RequestException, OSError) as exc:
                last = self._client.describe(exc)
                failures += 1
                if not last.transient:
                    break
                continue
            if fetch.code >= 500 or fetch.code == 429:
                last = fetch
                failures += 1
                continue
            return fetch
        if isinstance(last, Fetch):
            return last
        message = last.message if last is not None else "no attempt was made"
        raise Verdict(LinkStatus.BROKEN, message)

    def _pause(self, last: Fetch | Failure, failures: int) -> None:
        """Back off before attempt *failures* + 1: exponential, with jitter so that many
        links failing together do not retry in lockstep, capped. After a 429 the host gate
        waits instead."""
        if isinstance(last, Fetch) and last.code == 429:
            return
        self._clock.wait(self._throttle.backoff(failures))
