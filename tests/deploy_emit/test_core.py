"""The core of deployment emission: the deployment IR, the driver's grants from the access
analysis, when a driver is emitted, and the ``glacier_deployment`` stack output every cloud
exports (read back by ``record_from_stack_outputs``)."""

from __future__ import annotations

from typing import Any

import pytest

from glacier import PulumiCompiler, pipeline, task
from glacier.compiler.deploy_ir import (
    ARTIFACT_PREFIX,
    RECORD_PREFIX,
    RUNS_PREFIX,
    DriverConfig,
    build_deployment,
    default_staging_name,
    driver_grants,
)
from glacier.compiler.deployment import DeploymentOutput
from glacier.compiler.errors import CompilerError, UnsupportedFeatureError
from glacier.compiler.ir import Grant
from glacier.compiler.pyrender import Expr
from glacier.config import AwsConfig, GcpConfig, GlueConfig
from glacier.deploy.record import record_from_stack_outputs
from glacier.provider import Provider
from glacier.schedule import Schedule


def _flow(provider: Any, name: str = "orders", **settings: Any) -> Any:
    """A pipeline with a local task (reads raw, writes clean) and a Glue task (reads clean,
    writes out)."""
    raw = provider.bucket("lake", path="raw/orders/")
    clean = provider.bucket("lake", path="clean/orders/", name="clean")
    out = provider.bucket("mart", path="daily/", name="out")
    glue = provider.executor("etl", config=GlueConfig(staging_bucket="stage"))

    @task
    def tidy(source: Any, destination: Any) -> None:
        destination.write(source.scan())

    @task(executor=glue, depends_on=[tidy])
    def aggregate(source: Any, destination: Any) -> None:
        destination.write(source.scan())

    @pipeline(name=name, **settings)
    def flow(day: str = "") -> None:
        tidy(raw, clean)
        aggregate(clean, out)

    return flow


def test_driver_grants_are_the_local_tasks_io_and_its_own_prefixes() -> None:
    provider = Provider(AwsConfig(region="eu-west-1"))
    flow = _flow(provider)
    compiler = PulumiCompiler()
    infra = flow.compile(compiler)
    ir = infra.ir
    (aws,) = ir.providers
    from glacier.compiler.deploy_ir import RunsLocation

    grants, local = driver_grants(ir, aws, "staging", RunsLocation("staging", RUNS_PREFIX))
    assert local == ["tidy"]  # aggregate runs on Glue: its I/O is the Glue role's
    lake, mart = f"{aws.key}/lake", f"{aws.key}/mart"
    assert grants == sorted(
        [
            Grant(lake, "clean/orders/", "write"),
            Grant(lake, "raw/orders/", "read"),
            Grant(f"{aws.key}/staging", ARTIFACT_PREFIX, "read"),
            Grant(f"{aws.key}/staging", RECORD_PREFIX, "read"),
            Grant(f"{aws.key}/staging", RUNS_PREFIX, "read"),
            Grant(f"{aws.key}/staging", RUNS_PREFIX, "write"),
        ],
        key=lambda g: (g.bucket, g.prefix, g.mode),
    )
    assert not [g for g in grants if g.bucket == mart]  # only Glue writes the mart
    assert all(g.prefix and not g.prefix.startswith("*") for g in grants)


def test_no_driver_unless_asked_or_needed() -> None:
    provider = Provider(AwsConfig(region="eu-west-1"))
    infra = _flow(provider).compile(PulumiCompiler())
    assert infra.deployment is not None and infra.deployment.driver is None
    assert infra.artifact is None
    # the schedule needs a driver: the deployment IR of the same resources gets one
    scheduled = _flow(provider, "orders", schedule="0 2 * * *", timezone="Europe/Paris")
    ir = infra.ir
    deployment = build_deployment(
        ir, scheduled, None, provider_of=lambda config: ir.providers[0], cloud_supports=bool
    )
    assert deployment.driver is not None and deployment.driver.name == "orders-driver"
    (schedule,) = deployment.schedules
    assert (schedule.cron, schedule.timezone, schedule.param) == (
        "0 2 * * *",
        "Europe/Paris",
        None,
    )
    assert deployment.driver.staging_bucket == default_staging_name("orders")


def test_driver_false_with_a_schedule_is_an_error() -> None:
    provider = Provider(AwsConfig(region="eu-west-1"))
    scheduled = _flow(provider, "nightly", schedule=Schedule("0 2 * * *"))
    with pytest.raises(CompilerError, match=r"sets schedule.*driver=False"):
        scheduled.compile(PulumiCompiler(driver=False))


