"""glacier-emr: plugin registration, the executor contract (fake EMR server that really runs
steps), the API shape against moto's EMR, the instance type check, and the Pulumi emitter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emr_helpers import aws_provider
from fake_emr import FakeEmr, fake_emr

from glacier.adapters.base import JobStatus
from glacier.errors import ConfigError
from glacier.testing.executor_contract import ExecutorContract, contract_value, submit


@pytest.fixture
def emr() -> Iterator[FakeEmr]:
    with fake_emr() as fake:
        yield fake


def test_plugin_is_discovered_through_its_entry_point() -> None:
    from glacier.plugins.manager import distribution_of
    from glacier.plugins.registry import get_registry

    registry = get_registry()
    assert "emr" in registry.plugins
    assert distribution_of("emr") == "glacier-emr"
    from glacier.config import EmrConfig

    assert registry.executor_backend(EmrConfig) is not None


class TestEmrContract(ExecutorContract):
    timeout = 60.0

    @pytest.fixture
    def executor(self, emr: FakeEmr, local_staging: None):  # type: ignore[no-untyped-def]
        from glacier.config import EmrConfig

        config = EmrConfig(cluster_id="j-TEST", endpoint_url=emr.url, staging_bucket="stage")
        return aws_provider().executor("emr", config=config)


def test_step_is_spark_submit_of_the_entry_script(
    emr: FakeEmr, local_staging: None, deployment
) -> None:
    from glacier.config import EmrConfig

    config = EmrConfig(
        cluster_id="j-TEST",
        endpoint_url=emr.url,
        staging_bucket="stage",
        spark_submit_args=["--conf", "spark.executor.memory=2g"],
    )
    job_id, _ = submit(aws_provider().executor("emr", config=config), contract_value, 1, 2)
    assert job_id.startswith("j-TEST:s-")
    request = emr.requests[0]
    assert request["JobFlowId"] == "j-TEST"
    args = request["Steps"][0]["HadoopJarStep"]["Args"]
    assert args[:5] == [
        "spark-submit",
        "--deploy-mode",
        "client",
        "--conf",
        "spark.executor.memory=2g",
    ]
    assert args[5:7] == ["--py-files", deployment.artifact.uri]  # the code artifact
    assert args[-2].endswith("glacier_entrypoint.py") and args[-1].endswith("/job.json")


def test_step_without_artifact_is_refused(
    emr: FakeEmr, local_staging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glacier.config import EmrConfig

    monkeypatch.delenv("GLACIER_DEPLOYMENT")
    config = EmrConfig(cluster_id="j-TEST", endpoint_url=emr.url, staging_bucket="stage")
    with pytest.raises(Exception, match="brings no code artifact"):
        submit(aws_provider().executor("emr", config=config), contract_value, 1, 2)
    assert emr.steps == {}


def test_against_moto_emr(local_staging: None) -> None:
    """moto accepts the step and describes it (it never runs it, and has no CancelSteps)."""
    import boto3
    from moto.server import ThreadedMotoServer

    from glacier.config import EmrConfig

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        client = boto3.client(
            "emr",
            region_name="us-east-1",
            endpoint_url=url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        cluster = client.run_job_flow(
            Name="c",
            ReleaseLabel="emr-7.5.0",
            Applications=[{"Name": "Spark"}],
            Instances={
                "MasterInstanceType": "m5.xlarge",
                "SlaveInstanceType": "m5.xlarge",
                "InstanceCount": 1,
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            JobFlowRole="EMR_EC2_DefaultRole",
            ServiceRole="EMR_DefaultRole",
        )["JobFlowId"]
        config = EmrConfig(cluster_id=cluster, endpoint_url=url, staging_bucket="stage")
        executor = aws_provider().executor("emr", config=config)
        job_id, _ = submit(executor, contract_value, 1, 2)
        assert executor.get_job_status(job_id) in {JobStatus.PENDING, JobStatus.RUNNING}
        step = client.describe_step(ClusterId=cluster, StepId=job_id.split(":")[1])["Step"]
        assert step["Config"]["Args"][0] == "spark-submit"
    finally:
        server.stop()


def test_instance_type_must_be_ec2() -> None:
    from glacier.config import EmrConfig

    with pytest.raises(ConfigError, match="m5.xlarge"):  # raised when the executor is created
        aws_provider().executor("emr", config=EmrConfig(instance_type="Standard_D4s_v3"))


def test_cluster_id_required(emr: FakeEmr, local_staging: None) -> None:
    from glacier.config import EmrConfig

    executor = aws_provider().executor("emr", config=EmrConfig(endpoint_url=emr.url))
    with pytest.raises(ConfigError, match="cluster_id"):
        submit(executor, contract_value, 1, 2)


def emr_pipeline(cluster_id: str | None = None):  # type: ignore[no-untyped-def]
    """A pipeline whose one task runs on EMR and writes an S3 dataset."""
    import polars as pl

    from glacier import pipeline, task
    from glacier.config import EmrConfig

    provider = aws_provider()
    out = provider.bucket("lake", path="out/")
    emr = provider.executor("etl", config=EmrConfig(instance_count=3, cluster_id=cluster_id))

    @task(executor=emr)
    def build() -> None:
        out.write(pl.DataFrame({"x": [1]}))

    @pipeline(name="emr-demo")
    def demo() -> None:
        build()

    return demo


def test_pulumi_emitter_creates_profile_and_cluster() -> None:
    """Compiled through the AWS emitter's template, as a user would."""
    from glacier_emr.pulumi import EmrEmitter

    from glacier.compiler import PulumiCompiler

    text = emr_pipeline().compile(PulumiCompiler()).program
    assert "aws.iam.InstanceProfile(" in text and "role=etl_role.name" in text
    assert "aws.emr.Cluster(" in text and 'release_label="emr-7.5.0"' in text
    assert '"instance_profile": etl_emr_profile.arn' in text
    assert '"instance_count": 2' in text
    assert '"Service": "ec2.amazonaws.com"' in text  # EC2 assumes the executor's role
    assert EmrEmitter.trusted_services["aws"] == "ec2.amazonaws.com"
    with_cluster = emr_pipeline(cluster_id="j-ABC").compile(PulumiCompiler()).program
    assert "aws.emr.Cluster(" not in with_cluster and "j-ABC" in with_cluster
