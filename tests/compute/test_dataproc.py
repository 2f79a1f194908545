"""DataprocAdapter (google-cloud-dataproc, REST transport) against a local stand-in of the
Dataproc jobs API that really runs the PySpark main file. Staging: glacier_gcp.storage is not
in the tree yet, so staging is redirected to a local folder; GCS staging is NOT exercised."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_dataproc import FakeDataproc, fake_dataproc

from glacier import Provider
from glacier.config import LocalConfig
from glacier.errors import ConfigError
from glacier.jobs.spec import BucketSpec
from glacier.testing.executor_contract import ExecutorContract


@pytest.fixture
def dataproc() -> Iterator[FakeDataproc]:
    with fake_dataproc() as fake:
        yield fake


@pytest.fixture
def local_staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from glacier_gcp.dataproc import DataprocAdapter

    local = Provider(config=LocalConfig(base_path=tmp_path / "staging"))

    def staging(self: DataprocAdapter, job_id: str) -> BucketSpec:
        return BucketSpec.of(local.bucket("dp", path=f"_glacier/jobs/{job_id}/"))

    monkeypatch.setattr(DataprocAdapter, "staging_location", staging)


def dataproc_executor(fake: FakeDataproc, **extra: object):  # type: ignore[no-untyped-def]
    from google.auth.credentials import AnonymousCredentials

    from glacier.config import DataprocConfig, GcpConfig

    gcp = Provider(config=GcpConfig(project="glacier-test", region="europe-west1"))
    config = DataprocConfig(endpoint_url=fake.url, staging_bucket="stg", **extra)  # type: ignore[arg-type]
    executor = gcp.executor("spark", config=config)
    adapter = executor._get_adapter()
    from google.cloud import dataproc_v1

    kwargs = {
        "transport": "rest",
        "client_options": {"api_endpoint": fake.url},
        "credentials": AnonymousCredentials(),
    }
    adapter._client = dataproc_v1.JobControllerClient(**kwargs)
    adapter._batch_client = dataproc_v1.BatchControllerClient(**kwargs)
    return executor


class TestDataprocContract(ExecutorContract):
    timeout = 60.0

    @pytest.fixture
    def executor(self, dataproc: FakeDataproc, local_staging: None):  # type: ignore[no-untyped-def]
        return dataproc_executor(dataproc, cluster_name="glacier-cluster")


class TestDataprocServerlessContract(ExecutorContract):
    """Dataproc Serverless batches: create, poll, error text, cancel (operations:cancel)."""

    timeout = 60.0

    @pytest.fixture
    def executor(self, dataproc: FakeDataproc, local_staging: None):  # type: ignore[no-untyped-def]
        return dataproc_executor(dataproc, serverless=True)


def test_serverless_batch_body(dataproc: FakeDataproc, local_staging: None, deployment) -> None:  # type: ignore[no-untyped-def]
    from glacier.testing.executor_contract import contract_value, submit, wait

    executor = dataproc_executor(dataproc, serverless=True)
    job_id, _ = submit(executor, contract_value, 1, 2)
    assert job_id.startswith("glacier-contract-")
    wait(executor, job_id, 60)
    batch, _run, operation = dataproc.batches[job_id]
    spark = batch["pysparkBatch"]
    assert spark["mainPythonFileUri"].endswith("glacier_entrypoint.py")
    assert spark["args"][0].endswith("/job.json")
    assert spark["pythonFileUris"] == [deployment.artifact.uri]
    assert operation.endswith(f"/operations/op-{job_id}")
    assert "dataproc/batches/europe-west1/" in (executor._get_adapter().get_run_url(job_id) or "")


def test_job_body(dataproc: FakeDataproc, local_staging: None) -> None:
    from glacier.testing.executor_contract import contract_value, submit, wait

    executor = dataproc_executor(dataproc, cluster_name="glacier-cluster")
    job_id, _ = submit(executor, contract_value, 1, 2)
    wait(executor, job_id, 60)
    job, _run = dataproc.jobs[job_id]
    assert job["placement"]["clusterName"] == "glacier-cluster"
    assert job["pysparkJob"]["mainPythonFileUri"].endswith("glacier_entrypoint.py")
    assert job["pysparkJob"]["args"][0].endswith("/job.json")


def test_cluster_name_required(dataproc: FakeDataproc, local_staging: None) -> None:
    from glacier.testing.executor_contract import contract_value, submit

    with pytest.raises(ConfigError, match="cluster_name"):
        submit(dataproc_executor(dataproc), contract_value, 1, 2)
