"""Phase 1's process pool: workers that never outlive the run that started them.

Apart from the per-file driver (:mod:`novadoclint.phase1`) because its concern
is processes and signals, not documents: Ctrl-C, SIGTERM, a dead parent and a
``jobs`` setting that asks for a fork bomb are all handled here.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from typing import TypeVar

from novadoclint import parse
from novadoclint.project.vocabulary import Vocabulary

Item = TypeVar("Item")
Result = TypeVar("Result")

PR_SET_PDEATHSIG = 1  # linux/prctl.h


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
) -> list[Result]:
    """Map work over items in worker processes that never outlive this run.

    Ctrl-C, SIGTERM or any error terminates the workers at once: leaving the
    pool's ``with`` would wait for every queued file first, and a killed parent
    would leave them running for good.
    """
    size = max(1, len(items) // (workers * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    context = multiprocessing.get_context()
    # A forkserver (Python 3.14's default) is the workers' parent, not this process.
    parent = None if context.get_start_method() == "forkserver" else os.getpid()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=init_worker,
        initargs=(vocab, parent),
    )
    try:
        with sigterm_raises():
            futures = [pool.submit(work_chunk, work, chunk) for chunk in chunks]
            results = [result for future in futures for result in future.result()]
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown()
    return results


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
    pool.shutdown(wait=False)


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
        with suppress(OSError, AttributeError):  # no prctl: the getppid check remains
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if parent is not None and os.getppid() != parent:
        os._exit(1)
    parse.install(vocab)
