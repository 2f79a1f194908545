"""Waiting in tests and fakes: every wait has a deadline, through :func:`glacier.backoff.poll`.

A wait that passes its deadline raises :class:`glacier.errors.PollTimeoutError` naming what it
waited for, so a hung server or job fails its test instead of hanging the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from glacier.backoff import Backoff, poll

T = TypeVar("T")

#: Seconds any single wait in the suite may take (generous: CI machines are slow and shared).
DEADLINE = 60.0
#: Checks every 20 ms at first, then less often, at most every half second.
INTERVAL = Backoff(0.02, factor=1.5, cap=0.5)


class FakeClock:
    """A :class:`glacier.backoff.Clock` that moves only when slept on, and records every
    sleep: loops under test run at once and their waits are asserted, not measured."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def wait_until(
    check: Callable[[], T], what: str, timeout: float = DEADLINE, every: float | None = None
) -> T:
    """Call ``check`` until it returns something truthy, and return that; raise
    :class:`~glacier.errors.PollTimeoutError` after ``timeout`` seconds. ``every``: check at
    this fixed interval instead of backing off (to catch a short-lived state in the act)."""

    def truthy() -> T | None:
        value = check()
        return value if value else None

    backoff = INTERVAL if every is None else Backoff(every, factor=1)
    return poll(truthy, timeout=timeout, backoff=backoff, what=what)
