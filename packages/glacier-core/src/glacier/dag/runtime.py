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
  Loops post "started" and "finished" events on a ``SimpleQueue`` that the scheduler drains
  in batches. No futures, no ``concurrent.futures.wait``.
* Timeouts are a heap of deadlines, so waiting costs O(log n) however many tasks have one.

Polars releases the GIL and runs its own thread pool, so LazyFrame work in tasks is not
oversubscribed by us. Tasks with ``executor=`` are shipped as jobs. A failing task marks
everything downstream as not run; other branches go on.
"""

from __future__ import annotations

import heapq
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any

from glacier.dag.context import TaskContext, current_task
from glacier.dag.graph import Node, PipelineGraph, substitute
from glacier.dag.location import definition_location, user_location
from glacier.dag.progress import Progress
from glacier.dag.result import RunResult, TaskRun, TaskStatus
from glacier.errors import PipelineDefinitionError, TaskOutputError, TaskTimeoutError

if TYPE_CHECKING:
    from glacier.dag.remote import ActiveJobs

MAX_BACKOFF = 60.0

_SUCCEEDED = TaskStatus.SUCCEEDED
#: An event posted by a drain loop: (node id, True/False = succeeded/failed, output or
#: exception) or (node id, None, start time) when the task starts.
_Done = tuple[str, bool | None, Any]


def _note_job(run: TaskRun, job_id: str, url: str | None) -> None:
    """Keep the engine's job id and run URL of an executor task (for the run record)."""
    run.job_id = job_id
    run.run_url = url


class _NoJobs:
    """Stands in for :class:`~glacier.dag.remote.ActiveJobs` when no task has an executor."""

    def cancel(self, node_id: str | None = None) -> None:
        """Nothing to cancel."""


class WorkerPool:
    """Process-wide worker threads, reused across runs: starting a thread costs 0.1-3 ms
    (more on a busy machine), as much as running hundreds of trivial tasks.

    Invariant: ``threads >= busy`` (work handed out and not finished), so every queued item
    has a thread that will take it; runs cap their own concurrency with ``max_workers``.
    Threads are daemons and exit after ``idle_timeout`` seconds without work, so the pool
    holds no threads in a quiet process, and a timed-out task still stuck in a thread does
    not keep the interpreter from exiting.
    """

    def __init__(self, idle_timeout: float = 30.0) -> None:
        self.idle_timeout = idle_timeout
        self._work: SimpleQueue[tuple[Callable[..., None], tuple[Any, ...]]] = SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._busy = 0

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        """Call ``fn(*args)`` in a pool thread (started if every thread is busy)."""
        with self._lock:
            self._busy += 1
            spawn = self._threads < self._busy
            if spawn:
                self._threads += 1
        if spawn:
            threading.Thread(
                target=self._loop, name=f"glacier-task_{self._threads}", daemon=True
            ).start()
        self._work.put((fn, args))

    def _loop(self) -> None:
        get, lock = self._work.get, self._lock
        while True:
            try:
                fn, args = get(timeout=self.idle_timeout)
            except Empty:
                with lock:
                    if self._threads > self._busy:  # others cover all outstanding work
                        self._threads -= 1
                        return
                continue
            try:
                fn(*args)
            except BaseException:  # pragma: no cover - fn reports its own errors
                pass
            finally:
                with lock:
                    self._busy -= 1

    def _after_fork(self) -> None:
        """A forked child has none of the parent's threads: start from scratch."""
        self.__init__(self.idle_timeout)  # type: ignore[misc]


_POOL = WorkerPool()
os.register_at_fork(after_in_child=_POOL._after_fork)


def default_workers() -> int:
    """Enough threads for I/O-bound fan-out; CPU work happens in Polars' own pool."""
    return max(16, (os.cpu_count() or 2) * 4)


