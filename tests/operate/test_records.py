"""Run records: what every run writes, on every backend, concurrently, and cheaply."""

from __future__ import annotations

import json
import threading
import uuid
import warnings
from pathlib import Path

import polars as pl
import pytest

from glacier import Provider, pipeline, task
from glacier.errors import ConfigError, PipelineDefinitionError, RunRecordWarning
from glacier.runs import BucketRunStore, RunRecord
from glacier.runs.store import RunStore
from tests.storage.storage_servers import CONTRACT_BUCKET


def _sales(provider: Provider, runs: object = None, name: str = "sales"):  # type: ignore[no-untyped-def]
    out = provider.bucket("lake", path=f"out/{name}.parquet")

    @task
    def load(n: int) -> pl.DataFrame:
        return pl.DataFrame({"x": list(range(n))})

    @task
    def save(df: pl.DataFrame, dest):  # type: ignore[no-untyped-def]
        dest.write(df)

    @pipeline(name=name, runs=runs)
    def sales(n: int = 3):  # type: ignore[no-untyped-def]
        save(load(n), out)

    return sales


def test_every_run_writes_one_complete_record(local_provider: Provider, store: RunStore) -> None:
    pipe = _sales(local_provider)
    pipe.run(n=4)
    (record,) = store.records("sales")
    assert record.status == "succeeded"
    assert record.params == {"n": 4}
    assert record.trigger == {"kind": "manual"}
    assert record.started_at and record.ended_at and record.duration_s is not None
    assert list(record.tasks) == ["load", "save"]
    save = record.tasks["save"]
    assert save.status == "succeeded" and save.attempts == 1
    assert save.rows_written == 4
    assert save.uris_written and save.uris_written[0].endswith("out/sales.parquet")
    assert save.duration_s is not None and save.started_at is not None
    # one JSON object at the documented key
    path = Path(store.blobs.root) / "sales" / f"{record.run_id}.json"
    data = json.loads(path.read_text())
    assert data["format"] == "glacier.run/1" and data["run_id"] == record.run_id


def test_failed_task_records_error_text_and_user_code_location(
    local_provider: Provider, store: RunStore
) -> None:
    @task
    def ok() -> int:
        return 1

    @task
    def boom(x: int) -> int:
        raise ValueError(f"bad value {x}")

    @pipeline(name="fails")
    def fails():  # type: ignore[no-untyped-def]
        boom(ok())

    result = fails.run(raise_on_failure=False)
    assert not result.ok
    (record,) = store.records("fails")
    assert record.status == "failed"
    assert record.error is not None and record.error.task == "boom"
    assert record.error.message == "bad value 1"
    assert record.error.location is not None
    assert record.error.location.startswith(str(Path("tests/operate/test_records.py")))
    assert "in boom" in record.error.location
    assert record.tasks["boom"].error is not None
    assert record.tasks["ok"].status == "succeeded"


def test_a_definition_error_is_recorded_as_failed(store: RunStore) -> None:
    @task
    def t(x: int) -> int:
        return x

    @pipeline(name="broken")
    def broken(x: int):  # type: ignore[no-untyped-def]
        t(x, 1, 2)  # wrong arity: the DAG cannot be built

    with pytest.raises(PipelineDefinitionError):
        broken.run(x=1)
    (record,) = store.records("broken")
    assert record.status == "failed" and record.error is not None
    assert record.error.type == "PipelineDefinitionError"
    assert record.params == {"x": 1}


def test_runs_false_writes_nothing(local_provider: Provider, runs_dir: Path) -> None:
    _sales(local_provider, runs=False).run()
    assert not runs_dir.exists()


