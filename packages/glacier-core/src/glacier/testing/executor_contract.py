"""``ExecutorContract``: the behaviour every executor adapter must show, as a pytest base class.

Subclass it in a plugin's tests and provide an ``executor`` fixture (an
:class:`~glacier.resources.executor.Executor` whose engine can run job packages, e.g. against
a local stand-in of the service)::

    from glacier.testing.executor_contract import ExecutorContract

    class TestEmrContract(ExecutorContract):
        @pytest.fixture
        def executor(self, provider, emr_cluster):
            return provider.executor("emr", config=EmrConfig(...))

It checks: submit → status → result (frame and JSON), the engine's error text for a failing
task, cancelling a running job, and that cancelling a finished job is not an error.
The tasks it ships are functions of this module, so every engine can import them.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import polars as pl
import pytest

from glacier.adapters.base import ExecutorAdapter, JobStatus
from glacier.backoff import Backoff, poll
from glacier.errors import PollTimeoutError
from glacier.jobs.refs import ref_of
from glacier.jobs.spec import JobInput, JobSpec
from glacier.jobs.staging import staging_prefix
from glacier.resources.executor import Executor

FAILURE_MESSAGE = "contract task failed on purpose"


# -- tasks shipped to the engine -----------------------------------------------------------
def contract_frame(n: int) -> pl.DataFrame:
    """Returns a frame of ``n`` rows."""
    return pl.DataFrame({"i": list(range(n)), "sq": [i * i for i in range(n)]})


def contract_value(a: int, b: int) -> dict[str, int]:
    """Returns JSON."""
    return {"sum": a + b}


def contract_fail() -> None:
    """Raises with :data:`FAILURE_MESSAGE`."""
    raise RuntimeError(FAILURE_MESSAGE)


def contract_sleep(seconds: float) -> str:
    """Sleeps (for cancellation)."""
    time.sleep(seconds)
    return "done"


# -- helpers -------------------------------------------------------------------------------
def submit(executor: Executor, fn: Any, *args: Any) -> tuple[str, JobSpec]:
    """Package ``fn(*args)`` (JSON literals only) as a job, submit it; return (id, spec)."""
    adapter: ExecutorAdapter = executor._get_adapter()
    key = f"contract-{uuid.uuid4().hex[:12]}"
    spec = JobSpec(
        job_id=key,
        task_name=fn.__name__,
        task=ref_of(fn),
        args=[JobInput(kind="literal", value=a) for a in args],
        result=staging_prefix(adapter, key),
        python_path=[os.getcwd()],
    )
    return executor.submit_job(spec.model_dump(mode="json")), spec


def wait(
    executor: Executor, job_id: str, timeout: float, until: set[JobStatus] | None = None
) -> JobStatus:
    """Poll until the job reaches ``until`` (default: any finished state) or time out."""
    seen: list[JobStatus] = []

    def reached() -> JobStatus | None:
        status = executor.get_job_status(job_id)
        assert isinstance(status, JobStatus), f"get_job_status returned {status!r}"
        seen.append(status)
        return status if ((status in until) if until else status.finished) else None

    try:
        return poll(reached, timeout=timeout, backoff=Backoff(0.05, cap=0.5), what=f"job {job_id}")
    except PollTimeoutError:
        pytest.fail(f"job {job_id} still {seen[-1]} after {timeout}s")


def fetch(executor: Executor, spec: JobSpec) -> Any:
    """The job's result, read as the runtime reads it: through the provider the executor
    was created with when that provider owns the staging bucket (job specs carry no
    secrets, so credentials given only in that provider's config reach storage this way)."""
    from glacier.dag.remote import _fetch_result

    adapter: ExecutorAdapter = executor._get_adapter()
    return _fetch_result(spec.result, spec.result.owned_by(adapter.provider))


class ExecutorContract:
    """Base class of executor adapter tests. Provide the ``executor`` fixture."""

    #: Seconds a job may take on the engine under test.
    timeout: float = 120.0

    @pytest.fixture
    def executor(self) -> Executor:
        raise NotImplementedError("override the `executor` fixture")

    def test_frame_result_round_trip(self, executor: Executor) -> None:
        job_id, spec = submit(executor, contract_frame, 4)
        assert isinstance(job_id, str) and job_id
        assert wait(executor, job_id, self.timeout) is JobStatus.SUCCEEDED
        result = fetch(executor, spec)
        assert isinstance(result, pl.LazyFrame)
        assert result.collect().sort("i")["sq"].to_list() == [0, 1, 4, 9]

    def test_json_result_round_trip(self, executor: Executor) -> None:
        job_id, spec = submit(executor, contract_value, 2, 3)
        assert wait(executor, job_id, self.timeout) is JobStatus.SUCCEEDED
        assert fetch(executor, spec) == {"sum": 5}

    def test_failure_carries_engine_error(self, executor: Executor) -> None:
        job_id, _ = submit(executor, contract_fail)
        assert wait(executor, job_id, self.timeout) is JobStatus.FAILED
        error = executor._get_adapter().get_job_error(job_id)
        assert error is not None and FAILURE_MESSAGE in error

    def test_cancel_running_job(self, executor: Executor) -> None:
        job_id, _ = submit(executor, contract_sleep, 120)
        wait(executor, job_id, self.timeout, until={JobStatus.RUNNING, JobStatus.PENDING})
        executor.cancel_job(job_id)
        assert wait(executor, job_id, self.timeout) is JobStatus.CANCELLED

    def test_cancel_finished_job_is_not_an_error(self, executor: Executor) -> None:
        job_id, _ = submit(executor, contract_value, 1, 1)
        assert wait(executor, job_id, self.timeout) is JobStatus.SUCCEEDED
        executor.cancel_job(job_id)
        assert executor.get_job_status(job_id) is JobStatus.SUCCEEDED
