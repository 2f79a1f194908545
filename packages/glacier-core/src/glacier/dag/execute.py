"""Calling one task: its arguments substituted from upstream outputs, failures retried with
backoff (:mod:`glacier.backoff`), executor tasks shipped as jobs (:mod:`glacier.dag.remote`,
imported only then), a returned LazyFrame's plan resolved, and what the task wrote recorded
on its :class:`~glacier.dag.result.TaskRun`. Runs in a worker thread or inline in the
scheduler thread (:mod:`glacier.dag.runtime`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glacier.backoff import SYSTEM_CLOCK, Backoff, Clock, retry
from glacier.dag.context import TaskContext, current_task
from glacier.dag.graph import Node, substitute
from glacier.dag.progress import Progress
from glacier.dag.result import TaskRun
from glacier.errors import TaskOutputError

if TYPE_CHECKING:
    from glacier.dag.remote import ActiveJobs

#: The longest wait between two attempts of a task, in seconds.
MAX_BACKOFF = 60.0


def execute(
    node: Node,
    run: TaskRun,
    outputs: dict[str, Any],
    progress: Progress,
    active: ActiveJobs | None,
    clock: Clock = SYSTEM_CLOCK,
) -> Any:
    """Call one task with its arguments substituted, retrying with backoff; record what it
    wrote on ``run``. ``active`` tracks remote jobs (None when no task has an executor);
    ``clock`` waits between attempts."""
    task = node.task
    args = substitute(node.args, outputs)
    kwargs = substitute(node.kwargs, outputs) if node.kwargs else {}
    ctx = TaskContext(node.id)
    token = current_task.set(ctx)
    try:
        if task.executor is None and task.retries == 0:  # the common case, no loop
            run.attempts = 1
            out = task.fn(*args, **kwargs)
        else:
            out = _call_with_retries(node, run, args, kwargs, progress, active, clock)
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
    node: Node,
    run: TaskRun,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    progress: Progress,
    active: ActiveJobs | None,
    clock: Clock,
) -> Any:
    """Call the task (locally or as a job on its executor), retrying failures with
    exponential backoff from ``retry_delay`` (doubling, capped at :data:`MAX_BACKOFF`)."""
    task = node.task

    def attempt(number: int) -> Any:
        run.attempts = number
        if task.executor is None:
            return task.fn(*args, **kwargs)
        from glacier.dag.remote import run_on_executor

        assert active is not None, "a run with executor tasks tracks its jobs"
        return run_on_executor(
            node.id,
            task.fn,
            args,
            kwargs,
            task.executor,
            active,
            lambda s: progress.on_status(node.id, s),
            lambda job_id, url: _note_job(run, job_id, url),
            timeout=task.timeout,
            clock=clock,
        )

    return retry(
        attempt,
        attempts=task.retries + 1,
        backoff=Backoff(task.retry_delay, cap=MAX_BACKOFF),
        on_retry=lambda number, exc, delay: progress.on_retry(node.id, number, exc, delay),
        clock=clock,
    )


def _note_job(run: TaskRun, job_id: str, url: str | None) -> None:
    """Keep the engine's job id and run URL of an executor task (for the run record)."""
    run.job_id = job_id
    run.run_url = url


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
