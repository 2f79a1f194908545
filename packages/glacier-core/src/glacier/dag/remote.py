"""Run one task call on an executor: package it as a job, submit, poll, fetch the result."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl

from glacier.adapters.base import ExecutorAdapter, JobStatus
from glacier.errors import JobError, PipelineDefinitionError
from glacier.jobs.refs import ref_of
from glacier.jobs.runner import FRAME_RESULT, VALUE_RESULT
from glacier.jobs.spec import BucketRef, JobInput, JobSpec
from glacier.jobs.staging import staging_ref
from glacier.resources.bucket import Bucket
from glacier.resources.executor import Executor

if TYPE_CHECKING:
    from glacier.provider import Provider


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
    staging: BucketRef,
    index: int,
    provider: Provider | None = None,
) -> JobInput:
    if isinstance(value, Bucket):
        return JobInput(kind="bucket", bucket=BucketRef.of(value))
    if isinstance(value, pl.LazyFrame | pl.DataFrame):
        ref = staging.child(f"input-{index}.parquet")
        ref.open(provider).write(value)
        return JobInput(kind="frame", bucket=ref)
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
) -> Any:
    """Submit the call as a job and wait for it; returns the task's result. ``on_job``
    receives the engine's job id and run URL as soon as the job is submitted."""
    adapter: ExecutorAdapter = executor._get_adapter()
    key = f"{node_id.replace('#', '-')}-{uuid.uuid4().hex[:12]}"
    staging = staging_ref(adapter, key)
    # The executor's provider, when it owns the staging bucket: a ref carries no secrets, so
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
    try:
        status = _wait(executor, job_id, on_status)
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


def _wait(executor: Executor, job_id: str, on_status: Callable[[str], None]) -> JobStatus:
    delay, last = 0.05, None
    while True:
        status = executor.get_job_status(job_id)
        if status != last:
            on_status(f"{status.value} (job {job_id})")
            last = status
        if status.finished:
            return status
        time.sleep(delay)
        delay = min(delay * 1.5, 5.0)


def _fetch_result(staging: BucketRef, provider: Provider | None = None) -> Any:
    provider = provider or staging.provider_instance()
    frame = staging.child(FRAME_RESULT).open(provider)
    if frame.exists():
        return frame.scan()
    value = staging.child(VALUE_RESULT).open(provider)
    if value.exists():
        return json.loads(value.read()["json"][0])
    return None
