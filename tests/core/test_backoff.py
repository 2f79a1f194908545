"""glacier.backoff: the one retry/backoff/poll helper, on an injected clock (no real waiting,
no wall-clock asserts)."""

from __future__ import annotations

import itertools

import pytest

from glacier.backoff import Backoff, poll, retry
from glacier.errors import PollTimeoutError
from tests.polling import FakeClock


def test_delays_grow_by_factor_up_to_the_cap() -> None:
    delays = Backoff(0.5, factor=2, cap=3).delays()
    assert list(itertools.islice(delays, 6)) == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]


def test_jitter_takes_up_to_its_share_off_each_delay() -> None:
    draws = iter([0.0, 1.0, 0.5])
    delays = Backoff(1, factor=1, jitter=0.4, rng=lambda: next(draws)).delays()
    assert [round(d, 9) for d in itertools.islice(delays, 3)] == [1.0, 0.6, 0.8]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"initial": -1}, "delays must be >= 0"),
        ({"initial": 1, "factor": 0.5}, "factor must be >= 1"),
        ({"initial": 1, "jitter": 2}, "jitter must be between 0 and 1"),
    ],
)
def test_bad_backoff_is_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Backoff(**kwargs)  # type: ignore[arg-type]


def test_retry_sleeps_the_backoff_between_attempts_and_reports_each() -> None:
    clock = FakeClock()
    seen: list[tuple[int, str, float]] = []

    def flaky(attempt: int) -> str:
        if attempt < 3:
            raise ConnectionError(f"transient {attempt}")
        return f"ok on {attempt}"

    result = retry(
        flaky,
        attempts=5,
        backoff=Backoff(0.1),
        on_retry=lambda n, exc, delay: seen.append((n, str(exc), delay)),
        clock=clock,
    )
    assert result == "ok on 3"
    assert clock.sleeps == [0.1, 0.2]
    assert seen == [(1, "transient 1", 0.1), (2, "transient 2", 0.2)]


def test_retry_gives_up_after_its_attempts_with_the_last_error() -> None:
    clock = FakeClock()
    calls: list[int] = []

    def always(attempt: int) -> None:
        calls.append(attempt)
        raise ConnectionError(f"down {attempt}")

    with pytest.raises(ConnectionError, match="down 3"):
        retry(always, attempts=3, backoff=Backoff(1), clock=clock)
    assert calls == [1, 2, 3]
    assert clock.sleeps == [1.0, 2.0]


def test_retry_does_not_retry_other_errors() -> None:
    clock = FakeClock()
    calls: list[int] = []

    def wrong(attempt: int) -> None:
        calls.append(attempt)
        raise KeyError("not transient")

    with pytest.raises(KeyError):
        retry(wrong, attempts=3, backoff=Backoff(1), retry_on=ConnectionError, clock=clock)
    assert calls == [1] and clock.sleeps == []


def test_retry_stops_before_a_delay_that_would_pass_its_deadline() -> None:
    clock = FakeClock()
    calls: list[int] = []

    def always(attempt: int) -> None:
        calls.append(attempt)
        raise ConnectionError("down")

    with pytest.raises(ConnectionError):
        retry(always, attempts=100, backoff=Backoff(1), deadline=5, clock=clock)
    assert clock.sleeps == [1.0, 2.0]  # a third wait (4 s) would end at 7 s > 5 s
    assert calls == [1, 2, 3]


def test_poll_returns_the_first_value_and_sleeps_in_between() -> None:
    clock = FakeClock()
    answers = iter([None, None, "ready"])
    assert poll(lambda: next(answers), timeout=10, backoff=Backoff(1), what="x", clock=clock) == (
        "ready"
    )
    assert clock.sleeps == [1.0, 2.0]


def test_poll_raises_at_its_deadline_after_one_last_check() -> None:
    clock = FakeClock()
    checks: list[float] = []

    def never() -> None:
        checks.append(clock.now)
        return None

    with pytest.raises(PollTimeoutError, match=r"Gave up waiting for the moon after 5s\."):
        poll(never, timeout=5, backoff=Backoff(1), what="the moon", clock=clock)
    assert clock.sleeps == [1.0, 2.0, 2.0]  # the last wait is cut to the deadline
    assert checks == [0.0, 1.0, 3.0, 5.0]  # and the check runs once more at it
    assert isinstance(PollTimeoutError("x"), TimeoutError)


def test_poll_keeps_a_falsy_value() -> None:
    clock = FakeClock()
    assert poll(lambda: 0, timeout=1, backoff=Backoff(1), what="zero", clock=clock) == 0
    assert clock.sleeps == []
