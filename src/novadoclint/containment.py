"""Containment: one rule that crashes or one file that takes too long does not take the run down.

A rule that raises and a file that takes too long both become findings
(``internal-error``): the other rules and files are still checked, and the run
says what it could not check instead of stopping.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from novadoclint.facts import RuleHit
from novadoclint.findings import Hit, Location
from novadoclint.registry import Rule

log = logging.getLogger(__name__)
WALL_FACTOR = 4  # a file's wall-clock limit, in CPU budgets: waiting is not computing


def run_guarded(rule: Rule, path: str, *args: Any) -> list[RuleHit]:
    """Run one rule; an exception becomes an internal-error finding."""
    try:
        return [(rule.id, hit) for hit in rule.check(*args)]
    except Exception as exc:
        log.debug("rule %s crashed on %s", rule.id, path, exc_info=True)
        message = f"rule {rule.id} crashed on {path}: {type(exc).__name__}: {exc}"
        return [("internal-error", Hit(Location(path, 1), message))]


class BudgetExceeded(BaseException):
    """One file used up its time budget (a pathological input, or a parser bug).

    A BaseException, so that the guards around rules and parsing do not swallow it.
    """


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` of CPU time, or WALL_FACTOR times that of wall time.

    CPU time (SIGPROF), so that a loaded machine does not make a file that fits
    its budget an internal error (at load 9 on 2 cores a forest run exited 3;
    pytest's plugin_list.rst needs 3.7 s of CPU, 8 times that of wall time is
    the budget). The wall clock (SIGALRM) still stops a block that waits
    without computing. Where
    setitimer is unavailable, or off the main thread, there is no limit.
    """
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise BudgetExceeded

    previous = {sig: signal.signal(sig, expire) for sig in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, seconds * WALL_FACTOR)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
