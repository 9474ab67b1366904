"""Politeness per host: adaptive concurrent slots, Retry-After, backoff and a circuit breaker.

A tree links to a few hosts hundreds of times, so the check must not hammer them. Each host
gets up to ``per_host`` slots (6 by default, as browsers open per host), keyed by the
address its name resolves to (many names for one server share them). The limit adapts the
way TCP's congestion window does: a 429, a 503, a time-out or an answer that came far
slower than the host's fastest halves it (at least 1; once per round of requests, so the
answers of the requests already in flight do not halve it again), and every ``limit``
quick answers in a row raise it by one, back up to ``per_host``. A ``Retry-After`` (capped)
on a 429 or a 503 holds back every request to that host; retries back off exponentially
with jitter; and a host that fails ``host_failures`` times in a row (time-outs, refused
connections) is not asked again in this run.
"""

from __future__ import annotations

import contextlib
import email.utils
import math
import random
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone

from novadoclint.links.deadline import READ_SLICE, RunClock
from novadoclint.links.options import LinkCheckOptions
from novadoclint.links.outcome import HostDown, LinkStatus, Stopped
from novadoclint.links.syntax import Target

__all__ = ["HostThrottle", "parse_retry_after"]

#: One backoff pause never exceeds this, however many failures came before.
_MAX_PAUSE = 60.0
#: An answer is "slow" when its headers took this many times the host's fastest answer...
SLOW_FACTOR = 4.0
#: ... and at least this many seconds (a 5 ms host answering in 40 ms is not in trouble).
SLOW_FLOOR = 1.0


