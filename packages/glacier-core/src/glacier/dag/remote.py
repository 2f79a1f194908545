"""Run one task call on an executor: package it as a job, submit, poll, fetch the result."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl

from glacier.adapters.base import ExecutorAdapter, JobStatus
from glacier.backoff import SYSTEM_CLOCK, Backoff, Clock, poll
from glacier.errors import JobError, PipelineDefinitionError, PollTimeoutError
from glacier.jobs.refs import ref_of
from glacier.jobs.runner import FRAME_RESULT, VALUE_RESULT
from glacier.jobs.spec import BucketSpec, JobInput, JobSpec
from glacier.jobs.staging import staging_prefix
from glacier.resources.bucket import Bucket
from glacier.resources.executor import Executor

if TYPE_CHECKING:
    from glacier.provider import Provider

#: Job status polls: every 50 ms at first, 1.5 times longer each time, at most every 5 s.
STATUS_BACKOFF = Backoff(0.05, factor=1.5, cap=5.0)
#: How long a job is awaited when its task has no ``timeout``: a week. A task whose job may
#: run longer says so with ``@task(timeout=...)``.
DEFAULT_JOB_WAIT = 7 * 24 * 3600.0
#: How long past its task's ``timeout`` a job is still polled, so the cancellation the
#: scheduler sends at the timeout can land and be seen.
CANCEL_GRACE = 300.0


class ActiveJobs:
    """Remote jobs in flight, so a cancelled run can cancel them."""

    def __init__(self) -> None:
        self._jobs: dict[str, tuple[ExecutorAdapter, str]] = {}
        self._lock = threading.Lock()

    def add(self, node_id: str, adapter: ExecutorAdapter, job_id: str) -> None:
        with self._lock:
            self._jobs[node_id] = (adapter, job_id)

    def remove(self, node_id: str) -> None:
        with self._lock:
            self._jobs.pop(node_id, None)

    def cancel(self, node_id: str | None = None) -> None:
        with self._lock:
            items = list(self._jobs.items())
        for nid, (adapter, job_id) in items:
            if node_id is None or nid == node_id:
                with contextlib.suppress(Exception):  # best effort: the run is stopping
                    adapter.cancel_job(job_id)


def _encode(
    task_name: str,
    param: str,
    value: Any,
    staging: BucketSpec,
    index: int,
    provider: Provider | None = None,
) -> JobInput:
    if isinstance(value, Bucket):
        return JobInput(kind="bucket", bucket=BucketSpec.of(value))
    if isinstance(value, pl.LazyFrame | pl.DataFrame):
        staged = staging.child(f"input-{index}.parquet")
        staged.open(provider).write(value)
        return JobInput(kind="frame", bucket=staged)
    try:
        json.dumps(value)
    except TypeError:
        raise PipelineDefinitionError(
            f"Task {task_name!r} runs on an executor, so argument {param!r} must be a bucket, a "
            f"polars frame or JSON-serialisable; got {type(value).__name__}."
        ) from None
    return JobInput(kind="literal", value=value)


def run_on_executor(
    node_id: str,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    executor: Executor,
    active: ActiveJobs,
    on_status: Callable[[str], None],
    on_job: Callable[[str, str | None], None] | None = None,
    *,
    timeout: float | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Any:
    """Submit the call as a job and wait for it; returns the task's result. ``on_job``
    receives the engine's job id and run URL as soon as the job is submitted.

    The job's status is polled until it finishes, for at most ``timeout`` (the task's) plus
    :data:`CANCEL_GRACE` seconds, or :data:`DEFAULT_JOB_WAIT` without one; a job still not
    finished then is cancelled and the task fails with :class:`~glacier.errors.JobError`."""
    adapter: ExecutorAdapter = executor._get_adapter()
    key = f"{node_id.replace('#', '-')}-{uuid.uuid4().hex[:12]}"
    staging = staging_prefix(adapter, key)
    # The executor's provider, when it owns the staging bucket: a bucket spec carries no secrets, so
    # credentials given in the provider's config reach storage only through it.
    provider = staging.owned_by(adapter.provider)
    try:
        task_ref = ref_of(fn)
    except ValueError as exc:
        raise PipelineDefinitionError(f"Task {node_id!r} cannot run on an executor: {exc}") from exc
    spec = JobSpec(
        job_id=key,
        task_name=node_id,
        task=task_ref,
        args=[_encode(node_id, f"#{i}", v, staging, i, provider) for i, v in enumerate(args)],
        kwargs={
            k: _encode(node_id, k, v, staging, len(args) + i, provider)
            for i, (k, v) in enumerate(kwargs.items())
        },
        result=staging,
        python_path=[os.getcwd()],
    )
    job_id = executor.submit_job(spec.model_dump(mode="json"))
    active.add(node_id, adapter, job_id)
    if on_job is not None:
        url = None
        with contextlib.suppress(Exception):  # a link is nice to have, never a failure
            url = adapter.get_run_url(job_id)
        on_job(job_id, url)
    limit = DEFAULT_JOB_WAIT if timeout is None else timeout + CANCEL_GRACE
    try:
        status = _wait(executor, job_id, on_status, limit, clock)
    except PollTimeoutError as exc:
        with contextlib.suppress(Exception):  # best effort: the job is abandoned either way
            adapter.cancel_job(job_id)
        raise JobError(
            f"Task {node_id!r}: job {job_id} on {executor.engine} executor {executor.name!r} "
            f"did not finish within {limit:g}s; it was cancelled. ({exc})",
            job_id=job_id,
        ) from exc
    finally:
        active.remove(node_id)
    if status is not JobStatus.SUCCEEDED:
        error = adapter.get_job_error(job_id) or status.value
        url = adapter.get_run_url(job_id)
        raise JobError(
            f"Task {node_id!r} {status.value.lower()} on {executor.engine} executor "
            f"{executor.name!r} (job {job_id}): {error}" + (f" Run: {url}" if url else ""),
            job_id=job_id,
            run_url=url,
        )
    return _fetch_result(staging, provider)


def _wait(
    executor: Executor,
    job_id: str,
    on_status: Callable[[str], None],
    timeout: float,
    clock: Clock = SYSTEM_CLOCK,
) -> JobStatus:
    """Poll the job's status until it finishes; report each change to ``on_status``."""
    last: list[JobStatus] = []

    def finished() -> JobStatus | None:
        status = executor.get_job_status(job_id)
        if not last or status != last[-1]:
            on_status(f"{status.value} (job {job_id})")
            last.append(status)
        return status if status.finished else None

    return poll(
        finished, timeout=timeout, backoff=STATUS_BACKOFF, what=f"job {job_id}", clock=clock
    )


def _fetch_result(staging: BucketSpec, provider: Provider | None = None) -> Any:
    provider = provider or staging.provider_instance()
    frame = staging.child(FRAME_RESULT).open(provider)
    if frame.exists():
        return frame.scan()
    value = staging.child(VALUE_RESULT).open(provider)
    if value.exists():
        return json.loads(value.read()["json"][0])
    return None
