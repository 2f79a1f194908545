"""One config compiles and runs: adapters find the deployed engines and functions through the
deployment record (or the name the compiled program gives them), never by adding runtime-only
config fields; configs that name an existing engine reference it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import compute_tasks
import pytest
from fake_functions import AZURE_KEY, FakeFunctions, fake_functions
from fake_glue import FakeGlue, fake_glue

from glacier import Provider, pipeline, task
from glacier.adapters.base import ExecutorAdapter, JobStatus
from glacier.config import LocalConfig
from glacier.deploy.existing import describe_existing, existing_reference, is_existing
from glacier.deploy.record import DeploymentRecord
from glacier.errors import ConfigError
from glacier.jobs.spec import BucketSpec
from glacier.testing.executor_contract import contract_value, submit, wait


def with_resources(base: DeploymentRecord, **resources: dict[str, Any]) -> str:
    """``base`` (the session's artifact record) plus resource entries, as GLACIER_DEPLOYMENT."""
    data = base.model_dump(mode="json")
    data["resources"] = resources
    return DeploymentRecord.model_validate(data).to_json()


@pytest.fixture
def local_staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = Provider(config=LocalConfig(base_path=tmp_path / "staging"))

    def staging(self: ExecutorAdapter, job_id: str) -> BucketSpec:
        return BucketSpec.of(local.bucket("stg", path=f"_glacier/jobs/{job_id}/"))

    monkeypatch.setattr(ExecutorAdapter, "staging_location", staging)


@pytest.fixture
def glue(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGlue]:
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_GLUE"):
        monkeypatch.delenv(var, raising=False)
    with fake_glue() as fake:
        yield fake


def aws() -> Provider:
    from glacier.config import AwsConfig

    return Provider(
        config=AwsConfig(region="eu-west-1", access_key_id="k", secret_access_key="s")  # type: ignore[arg-type]
    )


def deployed_glue_job(fake: FakeGlue, name: str) -> None:
    """What `pulumi up` of the compiled program leaves: a Glue job running the entry script."""
    fake.jobs[name] = {
        "Name": name,
        "Command": {
            "ScriptLocation": str(
                Path(__file__).parents[2] / "packages/glacier-core/src/glacier/jobs/entrypoint.py"
            )
        },
        "DefaultArguments": {"--job-language": "python"},
    }


def test_the_compile_config_runs_the_job_the_program_deployed(
    glue: FakeGlue, local_staging: None
) -> None:
    from glacier.config import GlueConfig

    compiled = GlueConfig(endpoint_url=glue.url, staging_bucket="stg")  # no job_name, no role
    assert not is_existing(compiled)
    deployed_glue_job(glue, "glacier-etl")  # the name the compiler gives executor 'etl'
    executor = aws().executor("etl", config=compiled)
    job_id, _ = submit(executor, contract_value, 2, 3)
    assert job_id.startswith("glacier-etl:")
    assert wait(executor, job_id, 60) is JobStatus.SUCCEEDED
    assert "CreateJob" not in glue.actions and "UpdateJob" not in glue.actions


def test_the_record_names_the_glue_job(
    glue: FakeGlue, local_staging: None, deployment, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from glacier.config import GlueConfig

    monkeypatch.setenv(
        "GLACIER_DEPLOYMENT",
        with_resources(deployment, etl={"kind": "executor", "name": "glacier-etl-4f2a"}),
    )
    deployed_glue_job(glue, "glacier-etl-4f2a")
    # Even with role_arn (the development loop), a deployed job is never created/updated.
    config = GlueConfig(
        endpoint_url=glue.url, staging_bucket="stg", role_arn="arn:aws:iam::123456789012:role/g"
    )
    job_id, _ = submit(aws().executor("etl", config=config), contract_value, 1, 1)
    assert job_id.startswith("glacier-etl-4f2a:")
    assert glue.actions == ["StartJobRun"]


def test_an_undeployed_glue_job_says_how_to_deploy(glue: FakeGlue, local_staging: None) -> None:
    from glacier.config import GlueConfig

    executor = aws().executor("etl", config=GlueConfig(endpoint_url=glue.url, staging_bucket="s"))
    with pytest.raises(ConfigError, match=r"Glue job 'glacier-etl' does not exist.*glacier deploy"):
        submit(executor, contract_value, 1, 1)


def test_existing_engine_fields() -> None:
    from glacier.config import DatabricksConfig, DataprocConfig, GlueConfig, SparkConfig

    assert existing_reference(GlueConfig(job_name="nightly")) == {"job_name": "nightly"}
    assert is_existing(DataprocConfig(cluster_name="shared"))
    assert not is_existing(DataprocConfig(serverless=True))
    assert is_existing(DatabricksConfig(existing_cluster_id="0101-abc"))
    assert not is_existing(DatabricksConfig())
    assert is_existing(SparkConfig(master="spark://h:7077"))  # always an existing cluster
    assert describe_existing("etl", GlueConfig(job_name="nightly")) == (
        "executor 'etl': references the existing GlueConfig engine (job_name='nightly')"
    )


def test_dataproc_cluster_and_databricks_cluster_come_from_the_record(
    local_staging: None, deployment, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from fake_databricks import TOKEN, fake_databricks
    from fake_dataproc import fake_dataproc
    from test_dataproc import dataproc_executor

    from glacier.config import DatabricksConfig

    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "none"))
    with fake_dataproc() as dataproc, fake_databricks() as workspace:
        monkeypatch.setenv(
            "GLACIER_DEPLOYMENT",
            with_resources(
                deployment,
                spark={"kind": "executor", "name": "glacier-spark-c1"},
                dbx={"kind": "executor", "id": "0101-deployed", "url": workspace.url},
            ),
        )
        dp = dataproc_executor(dataproc)  # DataprocConfig() as compiled: no cluster_name
        job_id, _ = submit(dp, contract_value, 1, 2)
        assert dataproc.jobs[job_id][0]["placement"]["clusterName"] == "glacier-spark-c1"
        # No host in the config: the workspace URL and the cluster come from the record.
        dbx = Provider(config=LocalConfig(base_path=tmp_path)).executor(
            "dbx", config=DatabricksConfig(token=TOKEN)
        )
        job_id, _ = submit(dbx, contract_value, 1, 2)
        assert wait(dbx, job_id, 60) is JobStatus.SUCCEEDED
        body = workspace.runs.requests[0]["tasks"][0]
        assert body["existing_cluster_id"] == "0101-deployed" and "new_cluster" not in body
    monkeypatch.setenv("GLACIER_DEPLOYMENT", deployment.to_json())
    with fake_dataproc() as dataproc, pytest.raises(ConfigError, match="no Dataproc cluster"):
        submit(dataproc_executor(dataproc), contract_value, 1, 2)


def test_staging_bucket_comes_from_the_record(
    tmp_path: Path, deployment, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A compiled executor without staging_bucket (the program made one): the record's."""
    from fake_databricks import TOKEN, fake_databricks

    from glacier.config import DatabricksConfig

    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "none"))
    provider = Provider(config=LocalConfig(base_path=tmp_path / "data"))
    orders = provider.bucket("lake", path="orders.parquet")
    orders.write(compute_tasks.pl.DataFrame({"id": [1], "amount": [5.0]}))
    with fake_databricks() as workspace:
        monkeypatch.setenv(
            "GLACIER_DEPLOYMENT",
            with_resources(
                deployment,
                dbx={"kind": "executor", "url": workspace.url, "staging_bucket": "stg-made"},
            ),
        )
        dbx = provider.executor("dbx", config=DatabricksConfig(token=TOKEN))
        totals = task(compute_tasks.add_total, executor=dbx)

        @pipeline
        def staged() -> None:
            totals(orders)

        assert staged.run()["add_total"].output.collect()["total"].to_list() == [5.0]
        spec_uri = workspace.runs.requests[0]["tasks"][0]["spark_python_task"]["parameters"][0]
        assert "/stg-made/_glacier/jobs/" in spec_uri


@pytest.fixture
def functions() -> Iterator[FakeFunctions]:
    with fake_functions({"double-prod-7f": "compute_tasks:handler_double"}) as fake:
        yield fake


def test_functions_invoke_the_deployed_names(
    functions: FakeFunctions, deployment, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from glacier.config import AzureConfig, LambdaConfig

    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GLACIER_FUNCTION_KEY_DOUBLE", AZURE_KEY)
    monkeypatch.setenv(
        "GLACIER_DEPLOYMENT",
        with_resources(
            deployment,
            **{
                "double": {"kind": "function", "name": "double-prod-7f"},
                "double-az": {"kind": "function", "url": f"{functions.url}/api/double-prod-7f"},
            },
        ),
    )
    fn = aws().serverless(
        "double", "compute_tasks:handler_double", config=LambdaConfig(endpoint_url=functions.url)
    )
    assert fn.invoke({"values": [1, 2]}) == {"doubled": [2, 4]}
    az = Provider(config=AzureConfig(storage_account="acct")).serverless(
        "double", "compute_tasks:handler_double", name="double-az"
    )
    assert az.invoke({"values": [3]}) == {"doubled": [6]}
    assert functions.calls == [("lambda", "double-prod-7f"), ("azure", "double-prod-7f")]
