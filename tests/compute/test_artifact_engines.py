"""Every engine stand-in installs the job's code artifact and runs nothing else.

For each engine the adapter passes the artifact the engine's way (Databricks ``whl`` library,
Glue ``--additional-python-modules``, Dataproc ``pythonFileUris`` on clusters and Serverless
batches, Synapse ``pyFiles``); the stand-in installs it (pip-style or as a wheel on the path)
and gives the job's subprocess only that as PYTHONPATH. The task reports where its module and
Glacier were imported from: inside the installed artifact, never this checkout. A job without
an artifact, or whose task is not in it, is refused at submission.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import compute_tasks
import pytest

from glacier import Provider
from glacier.adapters.base import ExecutorAdapter, JobStatus
from glacier.config import LocalConfig
from glacier.jobs.spec import BucketSpec
from glacier.resources.executor import Executor
from glacier.testing.artifacts import INSTALL_ROOT
from glacier.testing.executor_contract import submit, wait

CHECKOUT = Path(__file__).resolve().parents[2]


@pytest.fixture
def local_staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every executor stages in a local folder (storage is not what is tested here)."""
    local = Provider(config=LocalConfig(base_path=tmp_path / "staging"))

    def staging(self: ExecutorAdapter, job_id: str) -> BucketSpec:
        return BucketSpec.of(local.bucket("stg", path=f"_glacier/jobs/{job_id}/"))

    monkeypatch.setattr(ExecutorAdapter, "staging_location", staging)


def databricks(stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> tuple[Executor, Any]:
    from fake_databricks import TOKEN, fake_databricks

    from glacier.config import DatabricksConfig

    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", "/nonexistent/databrickscfg")
    fake = stack.enter_context(fake_databricks())
    config = DatabricksConfig(host=fake.url, token=TOKEN, staging_bucket="stg")
    executor = Provider(config=LocalConfig(base_path="/tmp")).executor("dbx", config=config)

    def artifact_of(request: dict[str, Any]) -> str:
        return str(request["tasks"][0]["libraries"][0]["whl"])

    return executor, (fake, artifact_of)


def glue(stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> tuple[Executor, Any]:
    from fake_glue import fake_glue

    from glacier.config import AwsConfig, GlueConfig

    fake = stack.enter_context(fake_glue())
    aws = Provider(config=AwsConfig(region="us-east-1", access_key_id="k", secret_access_key="s"))  # type: ignore[arg-type]
    config = GlueConfig(
        endpoint_url=fake.url, staging_bucket="stg", role_arn="arn:aws:iam::123456789012:role/g"
    )
    executor = aws.executor("etl", config=config)

    def artifact_of(request: dict[str, Any]) -> str:
        return str(request["Arguments"]["--additional-python-modules"])

    original = fake.runs.start

    def start(script: str, args: list[str], artifact: str | None, spec: str) -> int:
        fake.runs.requests.append({"Arguments": dict(zip(args[::2], args[1::2], strict=True))})
        return original(script, args, artifact, spec)

    fake.runs.start = start  # type: ignore[method-assign]
    return executor, (fake, artifact_of)


def _dataproc(stack: ExitStack, serverless: bool) -> tuple[Executor, Any]:
    from fake_dataproc import fake_dataproc
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import dataproc_v1

    from glacier.config import DataprocConfig, GcpConfig

    fake = stack.enter_context(fake_dataproc())
    gcp = Provider(config=GcpConfig(project="glacier-test", region="europe-west1"))
    extra: dict[str, Any] = {"serverless": True} if serverless else {"cluster_name": "c1"}
    config = DataprocConfig(endpoint_url=fake.url, staging_bucket="stg", **extra)
    executor = gcp.executor("spark", config=config)
    adapter = executor._get_adapter()
    kwargs = {
        "transport": "rest",
        "client_options": {"api_endpoint": fake.url},
        "credentials": AnonymousCredentials(),
    }
    adapter._client = dataproc_v1.JobControllerClient(**kwargs)  # type: ignore[attr-defined]
    adapter._batch_client = dataproc_v1.BatchControllerClient(**kwargs)  # type: ignore[attr-defined]
    original = fake.runs.start

    def start(script: str, args: list[str], artifact: str | None, spec: str) -> int:
        fake.runs.requests.append({"pythonFileUris": [artifact]})
        return original(script, args, artifact, spec)

    fake.runs.start = start  # type: ignore[method-assign]
    return executor, (fake, lambda request: request["pythonFileUris"][0])


def dataproc(stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> tuple[Executor, Any]:
    return _dataproc(stack, serverless=False)


def dataproc_serverless(stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> tuple[Executor, Any]:
    return _dataproc(stack, serverless=True)


def synapse(stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> tuple[Executor, Any]:
    from fake_synapse import TOKEN, fake_synapse

    from glacier.config import AzureConfig, SynapseConfig
    from glacier_azure.synapse import SynapseAdapter

    monkeypatch.setattr(SynapseAdapter, "token", lambda self: TOKEN)
    fake = stack.enter_context(fake_synapse())
    azure = Provider(config=AzureConfig(storage_account="acct"))
    config = SynapseConfig(workspace_name="ws", endpoint=fake.url, staging_bucket="stg")
    return azure.executor("pool", config=config), (fake, lambda request: request["pyFiles"][0])


ENGINES: dict[str, Callable[[ExitStack, pytest.MonkeyPatch], tuple[Executor, Any]]] = {
    "databricks": databricks,
    "glue": glue,
    "dataproc": dataproc,
    "dataproc-serverless": dataproc_serverless,
    "synapse": synapse,
}


@pytest.fixture(params=sorted(ENGINES))
def engine(
    request: pytest.FixtureRequest, local_staging: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Executor, Any]]:
    with ExitStack() as stack:
        yield ENGINES[request.param](stack, monkeypatch)


def test_engine_installs_the_artifact_and_runs_only_its_code(engine, deployment) -> None:  # type: ignore[no-untyped-def]
    from glacier.dag.remote import _fetch_result

    executor, (fake, artifact_of) = engine
    job_id, spec = submit(executor, compute_tasks.where_am_i)
    assert wait(executor, job_id, 60) is JobStatus.SUCCEEDED, executor._get_adapter().get_job_error(
        job_id
    )
    assert artifact_of(fake.runs.requests[-1]) == deployment.artifact.uri
    where = _fetch_result(spec.result)
    installed = INSTALL_ROOT / deployment.artifact.sha256
    for key in ("task", "glacier"):
        path = Path(where[key])
        assert installed in path.parents, f"{key} imported from {path}, not the artifact"
        assert CHECKOUT not in path.parents


def test_engine_refuses_a_job_without_artifact(engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    executor, (fake, _) = engine
    monkeypatch.delenv("GLACIER_DEPLOYMENT")
    with pytest.raises(Exception, match="brings no code artifact"):
        submit(executor, compute_tasks.where_am_i)
    assert fake.runs.runs == {} and len(fake.runs.refused) == 1


def test_engine_refuses_a_task_that_is_not_in_the_artifact(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A client that skipped its own check (glacier.deploy.runtime.artifact_ref) still cannot
    make the engine run code from elsewhere."""
    import fake_engine

    import glacier.deploy.runtime as runtime

    executor, (fake, _) = engine
    monkeypatch.setattr(runtime, "artifact_ref", lambda ref, manifest, name: ref)
    with pytest.raises(Exception, match="task module 'fake_engine' is not in artifact"):
        submit(executor, fake_engine.child_env)
    assert fake.runs.runs == {}