class HostThrottle:
    """The per-host limits of one run: adaptive slots, hold-backs and consecutive failures.

    Hosts are keyed by the address the guard approved (:meth:`group` maps a host name to
    it once a request has been made), so a scheduler can ask which hosts have room
    (:meth:`room`) and never wait on a busy host while another one has work.
    """

    def __init__(self, options: LinkCheckOptions, clock: RunClock) -> None:
        self._options = options
        self._clock = clock
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._in_use: dict[str, int] = {}
        self._limit: dict[str, int] = {}
        self._quick: dict[str, int] = {}  # quick answers in a row since the last change
        self._lowered_at: dict[str, float] = {}
        self._fastest: dict[str, float] = {}
        self._key_of: dict[str, str] = {}  # host name -> key (its lowest approved address)
        self._host_not_before: dict[str, float] = {}
        self._host_failures: dict[str, int] = {}
        self._rng = random.Random()

    def group(self, name: str) -> str:
        """The politeness key of host *name*: its address once known, else the name."""
        with self._lock:
            return self._key_of.get(name, name)

    def room_of(self, name: str, taken: Mapping[str, int]) -> tuple[str, float]:
        """Host *name*'s key and :meth:`room` (*taken*: pages in progress per key), in one
        hold of the lock: a scheduler asks about many hosts for every page."""
        per_host = self._options.per_host
        with self._lock:
            key = self._key_of.get(name, name)
            if taken.get(key, 0) >= self._limit.get(key, per_host):
                return key, math.inf
            return key, max(0.0, self._host_not_before.get(key, 0.0) - time.monotonic())

    def limit(self, key: str) -> int:
        """The requests at a time *key* may have now (``per_host`` until it pushed back)."""
        with self._lock:
            return self._limit.get(key, self._options.per_host)

    def room(self, key: str, taken: int) -> float:
        """0 when *key* can take a request besides *taken* of its own in progress; else
        seconds until it may (a Retry-After hold), or ``math.inf`` (all its slots busy)."""
        with self._lock:
            if taken >= self._limit.get(key, self._options.per_host):
                return math.inf
            return max(0.0, self._host_not_before.get(key, 0.0) - time.monotonic())

    @contextlib.contextmanager
    def slot(self, host_key: str, name: str | None = None) -> Iterator[None]:
        """Hold one of the host's slots (its current limit), after any Retry-After wait.

        *name* is the host name the key was approved for: the scheduler groups its pages
        by the key from then on.
        """
        with self._freed:
            if name is not None:
                self._key_of[name] = host_key
            while self._in_use.get(host_key, 0) >= self._limit.get(
                host_key, self._options.per_host
            ):
                self._freed.wait(READ_SLICE)
                if self._clock.stop.is_set():
                    raise Stopped
            self._in_use[host_key] = self._in_use.get(host_key, 0) + 1
        try:
            while True:
                with self._lock:
                    delay = self._host_not_before.get(host_key, 0.0) - time.monotonic()
                if delay <= 0:
                    break
                self._clock.wait(delay)
            yield
        finally:
            with self._freed:
                self._in_use[host_key] -= 1
                self._freed.notify_all()

    def hold(self, host: str, delay: float) -> None:
        """Make every request to *host* wait *delay* seconds from now (or longer, if held)."""
        with self._lock:
            until = time.monotonic() + delay
            if until > self._host_not_before.get(host, 0.0):
                self._host_not_before[host] = until

    def pushed_back(self, host_key: str, started: float) -> None:
        """The host answered 429 or 503, timed out, or slowed down: halve its limit (at
        least 1), unless it was lowered after this request was sent (one cut per round)."""
        with self._lock:
            if started < self._lowered_at.get(host_key, -math.inf):
                return
            before = self._limit.get(host_key, self._options.per_host)
            self._limit[host_key] = max(1, before // 2)
            self._lowered_at[host_key] = time.monotonic()
            self._quick[host_key] = 0

    def answered(self, host_key: str, started: float, seconds: float) -> None:
        """A response's headers came after *seconds*: a slow one is a push-back, and
        ``limit`` quick ones in a row give the host one slot more (up to ``per_host``)."""
        with self._lock:
            fastest = self._fastest[host_key] = min(seconds, self._fastest.get(host_key, math.inf))
            slow = seconds > max(SLOW_FLOOR, SLOW_FACTOR * fastest)
            limit = self._limit.get(host_key, self._options.per_host)
            if not slow and started < self._lowered_at.get(host_key, -math.inf):
                return  # sent before the last cut: says nothing about the new limit
            if not slow:
                quick = self._quick[host_key] = self._quick.get(host_key, 0) + 1
                if quick >= limit and limit < self._options.per_host:
                    self._limit[host_key] = limit + 1
                    self._quick[host_key] = 0
                return
        self.pushed_back(host_key, started)

    def check_breaker(self, host_key: str, target: Target) -> None:
        """Refuse to ask a host that failed ``host_failures`` times in a row in this run."""
        limit = self._options.host_failures
        with self._lock:
            failures = self._host_failures.get(host_key, 0)
        if failures >= limit:
            message = (
                f"{target.host} ({host_key}) failed {limit} times in a row "
                "(time-outs or refused connections), so its remaining links were not fetched"
            )
            raise HostDown(LinkStatus.UNCHECKED, message)

    def count(self, host_key: str, failed: bool) -> None:
        """Count a request's outcome for the breaker: a failure in a row, or a success."""
        with self._lock:
            before = self._host_failures.get(host_key, 0)
            self._host_failures[host_key] = before + 1 if failed else 0

    def note_rate_limit(self, host_key: str, retry_after: str | None) -> None:
        """A 429 came: hold the host back as its ``Retry-After`` says (capped), or a short
        jittered while when it says nothing readable."""
        delay = parse_retry_after(retry_after, cap=self._options.max_retry_after, now=time.time())
        if delay is None:
            delay = self._options.backoff * (1 + self._rng.random())
        self.hold(host_key, delay)

    def note_unavailable(self, host_key: str, retry_after: str | None) -> None:
        """A 503 came: hold the host back only if its ``Retry-After`` says so (capped); the
        retry policy backs off anyway."""
        delay = parse_retry_after(retry_after, cap=self._options.max_retry_after, now=time.time())
        if delay:
            self.hold(host_key, delay)

    def backoff(self, failures: int) -> float:
        """The pause before attempt *failures* + 1: exponential, with jitter so that many
        links failing together do not retry in lockstep, capped."""
        base = self._options.backoff
        delay: float = min(
            base * 2 ** min(failures - 1, 16) + self._rng.uniform(0, base), _MAX_PAUSE
        )
        return delay


def parse_retry_after(value: str | None, *, cap: float, now: float) -> float | None:
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
