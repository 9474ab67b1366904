"""Scheduling across hosts and adaptive per-host limits, against real servers on 127.0.0.N.

Concurrency is counted on the server side (tests/multihost.py): what the hosts saw at
once, never how long anything took. The adaptation itself is checked on the throttle with
the times it is told, so nothing here sleeps to see it.
"""

from __future__ import annotations

import time

import pytest
from fakeclock import fake_throttle_clock
from multihost import HostHandler, Latch, hosts, ok

from novadoclint.links import checker, schedule, throttle
from novadoclint.links.checker import Checker, check_links
from novadoclint.links.deadline import RunClock
from novadoclint.links.guard import OFFLINE_AFTER_HOSTS
from novadoclint.links.options import LinkCheckOptions
from novadoclint.links.outcome import LinkStatus


def opts(**changes: object) -> LinkCheckOptions:
    base: dict[str, object] = {
        "allow_private": True,
        "use_cache": False,
        "retries": 1,
        "backoff": 0.01,
        "timeout": 10,
    }
    base.update(changes)
    return LinkCheckOptions(**base)  # type: ignore[arg-type]


def test_every_free_slot_of_every_host_is_used() -> None:
    """Four hosts of six pages, three slots each: twelve requests in flight at once, never
    more than three to one host (the latch holds them until twelve are there)."""
    with hosts(ok, ok, ok, ok) as (traffic, servers):
        traffic.latch = Latch(12)
        urls = [server.url(f"/p{n}") for server in servers for n in range(6)]
        results = check_links(urls, opts(per_host=3))
    assert [r.status for r in results.values()] == [LinkStatus.OK] * 24
    assert traffic.max_total == 12
    assert traffic.max_hosts == 4
    assert sorted(traffic.max_per_host.values()) == [3, 3, 3, 3]


def test_six_at_a_time_per_host_by_default() -> None:
    """Browsers' politeness: up to six requests to one host, not two, and not seven."""
    with hosts(ok) as (traffic, [server]):
        traffic.latch = Latch(6)
        results = check_links([server.url(f"/p{n}") for n in range(20)], opts())
    assert all(r.status is LinkStatus.OK for r in results.values())
    assert LinkCheckOptions().per_host == 6
    assert traffic.max_per_host[server.host] == 6


def test_the_workers_bound_the_whole_run() -> None:
    """Near miss: more slots than workers; the workers are the bound (Sphinx's
    linkcheck_workers means as much)."""
    with hosts(ok, ok, ok) as (traffic, servers):
        traffic.latch = Latch(4, patience=1.0)
        urls = [server.url(f"/p{n}") for server in servers for n in range(4)]
        results = check_links(urls, opts(workers=4))
    assert all(r.status is LinkStatus.OK for r in results.values())
    assert traffic.max_total == 4


def test_connections_are_kept_alive_per_host_across_workers() -> None:
    """One pool per host that every worker uses: as many connections as the host's slots,
    however many workers took its pages."""
    with hosts(ok, ok) as (traffic, servers):
        urls = [server.url(f"/p{n}") for server in servers for n in range(15)]
        results = check_links(urls, opts(per_host=2, workers=16))
    assert all(r.status is LinkStatus.OK for r in results.values())
    assert [len(traffic.ports[server.host]) <= 2 for server in servers] == [True, True]


@pytest.mark.parametrize("code", [429, 503])
def test_a_held_host_does_not_hold_back_the_others(code: int) -> None:
    """A 429 or 503 with Retry-After holds its host back, and its host only: the other
    host's pages are all fetched before the held host is asked again, and its limit is
    halved. Before, a worker that took the held host's next page waited with it."""
    answered: list[int] = []

    def pushing_back(handler: HostHandler) -> None:
        if not answered:
            answered.append(code)
            handler.reply(code, headers=(("Retry-After", "2"),))
        else:
            handler.reply(200)

    with hosts(pushing_back, ok) as (traffic, [held, other]):
        urls = [held.url(f"/a{n}") for n in range(2)] + [other.url(f"/b{n}") for n in range(5)]
        run = Checker(opts(workers=2), None)
        results = run.run(urls)
        limit = run._throttle.limit(held.host)  # the checker's own throttle, after the run
    assert [r.status for r in results.values()] == [LinkStatus.OK] * 7
    arrivals = traffic.hosts_of()
    second_to_held = [n for n, host in enumerate(arrivals) if host == held.host][1]
    assert arrivals[:second_to_held].count(other.host) == 5
    assert limit == 3  # halved; two quick answers since are not yet three


def test_a_pushed_back_limit_is_halved_once_a_round() -> None:
    """6 -> 3 on a 429/503/time-out; the answers of requests sent before that cut do not cut
    again (one cut a round, as TCP's window); a later one cuts to 1, never 0."""
    hosts_ = throttle.HostThrottle(opts(), RunClock())
    before = time.monotonic()
    hosts_.pushed_back("10.0.0.1", before)
    assert hosts_.limit("10.0.0.1") == 3
    hosts_.pushed_back("10.0.0.1", before)  # sent in the same round
    assert hosts_.limit("10.0.0.1") == 3
    later = time.monotonic() + 1
    hosts_.pushed_back("10.0.0.1", later)
    assert hosts_.limit("10.0.0.1") == 1
    hosts_.pushed_back("10.0.0.1", later + 1)
    assert hosts_.limit("10.0.0.1") == 1
    assert hosts_.limit("10.0.0.2") == 6  # other hosts keep theirs


