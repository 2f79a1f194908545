"""Writes the run record of every pipeline run, through the Runner's progress hooks.

:meth:`Pipeline.run` wraps each run in a :class:`Recording`: it writes a ``running`` record
once the DAG is built, collects per-task start/end times from the progress events, and
writes the final record (``succeeded``/``failed``/``cancelled``) when the run ends. A failing
store only warns (:class:`~glacier.errors.RunRecordWarning`): recording never changes a run's
outcome. On failure, the pipeline's ``on_failure`` alerts are printed (and POSTed).

``glacier serve``, ``glacier backfill`` and ``glacier run --resume`` say how a run was
started (its trigger, run id, resumed tasks) through a :class:`Launch` in a context
variable, so :meth:`Pipeline.run`'s signature stays the user's.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from glacier.dag.progress import Progress
from glacier.dag.result import RunResult, TaskRun, TaskStatus
from glacier.errors import RunRecordWarning
from glacier.runs.record import (
    CANCELLED,
    FAILED,
    PENDING,
    RUNNING,
    SUCCEEDED,
    ErrorInfo,
    RunRecord,
    TaskRecord,
    iso,
    jsonable,
    new_run_id,
    process_info,
)

if TYPE_CHECKING:
    from glacier.dag.graph import PipelineGraph
    from glacier.dag.pipeline import Pipeline
    from glacier.runs.store import RunStore


@dataclass
class Launch:
    """How a run is being started (set by serve, backfill and resume)."""

    trigger: dict[str, Any] = field(default_factory=lambda: {"kind": "manual"})
    run_id: str | None = None
    resumed_from: str | None = None
    #: Tasks taken from an earlier run without running them (resume), by name.
    skipped: dict[str, TaskRecord] = field(default_factory=dict)
    #: Task order of the full pipeline (resume: skipped tasks are listed in place).
    order: list[str] | None = None
    #: Set while the run is recorded, so a stopping server can close its record.
    recording: Recording | None = None
    #: The last record written for this run.
    record: RunRecord | None = None
    #: Whether the run has ended (its final record was written, or it was abandoned).
    done: threading.Event = field(default_factory=threading.Event)


current_launch: ContextVar[Launch | None] = ContextVar("glacier_launch", default=None)


@contextlib.contextmanager
def launching(launch: Launch) -> Iterator[Launch]:
    """Runs started inside this block are recorded with ``launch``'s trigger and id."""
    token = current_launch.set(launch)
    try:
        yield launch
    finally:
        current_launch.reset(token)


def store_for(pipeline: Pipeline) -> RunStore:
    """The run store of ``pipeline`` (its ``runs=`` setting, else the environment's)."""
    from glacier.runs.config import resolve

    return resolve(getattr(pipeline, "runs", None))


@functools.lru_cache(maxsize=256)
def _signature(fn: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


def bound_params(fn: Callable[..., Any], params: dict[str, Any]) -> dict[str, Any]:
    """The run's parameters as JSON values, defaults included."""
    sig = _signature(fn)
    values: dict[str, Any] = dict(params)
    if sig is not None:
        try:
            bound = sig.bind_partial(**params)
            bound.apply_defaults()
            values = dict(bound.arguments)
            for p in sig.parameters.values():
                if p.kind is inspect.Parameter.VAR_KEYWORD and p.name in values:
                    values.update(values.pop(p.name))
        except TypeError:
            pass
    return {k: jsonable(v) for k, v in values.items()}


class RecordingObserver(Progress):
    """Forwards progress events to the user's reporter and notes task start/end times."""

    def __init__(self, inner: Progress | None) -> None:
        self.inner = inner
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}
        self.finished: dict[str, TaskRun] = {}

    def on_start(self, node_id: str) -> None:
        self.started[node_id] = time.time()
        if self.inner is not None:
            self.inner.on_start(node_id)

    def on_status(self, node_id: str, status: str) -> None:
        if self.inner is not None:
            self.inner.on_status(node_id, status)

    def on_retry(self, node_id: str, attempt: int, error: BaseException, delay: float) -> None:
        if self.inner is not None:
            self.inner.on_retry(node_id, attempt, error, delay)

    def on_finish(self, run: TaskRun) -> None:
        self.ended[run.name] = time.time()
        self.finished[run.name] = run
        if self.inner is not None:
            self.inner.on_finish(run)