def test_env_off_writes_nothing(
    local_provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLACIER_RUNS_URI", "off")
    monkeypatch.chdir(tmp_path)
    _sales(local_provider).run()
    assert not (tmp_path / "data" / "_glacier").exists()


def test_default_is_under_the_local_base_path(
    local_provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GLACIER_RUNS_URI", raising=False)
    monkeypatch.setenv("GLACIER_LOCAL_BASE_PATH", str(tmp_path / "base"))
    _sales(local_provider).run()
    assert len(list((tmp_path / "base" / "_glacier" / "runs" / "sales").glob("*.json"))) == 1


def test_runs_bucket_setting(local_provider: Provider, runs_dir: Path) -> None:
    target = local_provider.bucket("ops", path="history/")
    _sales(local_provider, runs=target).run()
    assert len(list(Path(target.get_uri().removeprefix("file://")).glob("sales/*.json"))) == 1
    assert not runs_dir.exists()


def test_runs_setting_is_checked_at_definition(local_provider: Provider) -> None:
    with pytest.raises(PipelineDefinitionError, match="bucket prefix .*path ending in '/'"):
        _sales(local_provider, runs=local_provider.bucket("ops", path="one.parquet"))
    with pytest.raises(PipelineDefinitionError, match="runs= takes"):
        _sales(local_provider, runs=42)


def test_bad_runs_uri_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from glacier.runs.config import store_from_uri

    with pytest.raises(ConfigError, match="unknown URI scheme 'ftp'"):
        store_from_uri("ftp://x/y")
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(ConfigError, match="needs a aws provider.*AWS_REGION"):
        store_from_uri("s3://bucket/runs/", environ={})


class _BrokenStore(BucketRunStore):
    def write(self, record: RunRecord) -> None:
        raise OSError("disk on fire")


def test_a_failing_store_warns_and_never_fails_the_run(
    local_provider: Provider, tmp_path: Path
) -> None:
    from glacier.runs.blobs import LocalBlobs

    pipe = _sales(local_provider, runs=_BrokenStore(blobs=LocalBlobs(tmp_path / "x")))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = pipe.run()
    assert result.ok
    messages = [str(w.message) for w in caught if issubclass(w.category, RunRecordWarning)]
    assert len(messages) == 1 and "disk on fire" in messages[0]


def test_eight_concurrent_runs_leave_eight_complete_records(
    local_provider: Provider, store: RunStore
) -> None:
    gate = threading.Barrier(8)

    @task
    def wait_all(i: int) -> int:
        gate.wait(timeout=30)  # all eight runs are in flight at once
        return i

    @task
    def double(x: int) -> int:
        return 2 * x

    @pipeline(name="conc")
    def conc(i: int):  # type: ignore[no-untyped-def]
        double(wait_all(i))

    threads = [threading.Thread(target=conc.run, kwargs={"i": i}) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    records = list(store.records("conc"))
    assert len(records) == 8
    assert len({r.run_id for r in records}) == 8
    assert sorted(r.params["i"] for r in records) == list(range(8))
    assert all(r.status == "succeeded" for r in records)
    assert all(t.status == "succeeded" for r in records for t in r.tasks.values())


def test_list_filters_and_limits(local_provider: Provider, store: RunStore) -> None:
    pipe = _sales(local_provider)
    for n in range(3):
        pipe.run(n=n)
    newest = list(store.records("sales", limit=2))
    assert [r.params["n"] for r in newest] == [2, 1]
    assert list(store.records(where=lambda r: r.status == "failed")) == []
    assert store.find(newest[0].run_id).run_id == newest[0].run_id


# -- every backend -------------------------------------------------------------------------
def _roundtrip(provider: Provider) -> None:
    prefix = f"runs-{uuid.uuid4().hex[:8]}/"
    runs = provider.bucket(CONTRACT_BUCKET, path=prefix)
    local = Provider()  # the pipeline's data stays local; only its records go to the cloud
    pipe = _sales(local, runs=runs, name=f"p{uuid.uuid4().hex[:6]}")
    pipe.run(n=2)
    pipe.run(n=5)
    store = BucketRunStore(runs)
    records = list(store.records(pipe.name))
    assert [r.params["n"] for r in records] == [5, 2]
    assert all(r.status == "succeeded" and set(r.tasks) == {"load", "save"} for r in records)
    assert store.pipelines() == [pipe.name]
    again = store.find(records[0].run_id)
    assert again.to_dict() == records[0].to_dict()
    # the state objects of glacier serve live next to the records without being listed
    store.put_state(pipe.name, "schedule.json", {"a": 1})
    assert store.get_state(pipe.name, "schedule.json") == {"a": 1}
    assert len(list(store.records(pipe.name))) == 2


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_records_roundtrip_on_local(local_provider: Provider, in_tmp: None) -> None:
    _roundtrip(local_provider)


def test_records_roundtrip_on_moto_s3(s3_provider: Provider, in_tmp: None) -> None:
    _roundtrip(s3_provider)


def test_records_roundtrip_on_azurite(blob_provider: Provider, in_tmp: None) -> None:
    _roundtrip(blob_provider)


def test_records_roundtrip_on_gcs_emulator(gcs_provider: Provider, in_tmp: None) -> None:
    _roundtrip(gcs_provider)


def test_runs_uri_from_environment_on_s3(
    moto_server, s3_provider: Provider, monkeypatch: pytest.MonkeyPatch, in_tmp: None
) -> None:  # type: ignore[no-untyped-def]
    for key, value in moto_server.env.items():
        monkeypatch.setenv(key, value)
    prefix = f"envruns-{uuid.uuid4().hex[:8]}/"
    monkeypatch.setenv("GLACIER_RUNS_URI", f"s3://{CONTRACT_BUCKET}/{prefix}")
    from glacier.config import LocalConfig

    pipe = _sales(Provider(LocalConfig(base_path=Path("data"))))
    pipe.run()
    store = BucketRunStore(s3_provider.bucket(CONTRACT_BUCKET, path=prefix))
    (record,) = store.records("sales")
    assert record.status == "succeeded"


def test_executor_tasks_record_the_engine_job_id(local_provider: Provider, store: RunStore) -> None:
    from tests.compute.compute_tasks import count_rows

    orders = local_provider.bucket("lake", path="raw/orders.parquet")
    orders.write(pl.DataFrame({"amount": [1.0, 2.0]}))
    workers = local_provider.executor("workers")
    remote = task(executor=workers, name="remote_count")(count_rows)

    @pipeline(name="remote")
    def remote_pipe():  # type: ignore[no-untyped-def]
        remote(orders)

    result = remote_pipe.run()
    assert result["remote_count"].output == {"rows": 2}
    assert result["remote_count"].job_id  # set when the job was submitted
    (record,) = store.records("remote")
    task_record = record.tasks["remote_count"]
    assert task_record.job_id == result["remote_count"].job_id
    assert task_record.executor == "workers"


def test_ctrl_c_leaves_a_cancelled_record(store: RunStore) -> None:
    @task
    def first() -> int:
        return 1

    @task
    def interrupted(x: int) -> int:
        raise KeyboardInterrupt  # what Ctrl-C raises in the thread running the task

    @task
    def after(x: int) -> int:
        return x

    @pipeline(name="ctrlc")
    def ctrlc():  # type: ignore[no-untyped-def]
        after(interrupted(first()))

    with pytest.raises(KeyboardInterrupt):
        ctrlc.run()
    (record,) = store.records("ctrlc")
    assert record.status == "cancelled" and record.ended_at is not None
    assert record.tasks["first"].status == "succeeded"
    assert record.tasks["interrupted"].status == "cancelled"
    assert record.tasks["after"].status == "not_run"
