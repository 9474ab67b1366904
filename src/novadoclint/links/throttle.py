"""Politeness per host: concurrent slots, Retry-After, backoff and a circuit breaker.

A tree links to a few hosts hundreds of times, so the check must not hammer them: each host
gets ``per_host`` slots, keyed by the address its name resolves to (many names for one
server share them); a 429's ``Retry-After`` (capped) holds back every request to that host;
retries back off exponentially with jitter; and a host that fails ``host_failures`` times in
a row (time-outs, refused connections) is not asked again in this run.
"""

from __future__ import annotations

import contextlib
import email.utils
import random
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone

from novadoclint.links.deadline import READ_SLICE, RunClock
from novadoclint.links.options import LinkCheckOptions
from novadoclint.links.outcome import HostDown, LinkStatus, Stopped
from novadoclint.links.syntax import Target

__all__ = ["HostThrottle", "parse_retry_after"]

#: One backoff pause never exceeds this, however many failures came before.
_MAX_PAUSE = 60.0


class HostThrottle:
    """The per-host limits of one run: slots, hold-backs and consecutive failures."""

    def __init__(self, options: LinkCheckOptions, clock: RunClock) -> None:
        self._options = options
        self._clock = clock
        self._lock = threading.Lock()
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._host_not_before: dict[str, float] = {}
        self._host_failures: dict[str, int] = {}
        self._rng = random.Random()

    @contextlib.contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Hold one of the host's ``per_host`` slots, after any Retry-After wait for it."""
        with self._lock:
            slot = self._host_slots.get(host)
            if slot is None:
                slot = self._host_slots[host] = threading.BoundedSemaphore(self._options.per_host)
        while not slot.acquire(timeout=READ_SLICE):
            if self._clock.stop.is_set():
                raise Stopped
        try:
            while True:
                with self._lock:
                    delay = self._host_not_before.get(host, 0.0) - time.monotonic()
                if delay <= 0:
                    break
                self._clock.wait(delay)
            yield
        finally:
            slot.release()

    def hold(self, host: str, delay: float) -> None:
        """Make every request to *host* wait *delay* seconds from now (or longer, if held)."""
        with self._lock:
            until = time.monotonic() + delay
            if until > self._host_not_before.get(host, 0.0):
                self._host_not_before[host] = until

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
