"""The local backend: formats, datasets, atomic writes, serverless and executor processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import unquote

import polars as pl
import pytest

from glacier import Provider, pipeline, task
from glacier.adapters import JobStatus
from glacier.errors import (
    FunctionInvocationError,
    JobError,
    ObjectNotFoundError,
    PipelineFailedError,
)
from tests.polling import FakeClock, wait_until

FRAME = pl.DataFrame({"id": [1, 2, 3, 4], "cat": ["a", "b", "a", "b"], "x": [0.5, 1.5, 2.5, 3.5]})


@pytest.mark.parametrize("path", ["t.parquet", "t.csv", "t.ndjson"])
@pytest.mark.parametrize("lazy", [False, True])
def test_roundtrip_each_format(local_provider: Provider, path: str, lazy: bool) -> None:
    bucket = local_provider.bucket("lake", path=path)
    bucket.write(FRAME.lazy() if lazy else FRAME)
    assert bucket.exists()
    assert bucket.read().equals(FRAME)
    assert bucket.get_uri().startswith("file:///") and bucket.get_uri().endswith(path)


def test_dataset_prefix_with_hive_partitions(local_provider: Provider) -> None:
    ds = local_provider.bucket("lake", path="events/")
    result = ds.write(FRAME.lazy(), partition_by=["cat"])
    assert result.files == 2 and result.rows == 4
    assert sorted(Path(unquote(u.removeprefix("file://"))).parent.name for u in ds.list()) == [
        "cat=a",
        "cat=b",
    ]
    got = ds.scan().filter(pl.col("cat") == "b").select("id").collect()
    assert sorted(got["id"].to_list()) == [2, 4]


def test_missing_object_error_names_uri(local_provider: Provider) -> None:
    bucket = local_provider.bucket("lake", path="nope.parquet")
    assert not bucket.exists()
    with pytest.raises(ObjectNotFoundError, match=r"No object at file://.*nope\.parquet"):
        bucket.scan()


def test_failed_write_leaves_previous_object(local_provider: Provider) -> None:
    bucket = local_provider.bucket("lake", path="t.parquet")
    bucket.write(FRAME)

    def explode(s: pl.Series) -> pl.Series:
        raise RuntimeError("disk on fire")

    bad = pl.LazyFrame({"id": [9]}).with_columns(
        pl.col("id").map_batches(explode, return_dtype=pl.Int64)
    )
    with pytest.raises(Exception, match="disk on fire"):
        bucket.write(bad)
    assert bucket.read().equals(FRAME)
    assert [p.name for p in bucket._get_adapter().local_path.parent.iterdir()] == ["t.parquet"]


def test_killed_writer_leaves_previous_object(tmp_path: Path) -> None:
    base = tmp_path / "data"
    script = tmp_path / "writer.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import polars as pl
            from glacier import Provider
            from glacier.config import LocalConfig
            b = Provider(config=LocalConfig(base_path={str(base)!r})).bucket("lake", path="big.parquet")
            print("writing", flush=True)
            b.write(pl.LazyFrame({{"i": range(200_000_000)}}).with_columns(s=pl.col("i").cast(pl.String)))
            """
        )
    )
    from glacier.config import LocalConfig

    bucket = Provider(config=LocalConfig(base_path=base)).bucket("lake", path="big.parquet")
    bucket.write(FRAME)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    folder = base / "lake"
    wait_until(lambda: list(folder.glob(".big.parquet.*.tmp")), "the writer's temp file")
    time.sleep(0.3)  # let it write a little more
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert bucket.read().equals(FRAME)
    assert bucket.list() == [bucket.get_uri()]  # the stale temp file is invisible


def echo_handler(event: dict) -> dict:
    print("handler noise on stdout must not break the envelope")
    return {"doubled": event["n"] * 2, "pid": os.getpid()}


def failing_handler(event: dict, context) -> dict:  # type: ignore[no-untyped-def]
    raise KeyError(f"missing field in request {context.request_id}")


