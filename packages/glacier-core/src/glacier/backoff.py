"""One helper for every retry, backoff and poll loop in Glacier (core, plugins, test fakes).

* :class:`Backoff`: the delays between attempts: exponential from ``initial`` by ``factor``,
  capped at ``cap``, optionally with jitter (a random share of each delay taken off, so many
  clients retrying at once spread out).
* :func:`retry`: call a function until it succeeds, at most ``attempts`` times, sleeping the
  backoff's delays in between; optionally stop early at a deadline.
* :func:`poll`: call a check until it returns a value, sleeping the backoff's delays in
  between; a poll always has a deadline and raises :class:`PollTimeoutError` after it.

Time is read and spent through a :class:`Clock` (``monotonic()`` and ``sleep()``), so tests
inject a fake one and assert on the delays instead of measuring wall-clock time. Only the
standard library is imported, and :mod:`random` only when jitter is used.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar

from glacier.errors import PollTimeoutError

T = TypeVar("T")

__all__ = ["SYSTEM_CLOCK", "Backoff", "Clock", "PollTimeoutError", "poll", "retry"]


class Clock(Protocol):
    """Where loops read the time and wait. :data:`SYSTEM_CLOCK` in production."""

    def monotonic(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class _SystemClock:
    """:func:`time.monotonic` and :func:`time.sleep`."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


#: The real clock.
SYSTEM_CLOCK: Clock = _SystemClock()


class Backoff:
    """Delays between attempts: ``initial``, ``initial * factor``, ... capped at ``cap``.

    ``jitter`` (0 to 1) takes a random share of up to that fraction off each delay;
    ``rng`` (a function returning a float in [0, 1)) replaces :func:`random.random` in tests.
    """

    __slots__ = ("cap", "factor", "initial", "jitter", "rng")

    def __init__(
        self,
        initial: float,
        *,
        factor: float = 2.0,
        cap: float = 60.0,
        jitter: float = 0.0,
        rng: Callable[[], float] | None = None,
    ) -> None:
        if initial < 0 or cap < 0:
            raise ValueError(f"Backoff delays must be >= 0, got initial={initial}, cap={cap}")
        if factor < 1:
            raise ValueError(f"Backoff factor must be >= 1, got {factor}")
        if not 0 <= jitter <= 1:
            raise ValueError(f"Backoff jitter must be between 0 and 1, got {jitter}")
        self.initial = float(initial)
        self.factor = float(factor)
        self.cap = float(cap)
        self.jitter = float(jitter)
        self.rng = rng

    def delays(self) -> Iterator[float]:
        """The delays, forever (the caller decides when to stop)."""
        rng = self.rng
        if self.jitter and rng is None:
            import random

            rng = random.random
        delay = min(self.initial, self.cap)
        while True:
            yield delay * (1 - self.jitter * rng()) if rng is not None and self.jitter else delay
            delay = min(delay * self.factor, self.cap)

    def __repr__(self) -> str:
        return (
            f"Backoff({self.initial}, factor={self.factor}, cap={self.cap}, jitter={self.jitter})"
        )


def retry(
    fn: Callable[[int], T],
    *,
    attempts: int,
    backoff: Backoff,
    retry_on: type[BaseException] | tuple[type[BaseException], ...] = Exception,
    retry_if: Callable[[BaseException], bool] | None = None,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
    deadline: float | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> T:
    """Call ``fn(attempt)`` (attempt counts from 1) until it returns, at most ``attempts``
    times. A ``retry_on`` error (for which ``retry_if(error)`` is true, when given) is retried
    after the backoff's next delay, reported first to ``on_retry(attempt, error, delay)``; any
    other error, and the last attempt's, propagates.
    With ``deadline`` (seconds from now), no retry starts whose delay would end past it."""
    if attempts < 1:
        raise ValueError(f"retry needs at least one attempt, got {attempts}")
    end = None if deadline is None else clock.monotonic() + deadline
    delays = backoff.delays()
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn(attempt)
        except retry_on as exc:
            if attempt >= attempts or (retry_if is not None and not retry_if(exc)):
                raise
            delay = next(delays)
            if end is not None and clock.monotonic() + delay > end:
                raise
            if on_retry is not None:
                on_retry(attempt, exc, delay)
            clock.sleep(delay)


def poll(
    check: Callable[[], T | None],
    *,
    timeout: float,
    backoff: Backoff,
    what: str,
    clock: Clock = SYSTEM_CLOCK,
) -> T:
    """Call ``check()`` until it returns something other than None, and return that.

    Between calls, sleep the backoff's next delay (never past the deadline). After
    ``timeout`` seconds raise :class:`PollTimeoutError` naming ``what`` was awaited; the
    check is always called once more at the deadline, so a slow clock never loses a result.
    """
    end = clock.monotonic() + timeout
    delays = backoff.delays()
    while True:
        value = check()
        if value is not None:
            return value
        left = end - clock.monotonic()
        if left <= 0:
            raise PollTimeoutError(f"Gave up waiting for {what} after {timeout:g}s.")
        clock.sleep(min(next(delays), left))
