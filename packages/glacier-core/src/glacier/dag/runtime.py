"""Executes a PipelineGraph: independent tasks concurrently, dependents after their inputs.

Tasks run in a thread pool (Polars releases the GIL and keeps its own thread pool, so
LazyFrame work is not oversubscribed by us); tasks with ``executor=`` are shipped as jobs.
A failing task marks everything downstream as not run; other branches go on.
"""

from __future__ import annotations

import os
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from glacier.dag.context import TaskContext, current_task
from glacier.dag.graph import Node, PipelineGraph, substitute
from glacier.dag.progress import Progress
from glacier.dag.remote import ActiveJobs, run_on_executor
from glacier.dag.result import RunResult, TaskRun, TaskStatus
from glacier.errors import TaskTimeoutError

MAX_BACKOFF = 60.0


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
        self.max_workers = max_workers or default_workers()
        self.progress = progress or Progress()
        self.active = ActiveJobs()
        self.outputs: dict[str, Any] = {}
        self.runs: dict[str, TaskRun] = {
            nid: TaskRun(
                name=nid,
                executor=graph.nodes[nid].task.executor.name
                if graph.nodes[nid].task.executor is not None
                else "local",
            )
            for nid in graph.order
        }

    # -- one task ------------------------------------------------------------------------
    def _execute(self, node: Node) -> Any:
        run = self.runs[node.id]
        task = node.task
        args = substitute(node.args, self.outputs)
        kwargs = substitute(node.kwargs, self.outputs)
        ctx = TaskContext(node.id)
        token = current_task.set(ctx)
        try:
            attempt = 0
            while True:
                attempt += 1
                run.attempts = attempt
                try:
                    if task.executor is not None:
                        out = run_on_executor(
                            node.id,
                            task.fn,
                            args,
                            kwargs,
                            task.executor,
                            self.active,
                            lambda s: self.progress.on_status(node.id, s),
                        )
                    else:
                        out = task.fn(*args, **kwargs)
                    break
                except Exception as exc:
                    if attempt > task.retries:
                        raise
                    delay = min(task.retry_delay * 2 ** (attempt - 1), MAX_BACKOFF)
                    self.progress.on_retry(node.id, attempt, exc, delay)
                    time.sleep(delay)
        finally:
            current_task.reset(token)
        if ctx.writes:
            run.uris_written = [w.uri for w in ctx.writes]
            rows = [w.rows for w in ctx.writes]
            run.rows_written = None if any(r is None for r in rows) else sum(rows)  # type: ignore[misc]
        return out

    # -- scheduling ----------------------------------------------------------------------
    def run(self) -> RunResult:
        graph = self.graph
        t0 = time.perf_counter()
        remaining = {nid: len(graph.nodes[nid].upstream) for nid in graph.order}
        downstream = graph.downstream()
        ready = deque(nid for nid in graph.order if remaining[nid] == 0)
        running: dict[Future[Any], str] = {}
        started: dict[str, float] = {}
        deadlines: dict[str, float] = {}
        pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="glacier-task")
        try:
            while ready or running:
                while ready:
                    nid = ready.popleft()
                    node = graph.nodes[nid]
                    self.progress.on_start(nid)
                    now = time.perf_counter()
                    started[nid] = now
                    if node.task.timeout is not None:
                        deadlines[nid] = now + node.task.timeout
                    running[pool.submit(self._execute, node)] = nid
                timeout = None
                if deadlines:
                    timeout = max(0.0, min(deadlines.values()) - time.perf_counter())
                done, _ = wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
                now = time.perf_counter()
                for fut in done:
                    nid = running.pop(fut)
                    deadlines.pop(nid, None)
                    run = self.runs[nid]
                    run.duration = now - started[nid]
                    exc = fut.exception()
                    if exc is None:
                        run.status = TaskStatus.SUCCEEDED
                        self.outputs[nid] = run.output = fut.result()
                        self.progress.on_finish(run)
                        for child in downstream[nid]:
                            remaining[child] -= 1
                            if remaining[child] == 0 and self.runs[child].reason is None:
                                ready.append(child)
                    else:
                        run.status = TaskStatus.FAILED
                        run.error = exc
                        self.progress.on_finish(run)
                        self._skip_downstream(nid, downstream)
                for nid, deadline in list(deadlines.items()):
                    if now >= deadline:
                        fut = next(f for f, n in running.items() if n == nid)
                        running.pop(fut)
                        deadlines.pop(nid)
                        self.active.cancel(nid)
                        run = self.runs[nid]
                        run.duration = now - started[nid]
                        run.status = TaskStatus.TIMED_OUT
                        timeout_s = graph.nodes[nid].task.timeout
                        run.error = TaskTimeoutError(
                            f"Task {nid!r} did not finish within its timeout of {timeout_s}s"
                        )
                        self.progress.on_finish(run)
                        self._skip_downstream(nid, downstream)
        except BaseException:
            # Ctrl-C or a bug in the scheduler: stop remote jobs, don't start anything new.
            self.active.cancel()
            for fut, nid in running.items():
                fut.cancel()
                self.runs[nid].status = TaskStatus.CANCELLED
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=False)
        return RunResult(graph.name, self.runs, time.perf_counter() - t0)

    def _skip_downstream(self, failed: str, downstream: dict[str, list[str]]) -> None:
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