def test_a_cloud_without_driver_steps_fails_at_compile_time() -> None:
    """A provider plugin whose emitter has no driver steps (the example MinIO plugin: storage
    only) refuses a schedule at compile time, and "auto" leaves the driver out."""
    from glacier_minio.config import MinioConfig

    provider = Provider(MinioConfig(endpoint="https://minio.example:9000"))
    raw = provider.bucket("lake", path="raw/")

    @task
    def touch(source: Any) -> None:
        source.exists()

    @pipeline(name="minio-nightly", schedule="0 3 * * *")
    def nightly() -> None:
        touch(raw)

    with pytest.raises(UnsupportedFeatureError, match=r"cloud driver.*not supported"):
        nightly.compile(PulumiCompiler())

    # glacier compile's "auto" leaves it out with a note instead, when nothing needs it
    @pipeline(name="minio-plain")
    def plain() -> None:
        touch(raw)

    infra = plain.compile(PulumiCompiler(driver="auto"))
    assert infra.deployment.driver is None
    assert any("does not emit one yet" in n for n in infra.notes)


def test_several_clouds_need_an_explicit_choice() -> None:
    aws = Provider(AwsConfig(region="eu-west-1"))
    gcp = Provider(GcpConfig(project="glacier-p1", region="europe-west1"))
    a, g = aws.bucket("lake", path="a/"), gcp.bucket("lake2", path="g/")

    @task
    def copy(source: Any, destination: Any) -> None:
        destination.write(source.scan())

    @pipeline(name="both", schedule="0 1 * * *")
    def both() -> None:
        copy(a, g)

    with pytest.raises(CompilerError, match=r"several clouds \(aws, gcp\).*cloud='aws'"):
        both.compile(PulumiCompiler())
    with pytest.raises(CompilerError, match=r"no provider on that cloud"):
        both.compile(PulumiCompiler(driver=DriverConfig(cloud="azure")))

    @pipeline(name="both-plain")
    def plain() -> None:
        copy(a, g)

    infra = plain.compile(PulumiCompiler(driver="auto"))
    assert infra.deployment.driver is None
    assert any("several clouds" in n for n in infra.notes)


def test_driver_config_refuses_what_glacier_sets() -> None:
    with pytest.raises(ValueError, match="GLACIER_DEPLOYMENT is set by Glacier"):
        DriverConfig(environment={"GLACIER_DEPLOYMENT": "x"})
    with pytest.raises(ValueError, match="invalid"):
        DriverConfig(environment={"1BAD": "x"})
    with pytest.raises(ValueError):
        DriverConfig(cpu=0)


def test_deployment_output_refuses_unknown_fields_and_disagreements() -> None:
    out = DeploymentOutput("p")
    out.resource("etl", "executor", name=Expr("job.name"))
    out.resource("etl", "executor", name=Expr("job.name"), identity=Expr("role.arn"))
    with pytest.raises(CompilerError, match="recorded as"):
        out.resource("etl", "executor", name="other")
    with pytest.raises(CompilerError, match="recorded as executor and as function"):
        out.resource("etl", "function")
    with pytest.raises(CompilerError, match="field 'cluster' is unknown"):
        out.resource("etl", "executor", cluster="x")
    value = out.value()
    assert value["resources"]["etl"] == {
        "kind": "executor",
        "name": Expr("job.name"),
        "identity": Expr("role.arn"),
    }


@pytest.mark.parametrize("name", ["aws_compliance", "azure_compliance", "gcp_compliance"])
def test_every_cloud_exports_a_valid_record(name: str, export_and_run: Any) -> None:
    from tests.compiler.examples_registry import EXAMPLES as PROGRAMS

    infra = PROGRAMS[name]()
    _, graph = export_and_run(infra)
    record = record_from_stack_outputs(graph.outputs, stack="test")
    assert record.stack == "test" and record.project == "glacier-test"
    assert record.pipeline == infra.ir.pipeline
    assert set(record.providers) == {p.key for p in infra.ir.providers}
    for bucket in infra.ir.buckets:
        for glacier_name in bucket.names:
            entry = record.resource(glacier_name, "bucket")
            assert entry is not None and entry.name == bucket.bucket_name
    assert record.resource("etl", "executor") is not None
