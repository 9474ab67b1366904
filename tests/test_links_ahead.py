"""--check-links begins while phase 1 parses: ordering shown by events, never by timing.

The pool hands each task's documents to the link check as the task finishes
(:class:`novadoclint.links.plan.LinkCheck`), so their URLs are fetched while other
documents are parsed. What must not change is checked too: the findings, one GET per page
that wants anchors, and a re-run whose every result is cached never loads the HTTP client.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from linkserver import LinkServer, Route, no_proxy, serving
from test_linkcheck import opts

from novadoclint import engine, phase1
from novadoclint.context import Context
from novadoclint.facts import Phase1Result, empty_facts
from novadoclint.findings import Hit, Location
from novadoclint.links import checker, plan, schedule, throttle
from novadoclint.links.checker import Checker
from novadoclint.links.deadline import RunClock
from novadoclint.links.ledger import Ledger
from novadoclint.links.outcome import LinkStatus
from novadoclint.links.schedule import Job
from novadoclint.workers import pool_size

POOL = pytest.mark.skipif(
    pool_size(2, 2) < 2 or multiprocessing.get_start_method() != "fork",
    reason="needs two usable cores and forked workers (they inherit the patched phase 1)",
)
ROUTES = {
    "/ok": Route(body="<html><body><h2 id='install'>Install</h2></body></html>"),
    "/old": Route(301, "", location="/ok"),
}
#: Set before the pool forks: the file whose existence says the server was asked.
MARKER: dict[str, str] = {}
PHASE1_FILE = phase1.phase1_file
WAIT_FOR_A_REQUEST = 60.0  # seconds: a safety net; a run without the overlap fails after it


@pytest.fixture(autouse=True)
def _local_only() -> Iterator[None]:
    with no_proxy():
        yield


def pages_tree(root: Path, server: LinkServer, pages: int) -> Path:
    """An index, ``pages`` small pages of one link each and ``last``, heavier than them all
    (the pool's first task, alone), with the links the others have too."""
    root.mkdir()
    (root / "conf.py").write_text("extensions = []\n", encoding="utf-8")
    names = [f"p{n:02d}" for n in range(pages)] + ["last"]
    toctree = "".join(f"   {name}\n" for name in names)
    (root / "index.rst").write_text(f"Index\n=====\n\n.. toctree::\n\n{toctree}", "utf-8")
    for n in range(pages):
        link = f"{server.base}/ok" if n % 3 else f"{server.base}/p{n}"
        (root / f"p{n:02d}.rst").write_text(f"P{n}\n===\n\nSee {link} and\n{server.base}/old.\n")
    filler = "".join(
        f"Paragraph {n} of text to make this page the heaviest.\n\n" for n in range(200)
    )
    (root / "last.rst").write_text(
        f"Last\n====\n\n{filler}`Install <{server.base}/ok#install>`_ and {server.base}/p0.\n"
    )
    return root


def parse_last_after_a_request(
    ctx: Context, rule_ids: tuple[str, ...], item: tuple[str, str]
) -> Phase1Result:
    """phase1_file, except that ``last`` waits until the server was asked for a link (in a
    worker process); if that never happens it says so as an internal error."""
    docname, path = item
    if docname == "last":
        marker = Path(MARKER["path"])
        give_up = time.monotonic() + WAIT_FOR_A_REQUEST
        while not marker.exists():
            if time.monotonic() > give_up:
                hit = Hit(Location(path, 1), "parsed before any link was fetched")
                return Phase1Result(empty_facts(docname, path), (("internal-error", hit),))
            time.sleep(0.01)
    return PHASE1_FILE(ctx, rule_ids, item)


def lint(tree: Path, jobs: int, server: LinkServer, *, cache: bool = False) -> list[str]:
    """The findings, each as FILE:LINE: RULE MESSAGE, the server's address as {s}."""
    overrides: dict[str, Any] = {
        "jobs": jobs,
        "cache": cache,
        "check_links": True,
        "allow_private": True,
        "select": ["all"],
    }
    run = engine.lint([tree], overrides=overrides)
    return [
        f"{Path(f.path).name}:{f.line}: {f.rule} {f.message.replace(server.base, '{s}')}"
        for f in run.findings
    ]


@POOL
def test_links_are_fetched_before_the_last_document_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The heaviest page is the first task; its worker waits for the server to see a request,
    which comes from the pages the other worker parsed meanwhile. Before the overlap, no
    request came until every page was parsed, and ``last`` gave up waiting."""
    with serving(ROUTES) as server:
        marker = tmp_path / "asked"
        MARKER["path"] = str(marker)
        record = server.record

        def recorded(method: str, path: str, headers: dict[str, str]) -> None:
            record(method, path, headers)
            marker.touch()

        monkeypatch.setattr(server, "record", recorded)
        tree = pages_tree(tmp_path / "src", server, 12)
        monkeypatch.setattr(phase1, "phase1_file", parse_last_after_a_request)
        found = lint(tree, 2, server)
    assert [line for line in found if "internal-error" in line] == []
    broken = [line for line in found if "link-broken" in line]
    assert broken == [
        "last.rst:404: link-broken broken link '{s}/p0': 404 Not Found",
        *(
            f"p{n:02d}.rst:4: link-broken broken link '{{s}}/p{n}': 404 Not Found"
            for n in (0, 3, 6, 9)
        ),
    ]


def test_with_every_document_cached_links_start_before_the_tree_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing to parse, so no pool to fork: the cached documents' links are fetched at
    once, while the tree rules run (they wait here for the server to be asked)."""
    with serving(ROUTES) as server:
        tree = pages_tree(tmp_path / "src", server, 3)
        overrides: dict[str, Any] = {"check_links": True, "allow_private": True}
        cold = engine.lint([tree], overrides=overrides)  # fills the facts cache
        asked = len(server.requests())
        seen: list[bool] = []
        tree_hits = engine.tree_hits

        def after_a_request(*args: Any) -> Any:
            give_up = time.monotonic() + WAIT_FOR_A_REQUEST
            while len(server.requests()) == asked and time.monotonic() < give_up:
                time.sleep(0.005)
            seen.append(len(server.requests()) > asked)
            return tree_hits(*args)

        monkeypatch.setattr(engine, "tree_hits", after_a_request)
        warm = engine.lint([tree], overrides={**overrides, "refresh": True})
    assert seen == [True]
    assert warm.findings == cold.findings and any(f.rule == "link-broken" for f in warm.findings)


@POOL
def test_the_pool_and_one_process_find_the_same(tmp_path: Path) -> None:
    """Near miss of the above, nothing held back: fetching while parsing (two workers) and
    after it (one process) report the same; the page that wants an anchor is fetched by
    one GET either way."""
    runs = []
    for jobs in (2, 1):
        with serving(ROUTES) as server:
            tree = pages_tree(tmp_path / f"src{jobs}", server, 12)
            runs.append((lint(tree, jobs, server), server))
    (pool, pooled), (serial, alone) = runs
    assert pool == serial and any("link-redirected" in line for line in pool)
    for server in (pooled, alone):
        assert server.requests().count(("GET", "/ok")) == 1  # /ok#install and /ok: one GET
    assert sorted(set(pooled.requests())) == sorted(set(alone.requests()))


@POOL
def test_a_failing_early_start_is_met_again_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The link cache cannot be opened (an OSError): while the pool parses, that must not
    pass for the pool failing to start (phase 1 run again serially); the check meets it
    again where it always did, after phase 1, and the run fails with it."""

    def unopenable(namespace: str) -> None:
        raise OSError(f"cannot open the cache {namespace!r}")

    monkeypatch.setattr(plan, "DiskCache", unopenable)
    with serving(ROUTES) as server, pytest.raises(OSError, match="cannot open the cache"):
        lint(pages_tree(tmp_path / "src", server, 12), 2, server, cache=True)
    assert server.requests() == []
    assert not [r for r in caplog.records if "running serially" in r.getMessage()]


def wait_for(server: LinkServer, request: tuple[str, str]) -> None:
    """Until the server saw *request* (an event; the limit only stops a broken run)."""
    give_up = time.monotonic() + WAIT_FOR_A_REQUEST
    while request not in server.requests():
        assert time.monotonic() < give_up, f"no {request} came"
        time.sleep(0.005)


def test_pages_come_while_workers_wait_and_a_queued_page_gains_anchors() -> None:
    """An open scheduler: a worker with nothing to take waits for the next page; anchors
    wanted of a page still queued join it (one fetch), of a page taken they do not; once
    closed, a worker finding nothing stops."""
    clock = RunClock()
    hosts = throttle.HostThrottle(opts(per_host=1), clock)
    tasks = schedule.HostScheduler({}, checker.host_of, hosts, clock, 2, closed=False)
    taken: list[Job | None] = []
    waiting = threading.Thread(target=lambda: taken.append(tasks.take()))
    waiting.start()
    tasks.add({"https://a.org/1": frozenset({None}), "https://a.org/2": frozenset({None})})
    waiting.join(WAIT_FOR_A_REQUEST)
    [first] = taken
    assert first is not None and first.fetch_url == "https://a.org/1"
    assert not tasks.widen("https://a.org/1", frozenset({"top"}))  # taken: too late
    assert tasks.widen("https://a.org/2", frozenset({"top"}))  # queued: joins
    assert not tasks.widen("https://b.org/1", frozenset({"top"}))  # never queued
    tasks.finish(first)
    second = tasks.take()
    assert second is not None and second.anchors == frozenset({None, "top"})
    tasks.finish(second)
    tasks.close()
    assert tasks.take() is None


def test_an_anchor_wanted_of_a_page_already_fetched_is_one_more_get() -> None:
    """A status-only page fetched (HEAD) before the end, when the whole list wants an
    anchor of it too: one GET more, as when its status alone is cached; same results."""
    with serving(ROUTES) as server:
        options = opts()
        ledger = Ledger(options, None)
        check = Checker(options, None, ledger=ledger)
        s = server.base
        check.fetch(ledger.add([f"{s}/old"]))
        wait_for(server, ("HEAD", "/old"))
        urls = [f"{s}/old", f"{s}/old#x", f"{s}/ok#install"]
        results = check.finish(urls)
        asked = server.requests()
    assert [results[url].status for url in urls] == [
        LinkStatus.REDIRECTED,
        LinkStatus.ANCHOR_MISSING,
        LinkStatus.OK,
    ]
    assert [r for r in asked if r[1] == "/old"] == [("HEAD", "/old"), ("GET", "/old")]
    assert ("HEAD", "/ok#install") not in asked and asked.count(("GET", "/ok")) == 2


def test_the_run_deadline_counts_from_the_whole_list() -> None:
    """Pages fetched while phase 1 parses do not use up the run's deadline: it is set when
    the whole list is known, as when every page waited for it."""
    with serving(ROUTES) as server:
        options = opts(run_timeout=60.0)
        ledger = Ledger(options, None)
        check = Checker(options, None, ledger=ledger)
        check.fetch(ledger.add([f"{server.base}/ok"]))
        wait_for(server, ("HEAD", "/ok"))
        before = time.monotonic()
        results = check.finish([f"{server.base}/ok", f"{server.base}/old"])
    assert check._clock.ends >= before + 60.0
    assert [r.status for r in results.values()] == [LinkStatus.OK, LinkStatus.REDIRECTED]


def test_anchors_wanted_before_and_at_the_end_share_one_get() -> None:
    """A page that wants an anchor waits for the whole list, whose other anchors of it
    join: one GET judges both."""
    with serving(ROUTES) as server:
        options = opts()
        ledger = Ledger(options, None)
        check = Checker(options, None, ledger=ledger)
        s = server.base
        check.fetch(ledger.add([f"{s}/ok#install"]))
        urls = [f"{s}/ok#install", f"{s}/ok#nowhere"]
        results = check.finish(urls)
        asked = server.requests()
    assert [results[url].status for url in urls] == [
        LinkStatus.OK,
        LinkStatus.ANCHOR_MISSING,
    ]
    assert asked == [("GET", "/ok")]


def test_a_rerun_with_every_result_cached_never_loads_the_http_client(tmp_path: Path) -> None:
    """In a fresh process, as the command runs; near miss: --refresh loads it and asks."""
    with serving(ROUTES) as server:
        tree = pages_tree(tmp_path / "src", server, 3)
        env = {**os.environ, "NOVADOCLINT_CACHE_DIR": str(tmp_path / "cache")}
        script = (
            "import sys\n"
            "from novadoclint.cli import main\n"
            "code = main(['--check-links', '--allow-private', '-o', sys.argv[1], *sys.argv[2:]])\n"
            "print(code, 'novadoclint.links.checker' in sys.modules,"
            " 'novadoclint.links.http' in sys.modules)\n"
        )

        def run(*flags: str) -> str:
            out = tmp_path / "out.txt"
            done = subprocess.run(
                [sys.executable, "-c", script, str(out), *flags, str(tree)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            return done.stdout.strip() + " | " + out.read_text(encoding="utf-8")

        first = run()
        asked = len(server.requests())
        again = run()
        assert len(server.requests()) == asked
        refreshed = run("--refresh")
        assert len(server.requests()) == 2 * asked
    assert first.startswith("1 True True | ") and "link-broken" in first
    assert again == first.replace("1 True True", "1 False False", 1)
    assert refreshed == first