class Recording:
    """The record of one run. Use as a context manager around build + run::

    with Recording(pipeline, params) as rec:
        graph = pipeline.build(**params)
        result = rec.finish(Runner(graph, progress=rec.observe(graph, reporter)).run())
    """

    def __init__(self, pipeline: Pipeline, params: dict[str, Any]) -> None:
        self.pipeline = pipeline
        launch = current_launch.get()
        if launch is not None and launch.recording is not None:
            launch = None  # a pipeline run from inside a launched run's task: its own record
        self.launch = launch
        self.alerts = tuple(getattr(pipeline, "on_failure", ()) or ())
        self.store: RunStore | None = None
        try:
            store = store_for(pipeline)
            self.store = store if store.enabled else None
        except Exception as exc:  # a bad store setting must not stop the run
            self._warn(f"run records are off for this run: {type(exc).__name__}: {exc}")
        self.active = self.store is not None or bool(self.alerts)
        self.record: RunRecord | None = None
        self.observer: RecordingObserver | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._warned = False
        if not self.active:
            return
        launch = self.launch
        started = time.time()
        host, pid = process_info()
        from glacier._version import __version__

        self.record = RunRecord(
            run_id=(launch.run_id if launch and launch.run_id else None) or new_run_id(started),
            pipeline=str(pipeline.name),
            status=RUNNING,
            params=bound_params(pipeline.fn, params),
            trigger=dict(launch.trigger) if launch else {"kind": "manual"},
            started_at=iso(started),
            resumed_from=launch.resumed_from if launch else None,
            host=host,
            pid=pid,
            glacier_version=__version__,
        )
        self._t0 = time.perf_counter()
        if launch is not None:
            launch.run_id = self.record.run_id
            launch.recording = self
            launch.record = self.record

    @property
    def run_id(self) -> str | None:
        return None if self.record is None else self.record.run_id

    @property
    def location(self) -> str | None:
        """URI of this run's record (None when records are off)."""
        if self.store is None or self.record is None:
            return None
        from glacier.runs.store import BucketRunStore

        if isinstance(self.store, BucketRunStore):
            key = BucketRunStore.key_of(self.record.pipeline, self.record.run_id)
            return self.store.blobs.uri_of(key)
        return self.store.location

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> Recording:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None and self.active:
            self.fail(exc)
        if self.launch is not None and exc is not None:
            self.launch.done.set()

    def observe(self, graph: PipelineGraph, reporter: Progress | None) -> Progress | None:
        """Write the ``running`` record and return the progress hook for the Runner."""
        if not self.active or self.record is None:
            return reporter
        record = self.record
        order = self.launch.order if self.launch and self.launch.order else graph.order
        skipped = self.launch.skipped if self.launch else {}
        tasks: dict[str, TaskRecord] = {}
        for nid in order:
            if nid in skipped:
                tasks[nid] = skipped[nid]
            elif nid in graph.nodes:
                executor = graph.nodes[nid].task.executor
                tasks[nid] = TaskRecord(executor="local" if executor is None else executor.name)
        for nid in graph.order:
            if nid not in tasks:
                executor = graph.nodes[nid].task.executor
                tasks[nid] = TaskRecord(executor="local" if executor is None else executor.name)
        record.tasks = tasks
        self._write()
        self.observer = RecordingObserver(reporter)
        return self.observer

    def finish(self, result: RunResult) -> RunResult:
        """Write the final record of a run that ended (succeeded or with failed tasks)."""
        if not self.active or self.record is None:
            return result
        with self._lock:
            if self._closed:
                return result
            self._closed = True
            record = self.record
            for name, run in result.tasks.items():
                record.tasks[name] = self._task(run, record.tasks.get(name))
            failed = result.failed
            if result.ok:
                record.status = SUCCEEDED
            elif failed:
                record.status = FAILED
                first = failed[0]
                if first.error is not None:
                    record.error = ErrorInfo.of(first.error, task=first.name)
            else:
                record.status = CANCELLED
            self._end()
        self._write()
        self._alert()
        self._done()
        return result

    def fail(self, exc: BaseException) -> None:
        """Close the record of a run that raised: while building the DAG (bad parameters,
        definition errors: ``failed``), or in the Runner (Ctrl-C: ``cancelled``)."""
        if self.record is None:
            return
        with self._lock:
            if self._closed:
                return
            self._closed = True
            interrupted = isinstance(exc, KeyboardInterrupt | SystemExit)
            self._snapshot(CANCELLED if interrupted else FAILED)
            if not interrupted:
                self.record.error = ErrorInfo.of(exc)
            else:
                self.record.error = ErrorInfo(type(exc).__name__, "the run was interrupted")
        self._write()
        if not isinstance(exc, KeyboardInterrupt | SystemExit):
            self._alert()
        self._done()

    def abandon(self, reason: str) -> bool:
        """Close the record of a run that is still going as ``cancelled`` (serve stopping).
        Returns False if the run had already ended."""
        if self.record is None:
            return False
        with self._lock:
            if self._closed:
                return False
            self._closed = True
            self._snapshot(CANCELLED, reason)
            self.record.error = ErrorInfo("Cancelled", reason)
        self._write()
        self._done()
        return True

    # -- helpers -----------------------------------------------------------------------------
    def _task(self, run: TaskRun, before: TaskRecord | None) -> TaskRecord:
        obs = self.observer
        started = obs.started.get(run.name) if obs else None
        ended = obs.ended.get(run.name) if obs else None
        error = None
        if run.error is not None and run.status is not TaskStatus.NOT_RUN:
            error = ErrorInfo.of(run.error, task=run.name)
        return TaskRecord(
            status=run.status.value,
            attempts=run.attempts,
            started_at=iso(started),
            ended_at=iso(ended) if started is not None else None,
            duration_s=round(run.duration, 6) if started is not None else None,
            rows_written=run.rows_written,
            uris_written=list(run.uris_written),
            executor=run.executor if before is None else before.executor,
            job_id=run.job_id,
            run_url=getattr(run, "run_url", None),
            error=error,
            reason=run.reason,
        )

    def _snapshot(self, status: str, reason: str | None = None) -> None:
        """Task states as far as the progress events tell (the run did not end normally)."""
        assert self.record is not None
        record = self.record
        obs = self.observer
        finished = dict(obs.finished) if obs else {}
        started = dict(obs.started) if obs else {}
        for name, task in list(record.tasks.items()):
            if task.status != PENDING:
                continue
            if name in finished:
                record.tasks[name] = self._task(finished[name], task)
            elif name in started:
                task.status = CANCELLED
                task.started_at = iso(started[name])
                task.reason = reason or "the run was interrupted"
            else:
                task.status = TaskStatus.NOT_RUN.value
                task.reason = reason or "the run ended before this task started"
        record.status = status
        self._end()

    def _end(self) -> None:
        assert self.record is not None
        self.record.ended_at = iso(time.time())
        self.record.duration_s = round(time.perf_counter() - self._t0, 6)

    def _write(self) -> None:
        if self.store is None or self.record is None:
            return
        try:
            self.store.write(self.record)
        except Exception as exc:  # recording never fails a run
            self._warn(
                f"cannot write run record {self.record.run_id} to {self.store.location}: "
                f"{type(exc).__name__}: {exc}"
            )

    def _alert(self) -> None:
        if not self.alerts or self.record is None or self.record.status != FAILED:
            return
        from glacier.schedule.alert import notify

        try:
            notify(self.alerts, self.record, location=self.location)
        except Exception as exc:  # alerting never fails a run
            self._warn(f"cannot send the failure alert: {type(exc).__name__}: {exc}")

    def _done(self) -> None:
        if self.launch is not None:
            self.launch.record = self.record
            self.launch.done.set()

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"Pipeline {self.pipeline.name!r}: {message}", RunRecordWarning, stacklevel=4
            )
