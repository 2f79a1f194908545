"""Drain loops beyond the cores start only while the process leaves CPU idle
(glacier/dag/runtime.py): CPU-bound tasks run about one per core, waiting tasks all at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

import glacier.dag.runtime as runtime
from glacier import pipeline, task

TASKS = 8


def fan_out(hold: Callable[[], None]) -> tuple[object, list[int]]:
    """A pipeline of TASKS independent tasks that each call ``hold``; the most tasks seen
    running at once is appended to the returned list."""
    lock = threading.Lock()
    state = {"now": 0, "most": 0}
    most: list[int] = []

    @task
    def work(i: int) -> int:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        try:
            hold()
        finally:
            with lock:
                state["now"] -= 1
        return i

    @pipeline(name="fan")
    def fan() -> None:
        for i in range(TASKS):
            work(i)

    def run() -> None:
        fan.run(max_workers=TASKS)
        most.append(state["most"])

    return run, most


def eager_loops() -> int:
    from glacier.dag.graph import PipelineGraph

    return runtime.Runner(PipelineGraph("x", {}, []), max_workers=TASKS)._eager


def test_waiting_tasks_all_run_at_once() -> None:
    """Eight tasks that only wait (a barrier all eight must reach) need eight loops."""
    barrier = threading.Barrier(TASKS, timeout=20)
    run, most = fan_out(lambda: barrier.wait())
    run()  # a broken barrier (fewer than eight at once) fails the run
    assert most == [TASKS]


def test_tasks_that_saturate_the_cpu_run_one_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process CPU clock is made to advance as fast as every core can: no loop beyond
    the eager ones starts, and the tasks queue behind them."""
    if eager_loops() >= TASKS:
        pytest.skip("this machine has as many cores as the test has tasks")
    monkeypatch.setattr(runtime, "_cpu_seconds", lambda: time.perf_counter() * 64)
    run, most = fan_out(lambda: time.sleep(0.05))
    run()
    assert most == [eager_loops()]


def test_some_cpu_in_use_adds_one_loop_per_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Between saturated and idle (a query between phases), loops grow one at a time."""
    if eager_loops() + 1 >= TASKS:
        pytest.skip("too many cores for this check")
    monkeypatch.setattr(runtime, "_cpu_seconds", lambda: time.perf_counter() * 0.9)
    monkeypatch.setattr(runtime, "GROW_TICK", 0.2)
    run, most = fan_out(lambda: time.sleep(0.25))
    run()  # each check (every 0.2 s) adds a single loop while the tasks sleep 0.25 s
    assert eager_loops() < most[0] < TASKS
