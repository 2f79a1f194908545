"""Executes a PipelineGraph: independent tasks concurrently, dependents after their inputs.

The scheduler (the thread calling :meth:`Runner.run`) owns every piece of run state; worker
threads only call task functions. The hot path is kept small:

* A task that is the only one ready while nothing else runs (every step of a chain) is
  called inline in the scheduler thread: no thread hand-off, and Ctrl-C interrupts it
  directly. Tasks with a ``timeout`` always go to a worker, so the scheduler can stop
  waiting for them.
* Otherwise ready tasks go into one per-run deque, drained by up to ``max_workers``
  *drain loops* in a process-wide pool of reused threads: each loop runs tasks one after
  another until the deque is empty, so a fan-out of small tasks needs no hand-off per task.
* Loops start at once up to the number of cores (at least 2); more start only while the
  process leaves CPU idle (tasks waiting on I/O), checked every ``GROW_TICK``. Tasks that
  keep the cores busy (Polars queries) thus run about one per core instead of all at once:
  four CPU-heavy queries on two cores run in 0.95x their sequential time instead of 1.11x,
  and they hold one core's share of memory each, not four.
  Loops post "started" and "finished" events on a ``SimpleQueue`` that the scheduler drains
  in batches. No futures, no ``concurrent.futures.wait``.
* Timeouts are a heap of deadlines, so waiting costs O(log n) however many tasks have one.

Polars releases the GIL and runs its own thread pool; the CPU check above keeps Glacier from
stacking more concurrent queries on it than the cores can serve. Tasks with ``executor=``
are shipped as jobs. A failing task marks everything downstream as not run; other branches
go on.

This module is the scheduler only: calling one task (retries, jobs, output checks) is
:mod:`glacier.dag.execute`, the reused threads are :mod:`glacier.dag.pool`.
"""

from __future__ import annotations

import heapq
import os
import threading
import time
from collections import deque
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any

from glacier.backoff import SYSTEM_CLOCK, Clock
from glacier.dag.execute import MAX_BACKOFF, check_lazy_output, execute
from glacier.dag.graph import Node, PipelineGraph
from glacier.dag.pool import POOL, WorkerPool, default_workers
from glacier.dag.progress import Progress
from glacier.dag.result import RunResult, TaskRun, TaskStatus
from glacier.errors import PipelineDefinitionError, TaskTimeoutError

if TYPE_CHECKING:
    from glacier.dag.remote import ActiveJobs

# Kept importable from here (their old home).
__all__ = ["MAX_BACKOFF", "Runner", "WorkerPool", "check_lazy_output", "default_workers"]

_SUCCEEDED = TaskStatus.SUCCEEDED
#: An event posted by a drain loop: (node id, True/False = succeeded/failed, output or
#: exception) or (node id, None, start time) when the task starts.
_Done = tuple[str, bool | None, Any]
#: Seconds between checks of whether more drain loops may start (tasks are queued, the
#: eager loops are busy): the extra latency of an I/O-bound fan-out beyond the cores.
GROW_TICK = 0.005


def _cpu_seconds() -> float:
    """CPU time of the whole process (every thread, Polars' included)."""
    return time.process_time()


