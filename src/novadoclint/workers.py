"""Phase 1's process pool: workers that never outlive the run that started them.

Apart from the per-file driver (:mod:`novadoclint.phase1`) because its concern
is processes and signals, not documents: Ctrl-C, SIGTERM, a dead parent and a
``jobs`` setting that asks for a fork bomb are all handled here.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, TypeVar

from novadoclint.project.vocabulary import Vocabulary

if TYPE_CHECKING:  # imported where a pool starts: a warm run starts none
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

Item = TypeVar("Item")
Result = TypeVar("Result")

PR_SET_PDEATHSIG = 1  # linux/prctl.h
# A task is this share of what is left per worker, and at least 1/SMALLEST_TASK of a
# worker's whole: the last tasks are small, so the workers finish close together.
TASKS_PER_WORKER = 4
SMALLEST_TASK = 40
# What a file weighs beyond its size in bytes: a parse's cost whatever the size, about
# that of 1 KB of text (nova's pages: ~1.1-1.9 us a byte, and ~1.5-2 ms for a 300-byte
# page). Without it, the last task of nova-2026 held 27 small pages, ~0.1 s of work alone.
FILE_WEIGHT = 1024
# What the ``together`` items' shared cost weighs in bytes (pydot's grammar, ~0.25 s: what
# ~160 KB of text costs to parse) when tasks are ordered: a light page with a graph does
# not build the grammar in the last task while the other workers wait.
SHARED_WEIGHT = 160_000
NAMED_FILES = 3  # a dead worker's message names this many of the files it may have held
DEATH_WAIT = 2.0  # seconds to learn how the workers of a broken pool ended


def pool_size(jobs: int, files: int) -> int:
    """Worker processes to start: never more than the usable cores or the files to parse.

    ``jobs`` may come from a repository's config, that is from the pull request
    under review: ``jobs = 100000`` forked that many processes.
    """
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    return max(1, min(jobs, cores, files))


class Terminated(BaseException):
    """SIGTERM arrived while workers ran: unwind like Ctrl-C, so that they are stopped.

    A BaseException, so that the guards around rules do not swallow it.
    """


def run_pool(
    work: Callable[[Item], Result],
    items: Sequence[Item],
    workers: int,
    vocab: Vocabulary,
    weights: Sequence[int] | None = None,
    together: Sequence[bool] = (),
    on_done: Callable[[list[Result]], None] | None = None,
) -> list[Result]:
    """Map work over items in worker processes that never outlive this run.

    ``weights`` (a file's size) orders the work heaviest first, so that one big
    file does not start last and finish alone; the items marked ``together`` go
    to one worker (see :func:`plan_chunks`). Ctrl-C, SIGTERM or any error
    terminates the workers at once: leaving the pool's ``with`` would wait for
    every queued file first, and a killed parent would leave them running for
    good. A worker that dies (the kernel's OOM killer) is WorkerDied, naming the
    signal and the files it may have held. ``on_done`` hears of each task's results
    as it finishes, on this thread, once every worker was started.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    chunks = plan_chunks(weights or [1] * len(items), workers, together)
    context = multiprocessing.get_context()
    # A forkserver (Python 3.14's default) is the workers' parent, not this process.
    parent = None if context.get_start_method() == "forkserver" else os.getpid()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=init_worker,
        initargs=(vocab, parent),
    )
    done: dict[int, Result] = {}
    try:
        with sigterm_raises():
            with frozen_heap():  # a fork context forks every worker at the first submit
                futures = [
                    pool.submit(work_chunk, work, [items[i] for i in chunk]) for chunk in chunks
                ]
            processes = list((getattr(pool, "_processes", None) or {}).values())
            waiting = {future: number for number, future in enumerate(futures)}
            for future in as_completed(futures):
                number = waiting.pop(future)
                try:
                    results = future.result()
                except BrokenProcessPool:
                    lost = sorted([number, *waiting.values()])
                    unfinished = [items[i] for n in lost for i in chunks[n]]
                    raise WorkerDied(died_how(processes), unfinished) from None
                done.update(zip(chunks[number], results, strict=True))
                if on_done is not None:
                    on_done(results)
    except BaseException:
        stop_workers(pool)
        raise
    # Waits the ~10 ms the workers take to exit: left to the interpreter's exit, the
    # pool's thread may close its wake-up pipe while concurrent.futures' exit hook
    # writes to it (CPython 3.11), which prints "Exception ignored ... Bad file descriptor".
    pool.shutdown()
    return [done[i] for i in range(len(items))]


def plan_chunks(
    weights: Sequence[int], workers: int, together: Sequence[bool] = ()
) -> list[list[int]]:
    """The items' indexes in tasks, heaviest first, each task a share of the weight left.

    A file weighs its size in bytes plus FILE_WEIGHT. A file heavier than a share
    is a task alone; small ones travel together, so that they do not pay a round
    trip each, fewer as the end nears (guided self-scheduling: nova's 190 pages
    make ~24 tasks). The items marked ``together`` are one task, weighed as one:
    they share a cost each worker pays once (pydot's grammar, ~0.25 s, on a
    worker's first graph), which orders them (SHARED_WEIGHT), unless they weigh
    more than half a worker's share: then the balance counts more.
    """

    def weight(unit: list[int]) -> int:
        return sum(max(0, weights[i]) + FILE_WEIGHT for i in unit)

    marked = [i for i in range(len(weights)) if i < len(together) and together[i]]
    if weight(marked) > weight(list(range(len(weights)))) // (workers * 2):
        marked = []
    grouped = set(marked)
    units = [[i] for i in range(len(weights)) if i not in grouped]
    if marked:
        units.append(marked)

    shared = {marked[0]: SHARED_WEIGHT} if marked else {}  # orders their task, no more
    units.sort(key=lambda unit: (-weight(unit) - shared.get(unit[0], 0), unit[0]))
    left = sum(weight(unit) for unit in units)
    least = max(1, left // (workers * SMALLEST_TASK))
    chunks: list[list[int]] = []
    chunk: list[int] = []
    for unit in units:
        chunk.extend(unit)
        if weight(chunk) >= max(least, left // (workers * TASKS_PER_WORKER)):
            chunks.append(chunk)
            left -= weight(chunk)
            chunk = []
    if chunk:
        chunks.append(chunk)
    return chunks


class WorkerDied(Exception):
    """A worker process died while it held files: the run cannot say what they hold."""

    def __init__(self, how: str, unfinished: Sequence[object]) -> None:
        named = [str(item[-1] if isinstance(item, tuple) else item) for item in unfinished]
        more = len(named) - NAMED_FILES
        files = ", ".join(named[:NAMED_FILES]) + (f" (+{more} more)" if more > 0 else "")
        super().__init__(f"a worker process {how} while checking one of: {files}")


def died_how(processes: Sequence[multiprocessing.process.BaseProcess]) -> str:
    """'was killed by SIGKILL' or 'exited with status 1': the first worker that did not
    end by the SIGTERM the pool sends the others once one is dead."""
    deadline = time.monotonic() + DEATH_WAIT
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    # The pool's own thread may reap a worker between this thread's wait and its waitpid:
    # that join sees None, and the exit code lands on the same object a moment later.
    while any(p.exitcode is None for p in processes) and time.monotonic() < deadline:
        time.sleep(0.01)
    codes = [process.exitcode for process in processes]
    for code in codes:
        if code is not None and code != -signal.SIGTERM:
            if code < 0:
                with suppress(ValueError):
                    return f"was killed by {signal.Signals(-code).name}"
                return f"was killed by signal {-code}"
            return f"exited with status {code}"
    return "was killed by SIGTERM" if -signal.SIGTERM in codes else "died"


@contextmanager
def frozen_heap() -> Iterator[None]:
    """This process's objects out of the collector's reach while workers are forked from it.

    A worker's full collections would traverse every object it inherited (the
    imports, the vocabulary: ~40,000, ~15 ms a time) and write to their
    headers, copying the pages it shares with this process; frozen, they are
    never traversed there. Here they are the collector's again after.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def work_chunk(work: Callable[[Item], Result], chunk: Sequence[Item]) -> list[Result]:
    """One task of the pool: several files, so that small ones do not pay a round trip each.

    Not ``pool.map``: its cleanup cancels the queued futures, and Python 3.11's
    pool then fails on them (InvalidStateError) when the workers are terminated.
    """
    return [work(item) for item in chunk]


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Raise Terminated on SIGTERM inside the block; the previous handler is restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_workers(pool: ProcessPoolExecutor, grace: float = 2.0) -> None:
    """Terminate the pool's workers now (SIGTERM, then SIGKILL after grace seconds).

    ``_processes`` is private, but the public shutdown() waits for running tasks
    (Python 3.14's terminate_workers() is this).
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(grace)
        if process.is_alive():
            process.kill()
            process.join(grace)
    pool.shutdown(wait=False, cancel_futures=True)
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:  # gone before this process exits: see run_pool's shutdown
        manager.join(grace)


def init_worker(vocab: Vocabulary, parent: int | None) -> None:
    """Set up a worker: the vocabulary; the parent alone handles Ctrl-C and SIGTERM.

    The terminal sends Ctrl-C to every process of the group: workers ignore it
    and the parent terminates them. SIGTERM gets its default action back (the
    parent's handler was inherited by fork). On Linux the kernel sends SIGTERM
    when the parent dies, even by SIGKILL; a parent already gone means exit now.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        with suppress(OSError, AttributeError):  # no prctl: the getppid check remains
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if parent is not None and os.getppid() != parent:
        os._exit(1)
    from novadoclint import parse  # imported before the fork (phase1.preload): a lookup

    parse.install(vocab)