def test_quick_answers_give_the_slots_back_one_at_a_time() -> None:
    """After a cut, every ``limit`` quick answers to requests sent after it add one slot,
    up to ``per_host``; quick answers to requests sent before the cut add nothing."""
    hosts_ = throttle.HostThrottle(opts(per_host=4), RunClock())
    cut = time.monotonic()
    hosts_.pushed_back("h", cut)
    assert hosts_.limit("h") == 2
    for _ in range(5):
        hosts_.answered("h", cut - 1, 0.01)  # sent before the cut
    assert hosts_.limit("h") == 2
    after = time.monotonic() + 1
    hosts_.answered("h", after, 0.01)
    assert hosts_.limit("h") == 2
    hosts_.answered("h", after, 0.01)
    assert hosts_.limit("h") == 3
    for _ in range(10):
        hosts_.answered("h", after, 0.01)
    assert hosts_.limit("h") == 4  # never above per_host


def test_a_host_that_slows_down_is_pushed_back() -> None:
    """An answer far slower than the host's fastest (4x, and over a second) halves its
    limit; one a little slower, or slow on a host always that slow, does not."""
    hosts_ = throttle.HostThrottle(opts(), RunClock())
    now = time.monotonic()
    hosts_.answered("fast", now, 0.05)
    hosts_.answered("fast", now, 0.9)  # slower, but under a second
    assert hosts_.limit("fast") == 6
    hosts_.answered("fast", now, 2.0)
    assert hosts_.limit("fast") == 3
    hosts_.answered("steady", now, 1.5)
    hosts_.answered("steady", now, 2.0)  # this host is always about that slow
    assert hosts_.limit("steady") == 6


def test_a_503_retry_after_holds_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 503's Retry-After holds back its host as a 429's does (fake clock); a 503 without
    one holds nothing (the retry backoff waits anyway)."""
    sleeps, clock = fake_throttle_clock(monkeypatch)
    hosts_ = throttle.HostThrottle(opts(), clock)
    hosts_.note_unavailable("quiet.example", None)
    with hosts_.slot("quiet.example"):
        pass
    assert sleeps == []
    hosts_.note_unavailable("busy.example", "7")
    assert hosts_.room_of("busy.example", {}) == ("busy.example", 7.0)
    with hosts_.slot("busy.example"):
        pass
    assert sleeps == [7.0]


def test_the_host_with_most_pages_left_goes_first() -> None:
    """After the first hosts' first pages (distinct lookups first), the host with the most
    pages left is served first, so it does not run alone at the end; a host whose slots
    are busy is passed over."""
    todo: dict[str, frozenset[str | None]] = {
        url: frozenset({None})
        for url in [
            "https://small.org/1",
            *(f"https://big.org/{n}" for n in range(5)),
            "https://mid.org/1",
            "https://mid.org/2",
        ]
    }
    clock = RunClock()
    hosts_ = throttle.HostThrottle(opts(per_host=2), clock)
    tasks = schedule.HostScheduler(todo, checker.host_of, hosts_, clock, in_turn=1)
    jobs = [tasks.take() for _ in range(5)]
    assert [job.fetch_url for job in jobs if job is not None] == [
        "https://small.org/1",  # in turn
        "https://big.org/0",  # most left
        "https://big.org/1",
        "https://mid.org/1",  # big.org's two slots are busy
        "https://mid.org/2",
    ]
    for job in jobs:
        assert job is not None
        tasks.finish(job)
    rest = []
    while (job := tasks.take()) is not None:
        rest.append(job.fetch_url)
        tasks.finish(job)
    assert rest == [f"https://big.org/{n}" for n in range(2, 5)]


def test_a_host_held_back_is_passed_over() -> None:
    """Near miss: a host under a Retry-After hold has room but no turn until the hold ends;
    the scheduler takes another host's page meanwhile."""
    todo: dict[str, frozenset[str | None]] = {
        "https://held.org/1": frozenset({None}),
        "https://held.org/2": frozenset({None}),
        "https://free.org/1": frozenset({None}),
    }
    clock = RunClock()
    hosts_ = throttle.HostThrottle(opts(), clock)
    hosts_.hold("held.org", 3600)
    tasks = schedule.HostScheduler(todo, checker.host_of, hosts_, clock, OFFLINE_AFTER_HOSTS)
    job = tasks.take()
    assert job is not None and job.fetch_url == "https://free.org/1"
    assert tasks.pending() == 2
    clock.stop.set()  # the run ends: a waiting worker gets nothing
    assert tasks.take() is None


def test_no_more_workers_than_the_slots_can_use() -> None:
    todo: dict[str, frozenset[str | None]] = {
        **{f"https://big.org/{n}": frozenset({None}) for n in range(100)},
        "https://small.org/": frozenset({None}),
    }
    assert checker.useful_workers(todo, 6) == 7
    assert checker.useful_workers({}, 6) == 0


def test_the_derived_deadline_counts_the_busiest_host() -> None:
    """A host's pages go six at a time however many workers there are: 60 pages of one host
    are 10 rounds, not 2, of time-outs the derived run deadline must allow for."""
    run = Checker(opts(timeout=10, retries=1, workers=32, per_host=6), None)
    assert run.run_deadline(60) == 120  # 2 rounds of 30 s: the two-minute floor
    assert run.run_deadline(60, busiest=60) == 10 * 10 * 3
    assert run.run_deadline(60, busiest=5) == 120