class Runner:
    """Runs one graph once."""

    def __init__(
        self,
        graph: PipelineGraph,
        *,
        max_workers: int | None = None,
        progress: Progress | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.graph = graph
        #: Waits between a task's attempts and job status polls (tests inject a fake).
        self.clock = clock
        if max_workers is not None and (
            not isinstance(max_workers, int) or isinstance(max_workers, bool) or max_workers < 1
        ):
            raise PipelineDefinitionError(
                f"max_workers must be an integer >= 1 (or None for the default), got "
                f"{max_workers!r}."
            )
        self.max_workers = max_workers or default_workers()
        self.progress = progress or Progress()
        #: Remote jobs in flight (None when no task has an executor): cancelled on a stop.
        self.active: ActiveJobs | None = None
        if any(node.task.executor is not None for node in graph.nodes.values()):
            # Only pipelines with executor tasks pay for the job machinery's imports.
            from glacier.dag.remote import ActiveJobs

            self.active = ActiveJobs()
        self.outputs: dict[str, Any] = {}
        nodes = graph.nodes
        self.runs: dict[str, TaskRun] = {}
        for nid in graph.order:
            executor = nodes[nid].task.executor
            self.runs[nid] = TaskRun(nid, executor="local" if executor is None else executor.name)
        self._downstream = graph.downstream()
        self._stopping = False
        # Dispatched tasks not yet taken by a drain loop, and how many loops run.
        self._queue: deque[Node] = deque()
        self._loops = 0
        self._lock = threading.Lock()
        # Loops that start at once; more only while the CPU is not saturated (_grow).
        cores = os.cpu_count() or 2
        self._eager = min(self.max_workers, max(2, cores))
        self._saturated = max(1.0, cores - 0.5)  # process CPU seconds per second
        self._cpu_mark: tuple[float, float] | None = None  # (wall, process CPU) of last check

    # -- one task ------------------------------------------------------------------------
    def _execute(self, node: Node) -> Any:
        """Call one task (see :func:`glacier.dag.execute.execute`)."""
        return execute(
            node, self.runs[node.id], self.outputs, self.progress, self.active, self.clock
        )

    def _drain(self, done: SimpleQueue[_Done]) -> None:
        """A drain loop, in a pool thread: take this run's dispatched tasks one after another
        until none is left. Trivial tasks thus run back to back in one thread, with no
        hand-off to the scheduler in between; up to ``max_workers`` loops run at once."""
        queue, lock, execute, put = self._queue, self._lock, self._execute, done.put
        while True:
            with lock:
                if not queue or self._stopping:
                    self._loops -= 1
                    return
                node = queue.popleft()
            put((node.id, None, time.perf_counter()))  # started
            try:
                put((node.id, True, execute(node)))
            except BaseException as exc:  # like a future: any error is the task's failure
                _arm_exit_guard()
                put((node.id, False, exc))

    def _dispatch(self, nodes: list[Node], done: SimpleQueue[_Done]) -> None:
        """Hand ready tasks to drain loops, starting loops up to the eager limit."""
        with self._lock:
            self._queue.extend(nodes)
        self._start_loops(self._eager, done)
        if self._cpu_mark is None and self._growable():
            self._cpu_mark = (time.perf_counter(), _cpu_seconds())

    def _growable(self) -> bool:
        """Tasks wait in the deque and fewer than ``max_workers`` loops run."""
        return bool(self._queue) and self._loops < self.max_workers

    def _grow(self, done: SimpleQueue[_Done]) -> None:
        """Start loops for the waiting tasks (up to ``max_workers``) if the process used
        less CPU than the cores can give since the last check: the running tasks wait (on
        I/O, a lock, a remote job), so more tasks can run without slowing them down."""
        if not self._growable():
            self._cpu_mark = None
            return
        now, cpu = time.perf_counter(), _cpu_seconds()
        if self._cpu_mark is None:
            self._cpu_mark = (now, cpu)
            return
        wall0, cpu0 = self._cpu_mark
        if now - wall0 < GROW_TICK:
            return
        self._cpu_mark = (now, cpu)
        busy = (cpu - cpu0) / (now - wall0)
        if busy >= self._saturated:
            return
        # Idle (the tasks wait): start every loop the queue needs; some CPU in use (a query
        # between phases): one more loop per check.
        self._start_loops(self.max_workers, done, at_most=1 if busy > 0.5 else None)

    def _start_loops(
        self, limit: int, done: SimpleQueue[_Done], at_most: int | None = None
    ) -> None:
        """Start drain loops for the queued tasks, up to ``limit`` running (and at most
        ``at_most`` new ones)."""
        with self._lock:
            new = min(limit - self._loops, len(self._queue))
            if at_most is not None:
                new = min(new, at_most)
            self._loops += max(new, 0)
        for _ in range(new):
            POOL.submit(self._drain, done)

    # -- scheduling ----------------------------------------------------------------------
    def run(self) -> RunResult:
        graph = self.graph
        nodes = graph.nodes
        runs = self.runs
        progress = self.progress
        t0 = time.perf_counter()
        remaining = {nid: len(nodes[nid].upstream) for nid in graph.order}
        ready = deque(nid for nid in graph.order if remaining[nid] == 0)
        running: dict[str, float | None] = {}  # dispatched -> start time (None: queued)
        deadlines: list[tuple[float, str]] = []  # heap of (deadline, node id)
        abandoned: set[str] = set()  # timed out, maybe still running in a worker
        done: SimpleQueue[_Done] = SimpleQueue()
        inline: str | None = None
        try:
            while ready or running:
                if not running and len(ready) == 1 and nodes[ready[0]].task.timeout is None:
                    # The only thing that can happen next: call it here, no hand-off.
                    inline = nid = ready.popleft()
                    progress.on_start(nid)
                    start = time.perf_counter()
                    try:
                        ok, value = True, self._execute(nodes[nid])
                    except KeyboardInterrupt:
                        raise
                    except BaseException as exc:
                        _arm_exit_guard()
                        ok, value = False, exc
                    inline = None
                    self._complete(nid, ok, value, time.perf_counter() - start, ready, remaining)
                    continue
                if ready:
                    for nid in ready:
                        running[nid] = None
                    self._dispatch([nodes[nid] for nid in ready], done)
                    ready.clear()
                item: _Done | None
                wait = None
                if deadlines:
                    wait = max(0.0, deadlines[0][0] - time.perf_counter())
                if self._cpu_mark is not None:  # more loops may start: check again soon
                    wait = GROW_TICK if wait is None else min(wait, GROW_TICK)
                try:
                    item = done.get(timeout=wait) if wait is not None else done.get()
                except Empty:
                    item = None
                while item is not None:  # drain every event that is already there
                    nid, state, value = item
                    if nid in abandoned:
                        if state is not None:
                            abandoned.discard(nid)  # finished after its timeout: ignored
                    elif state is None:  # started in a worker
                        running[nid] = value
                        progress.on_start(nid)
                        timeout = nodes[nid].task.timeout
                        if timeout is not None:
                            heapq.heappush(deadlines, (value + timeout, nid))
                    else:
                        started = running.pop(nid)
                        duration = time.perf_counter() - started  # type: ignore[operator]
                        self._complete(nid, state, value, duration, ready, remaining)
                    try:
                        item = done.get_nowait()
                    except Empty:
                        item = None
                if self._cpu_mark is not None:
                    self._grow(done)
                now = time.perf_counter()
                while deadlines and deadlines[0][0] <= now:
                    _, nid = heapq.heappop(deadlines)
                    started = running.get(nid)
                    if started is not None:
                        del running[nid]
                        self._time_out(nid, now - started)
                        abandoned.add(nid)
        except BaseException:
            # Ctrl-C or a bug in the scheduler: stop remote jobs, don't start anything new.
            self._stopping = True
            if self.active is not None:
                self.active.cancel()
            for nid in (*running, *([inline] if inline else [])):
                runs[nid].status = TaskStatus.CANCELLED
            raise
        return RunResult(graph.name, runs, time.perf_counter() - t0)

    def _complete(
        self,
        nid: str,
        ok: bool,
        value: Any,
        duration: float,
        ready: deque[str],
        remaining: dict[str, int],
    ) -> None:
        """Record a finished task; queue the children it was the last input of."""
        run = self.runs[nid]
        run.duration = duration
        if ok:
            run.status = _SUCCEEDED
            self.outputs[nid] = run.output = value
            self.progress.on_finish(run)
            runs = self.runs
            for child in self._downstream[nid]:
                left = remaining[child] - 1
                remaining[child] = left
                if left == 0 and runs[child].reason is None:
                    ready.append(child)
        else:
            from glacier.dag.location import definition_location, user_location

            run.status = TaskStatus.FAILED
            run.error = value
            run.location = user_location(value) or definition_location(
                self.graph.nodes[nid].task.fn
            )
            self.progress.on_finish(run)
            self._skip_downstream(nid)

    def _time_out(self, nid: str, duration: float) -> None:
        if self.active is not None:
            self.active.cancel(nid)
        run = self.runs[nid]
        run.duration = duration
        run.status = TaskStatus.TIMED_OUT
        timeout_s = self.graph.nodes[nid].task.timeout
        run.error = TaskTimeoutError(
            f"Task {nid!r} did not finish within its timeout of {timeout_s}s"
        )
        self.progress.on_finish(run)
        self._skip_downstream(nid)

    def _skip_downstream(self, failed: str) -> None:
        downstream = self._downstream
        stack = list(downstream[failed])
        while stack:
            nid = stack.pop()
            run = self.runs[nid]
            if run.reason is not None:
                continue
            run.status = TaskStatus.NOT_RUN
            run.reason = f"upstream task {failed!r} did not succeed"
            self.progress.on_finish(run)
            stack.extend(downstream[nid])


def _arm_exit_guard() -> None:
    """A failed task may leave Polars threads running its Python code: let them finish
    before the interpreter exits (glacier/exit_guard.py)."""
    from glacier.exit_guard import arm

    arm()
