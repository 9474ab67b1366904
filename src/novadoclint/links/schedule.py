"""Which page a link-check worker takes next: one of a host that has a free slot.

Pages are grouped by host. A worker never waits on a busy host while another host has
work: it takes a page of a host whose slots are not all busy and that no ``Retry-After``
holds back, so every free slot of every host is used and the ``workers`` bound of the
whole run, not one host's slots, is what limits a tree of many hosts. Which host: the
first ``in_turn`` hosts' first pages go first, in order, so the first lookups name distinct
hosts (the offline detection of :mod:`.guard` counts distinct names); then the host with
the most pages left, so the host that dominates a tree (docs.openstack.org has a fifth of
nova's links) keeps its slots busy from the start rather than after the small hosts are
done, which would leave it alone at the end. A host's slots are counted by its politeness
key (:meth:`.throttle.HostThrottle.group`: its address once a request has resolved it, so
names of one server share them) and its current limit is the throttle's, which adapts to
how the host answers.

Pages may also come while the run is under way (:meth:`HostScheduler.add`, as phase 1
parses the documents that hold them): a worker with nothing to take waits for more until
the scheduler is closed (:meth:`HostScheduler.close`). A page already queued gains the
anchors a later document asks of it, so it is still fetched once.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections import deque
from collections.abc import Callable

from novadoclint.links.deadline import READ_SLICE, RunClock
from novadoclint.links.throttle import HostThrottle

__all__ = ["HostScheduler", "Job"]

#: A page to check: its fetch URL and the anchors wanted (None: the status only).
Page = tuple[str, frozenset[str | None]]


class Job:
    """A page a worker took, and the politeness key its slot was counted under."""

    __slots__ = ("anchors", "fetch_url", "key")

    def __init__(self, fetch_url: str, anchors: frozenset[str | None], key: str) -> None:
        self.fetch_url = fetch_url
        self.anchors = anchors
        self.key = key


class HostScheduler:
    """Hands out a run's pages to its workers, host by host in turn, where there is room."""

    def __init__(
        self,
        pages: dict[str, frozenset[str | None]],
        host_of: Callable[[str], str],
        throttle: HostThrottle,
        clock: RunClock,
        in_turn: int = 0,
        *,
        closed: bool = True,
    ) -> None:
        self._throttle = throttle
        self._clock = clock
        self._host_of = host_of
        self._in_turn = in_turn
        self._closed = closed  # no page will be added: a worker finding none may stop
        self._seen: set[str] = set()  # every host that ever had a page
        self._queues: dict[str, deque[Page]] = {}
        self._first: deque[str] = deque()  # hosts whose first page goes first
        # the other hosts, most pages left first (ties: in order), kept sorted as pages go
        self._order: list[str] = []
        self._taken: dict[str, int] = {}  # pages in progress per politeness key
        self._changed = threading.Condition()
        self.add(pages)

    def add(self, pages: dict[str, frozenset[str | None]]) -> None:
        """Queue more pages, each after its host's; a new host among the first ``in_turn``
        goes in turn, and the order by pages left is kept."""
        with self._changed:
            for fetch_url, anchors in pages.items():
                host = self._host_of(fetch_url)
                if host not in self._queues:
                    self._queues[host] = deque()
                    self._order.append(host)
                    if host not in self._seen and len(self._seen) < self._in_turn:
                        self._first.append(host)
                    self._seen.add(host)
                self._queues[host].append((fetch_url, anchors))
            self._order.sort(key=lambda host: -len(self._queues[host]))  # stable: ties in order
            self._changed.notify_all()

    def widen(self, fetch_url: str, anchors: frozenset[str | None]) -> bool:
        """Add *anchors* to *fetch_url*'s page if it is still queued (one fetch serves them
        all); False if no worker will take it any more (taken, or never queued)."""
        with self._changed:
            pages = self._queues.get(self._host_of(fetch_url))
            if pages is None:
                return False
            for at, (queued, wanted) in enumerate(pages):
                if queued == fetch_url:
                    pages[at] = (queued, wanted | anchors)
                    return True
            return False

    def close(self) -> None:
        """No more pages will come: workers stop once the queued ones are taken."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def take(self) -> Job | None:
        """The next page a free slot can serve, waiting while none can; ``None`` when no
        page is left (and the scheduler is closed) or the run stops."""
        with self._changed:
            while (self._order or not self._closed) and not self._clock.stop.is_set():
                wait = math.inf
                for host in (*self._first, *self._order):
                    key, room = self._throttle.room_of(host, self._taken)
                    if room == 0:
                        return self._pop(host, key)
                    wait = min(wait, room)
                # every host busy or held back: until a page finishes or a hold ends
                self._changed.wait(min(wait, READ_SLICE))
            return None

    def _pop(self, host: str, key: str) -> Job:
        """Take *host*'s next page and move the host down the order past those with more."""
        with contextlib.suppress(ValueError):
            self._first.remove(host)
        pages = self._queues[host]
        fetch_url, anchors = pages.popleft()
        at = self._order.index(host)
        if not pages:
            del self._queues[host], self._order[at]
        else:
            left = len(pages)
            while at + 1 < len(self._order) and len(self._queues[self._order[at + 1]]) > left:
                self._order[at], self._order[at + 1] = self._order[at + 1], host
                at += 1
        self._taken[key] = self._taken.get(key, 0) + 1
        return Job(fetch_url, anchors, key)

    def finish(self, job: Job) -> None:
        """*job*'s page is done: its slot may serve another page."""
        with self._changed:
            self._taken[job.key] -= 1
            self._changed.notify()

    def pending(self) -> int:
        """Pages not yet taken (for tests and the log)."""
        with self._changed:
            return sum(len(pages) for pages in self._queues.values())
