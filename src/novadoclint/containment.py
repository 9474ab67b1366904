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
    """Interrupt the block after ``seconds`` (SIGALRM; where unavailable, no limit)."""
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

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
