"""A fake clock for the link throttle's waits: tests see what it would sleep, instantly."""

from __future__ import annotations

import pytest

from novadoclint.links import throttle
from novadoclint.links.deadline import RunClock


def fake_throttle_clock(monkeypatch: pytest.MonkeyPatch) -> tuple[list[float], RunClock]:
    """The throttle's time module replaced by one that records sleeps and moves on.

    Returns the list the sleeps are appended to and a run clock whose waits (the ones a
    run's stop can cut) go through the same fake sleep.
    """
    sleeps: list[float] = []

    class FakeTime:
        now = 100.0

        @classmethod
        def monotonic(cls) -> float:
            return cls.now

        @classmethod
        def sleep(cls, seconds: float) -> None:
            sleeps.append(seconds)
            cls.now += seconds

        @classmethod
        def time(cls) -> float:
            return 1_700_000_000.0 + cls.now

    monkeypatch.setattr(throttle, "time", FakeTime)
    clock = RunClock()
    monkeypatch.setattr(clock, "wait", FakeTime.sleep)
    return sleeps, clock
