"""SynapseAdapter (Livy REST + azure-identity) against a local stand-in of the Spark batch API
that really runs the batch file. Honest limits: the Entra ID token is stubbed (azure-identity's
credential is replaced), and staging is redirected to a local folder because
glacier_azure.storage is not in the tree yet (ADLS staging is NOT exercised)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_synapse import TOKEN, FakeSynapse, fake_synapse

from glacier import Provider
from glacier.config import LocalConfig
from glacier.jobs.spec import BucketSpec
from glacier.testing.executor_contract import ExecutorContract


@pytest.fixture
def synapse() -> Iterator[FakeSynapse]:
    with fake_synapse() as fake:
        yield fake


@pytest.fixture
def patched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from glacier_azure.synapse import SynapseAdapter

    local = Provider(config=LocalConfig(base_path=tmp_path / "staging"))

    def staging(self: SynapseAdapter, job_id: str) -> BucketSpec:
        return BucketSpec.of(local.bucket("syn", path=f"_glacier/jobs/{job_id}/"))

    monkeypatch.setattr(SynapseAdapter, "staging_location", staging)
    monkeypatch.setattr(SynapseAdapter, "token", lambda self: TOKEN)


def synapse_executor(fake: FakeSynapse):  # type: ignore[no-untyped-def]
    from glacier.config import AzureConfig, SynapseConfig

    azure = Provider(config=AzureConfig(storage_account="acct"))
    config = SynapseConfig(workspace_name="ws", endpoint=fake.url, staging_bucket="stg")
    return azure.executor("pool", config=config)


class TestSynapseContract(ExecutorContract):
    timeout = 60.0

    @pytest.fixture
    def executor(self, synapse: FakeSynapse, patched: None):  # type: ignore[no-untyped-def]
        return synapse_executor(synapse)


def test_batch_body(synapse: FakeSynapse, patched: None) -> None:
    from glacier.testing.executor_contract import contract_value, submit, wait

    executor = synapse_executor(synapse)
    job_id, _ = submit(executor, contract_value, 1, 2)
    wait(executor, job_id, 60)
    body = synapse.runs.requests[0]
    assert body["file"].endswith("glacier_entrypoint.py")
    assert body["args"][0].endswith("/job.json")
    assert body["driverMemory"] == "28g" and body["numExecutors"] == 2