def test_local_serverless_runs_in_a_subprocess(local_provider: Provider) -> None:
    fn = local_provider.serverless("doubler", handler=echo_handler)
    fn.deploy()
    out = fn.invoke({"n": 21})
    assert out["doubled"] == 42
    assert out["pid"] != os.getpid()


def test_local_serverless_error_carries_message_and_request_id(local_provider: Provider) -> None:
    fn = local_provider.serverless("broken", handler=f"{__name__}:failing_handler")
    with pytest.raises(FunctionInvocationError, match="KeyError") as ei:
        fn.invoke({})
    assert ei.value.request_id and ei.value.request_id in str(ei.value)
    assert ei.value.remote_type == "KeyError"


def double_frame(df: pl.LazyFrame, factor: int) -> pl.LazyFrame:
    return df.with_columns(pl.col("x") * factor, pid=pl.lit(os.getpid()))


def sleepy(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def raises() -> None:
    raise ArithmeticError("remote maths failed")


def test_local_executor_submit_status_cancel(local_provider: Provider) -> None:
    from glacier.dag.remote import _fetch_result
    from glacier.jobs.refs import ref_of
    from glacier.jobs.spec import JobInput, JobSpec
    from glacier.jobs.staging import staging_prefix
    from glacier.testing.executor_contract import wait

    ex = local_provider.executor("workers")
    adapter = ex._get_adapter()
    staging = staging_prefix(adapter, "j1")
    spec = JobSpec(
        job_id="j1",
        task_name="sleepy",
        task=ref_of(sleepy),
        args=[JobInput(kind="literal", value=0.1)],
        result=staging,
    )
    job = ex.submit_job(spec.model_dump(mode="json"))
    assert wait(ex, job, 30) is JobStatus.SUCCEEDED
    assert _fetch_result(staging) == "woke"

    long = spec.model_copy(update={"args": [JobInput(kind="literal", value=60)]})
    job2 = ex.submit_job(long.model_dump(mode="json"))
    wait(ex, job2, 30, until={JobStatus.RUNNING})
    ex.cancel_job(job2)
    assert wait(ex, job2, 30) is JobStatus.CANCELLED


def test_a_job_past_its_wait_limit_is_cancelled_and_fails(local_provider: Provider) -> None:
    """Job status polls have a deadline (the task's timeout plus a grace period): on an
    injected clock the deadline passes at once, the job is cancelled, the task fails."""
    from glacier.dag.remote import ActiveJobs, run_on_executor
    from glacier.testing.executor_contract import wait

    ex = local_provider.executor("workers")
    clock = FakeClock()
    jobs: list[str] = []
    with pytest.raises(JobError, match="did not finish within 301s; it was cancelled"):
        run_on_executor(
            "sleepy",
            sleepy,
            (60,),
            {},
            ex,
            ActiveJobs(),
            lambda status: None,
            lambda job_id, url: jobs.append(job_id),
            timeout=1,
            clock=clock,
        )
    assert clock.now >= 301 and max(clock.sleeps) <= 5.0  # backed off, capped at 5 s
    assert wait(ex, jobs[0], 30) is JobStatus.CANCELLED


def test_task_on_executor_runs_in_another_process(local_provider: Provider) -> None:
    src = local_provider.bucket("lake", path="in.parquet")
    src.write(FRAME)
    ex = local_provider.executor("workers")
    remote_double = task(executor=ex, name="remote_double")(double_frame)
    remote_fail = task(executor=ex, name="remote_fail")(raises)

    @task
    def load(b):  # type: ignore[no-untyped-def]
        return b.scan()

    @task
    def collect(df):  # type: ignore[no-untyped-def]
        return df.collect()

    @pipeline
    def p():
        collect(remote_double(load(src), 10))

    result = p.run()
    out = result.output("collect")
    assert out["x"].to_list() == [5.0, 15.0, 25.0, 35.0]
    assert out["pid"][0] != os.getpid()
    assert result["remote_double"].executor == "workers"

    @pipeline
    def q():
        remote_fail()

    with pytest.raises(PipelineFailedError, match="remote maths failed") as ei:
        q.run()
    assert "ArithmeticError" in str(ei.value)