class Runner:
    """Runs one graph once."""

    def __init__(
        self,
        graph: PipelineGraph,
        *,
        max_workers: int | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.graph = graph
        if max_workers is not None and (
            not isinstance(max_workers, int) or isinstance(max_workers, bool) or max_workers < 1
        ):
            raise PipelineDefinitionError(
                f"max_workers must be an integer >= 1 (or None for the default), got "
                f"{max_workers!r}."
            )
        self.max_workers = max_workers or default_workers()
        self.progress = progress or Progress()
        self.active: ActiveJobs | _NoJobs = _NoJobs()
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

    # -- one task ------------------------------------------------------------------------
    def _execute(self, node: Node) -> Any:
        """Call one task with its arguments substituted, retrying with backoff; record
        what it wrote. Runs in a worker thread or inline in the scheduler thread."""
        run = self.runs[node.id]
        task = node.task
        outputs = self.outputs
        args = substitute(node.args, outputs)
        kwargs = substitute(node.kwargs, outputs) if node.kwargs else {}
        ctx = TaskContext(node.id)
        token = current_task.set(ctx)
        try:
            if task.executor is None and task.retries == 0:  # the common case, no loop
                run.attempts = 1
                out = task.fn(*args, **kwargs)
            else:
                out = self._call_with_retries(node, run, args, kwargs)
        finally:
            current_task.reset(token)
        if type(out).__name__ == "LazyFrame":
            check_lazy_output(node, out)
        if ctx.writes:
            run.uris_written = [w.uri for w in ctx.writes]
            rows = [w.rows for w in ctx.writes]
            counts = [r for r in rows if r is not None]
            run.rows_written = sum(counts) if len(counts) == len(rows) else None
        return out

    def _call_with_retries(
        self, node: Node, run: TaskRun, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Call the task (locally or as a job on its executor), retrying failures with
        exponential backoff."""
        task = node.task
        attempt = 0
        while True:
            attempt += 1
            run.attempts = attempt
            try:
                if task.executor is not None:
                    from glacier.dag.remote import run_on_executor

                    return run_on_executor(
                        node.id,
                        task.fn,
                        args,
                        kwargs,
                        task.executor,
                        self.active,  # type: ignore[arg-type]
                        lambda s: self.progress.on_status(node.id, s),
                        lambda job_id, url: _note_job(run, job_id, url),
                    )
                return task.fn(*args, **kwargs)
            except Exception as exc:
                if attempt > task.retries:
                    raise
                delay = min(task.retry_delay * 2 ** (attempt - 1), MAX_BACKOFF)
                self.progress.on_retry(node.id, attempt, exc, delay)
                time.sleep(delay)

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
                put((node.id, False, exc))

    def _dispatch(self, nodes: list[Node], done: SimpleQueue[_Done]) -> None:
        """Hand ready tasks to drain loops, starting loops up to ``max_workers``."""
        with self._lock:
            self._queue.extend(nodes)
            new = min(self.max_workers - self._loops, len(self._queue))
            self._loops += max(new, 0)
        for _ in range(new):
            _POOL.submit(self._drain, done)

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
                try:
                    if deadlines:
                        item = done.get(timeout=max(0.0, deadlines[0][0] - time.perf_counter()))
                    else:
                        item = done.get()
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
            self.active.cancel()
            for nid in (*running, *([inline] if inline else [])):
                runs[nid].status = TaskStatus.CANCELLED
            raise
        return RunResult(graph.name, runs, time.perf_counter() - t0)

    def _complete(
        self, nid: str, ok: bool, value: Any, duration: float, ready: deque[str], remaining: dict
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
            run.status = TaskStatus.FAILED
            run.error = value
            run.location = user_location(value) or definition_location(
                self.graph.nodes[nid].task.fn
            )
            self.progress.on_finish(run)
            self._skip_downstream(nid)

    def _time_out(self, nid: str, duration: float) -> None:
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


def check_lazy_output(node: Node, frame: Any) -> None:
    """Resolve a returned LazyFrame's schema at the task boundary (no data is read), so a
    plan that cannot work (a missing column, a bad cast) fails in the task that built it,
    not in the task that later collects or writes it."""
    import polars as pl

    if not isinstance(frame, pl.LazyFrame):
        return
    try:
        frame.collect_schema()
    except Exception as exc:
        detail = str(exc).strip().split("\n\n")[0].strip()
        raise TaskOutputError(
            f"Task {node.id!r} returned a LazyFrame whose query plan does not resolve: "
            f"{type(exc).__name__}: {detail}. (Glacier resolves the schema of every LazyFrame a "
            "task returns, so a bad plan fails in the task that built it.)"
        ) from exc
