"""The AWS driver under Pulumi's mocks, with the real pulumi-aws and pulumi-docker-build SDKs.

The project in ``aws_project/`` is packaged (a real artifact wheel), compiled and its program
run under mocks: the artifact upload, the ECS Fargate driver and its image, the driver's exact
grants, the schedule, the trigger and the alarms, the ``glacier_deployment`` output read back
as a record that the runtime uses, and a recompile that keeps every resource.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glacier import PulumiCompiler
from glacier.deploy.artifact import BuiltArtifact, package_pipeline
from glacier.deploy.mockrun import Graph
from glacier.deploy.mockrun import run_isolated as run_program
from glacier.deploy.record import DeploymentRecord, record_from_stack_outputs
from tests.deploy_emit.projects import deploy_under_mocks, imported

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "aws_project"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"


@pytest.fixture(scope="module")
def project() -> Iterator[Any]:
    with imported(PROJECT, "nightly") as module:
        yield module


@pytest.fixture(scope="module")
def artifact(project: Any, tmp_path_factory: pytest.TempPathFactory) -> BuiltArtifact:
    return package_pipeline(f"{PROJECT / 'nightly.py'}:nightly", tmp_path_factory.mktemp("a"))


@pytest.fixture(scope="module")
def deployed(
    project: Any, artifact: BuiltArtifact, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Path, Graph]:
    return deploy_under_mocks(
        project.nightly, artifact, tmp_path_factory.mktemp("infra") / "nightly"
    )


def _statements(graph: Graph, role_name: str) -> list[dict[str, Any]]:
    role = graph.one("aws:iam/role:Role", role_name)
    found = []
    for policy in graph.of_type(ROLE_POLICY):
        if policy.inputs["role"] == f"{role.name}-id":
            found += json.loads(policy.inputs["policy"])["Statement"]
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_artifact_is_uploaded_content_addressed(
    deployed: tuple[Any, Path, Graph], artifact: BuiltArtifact
) -> None:
    _, out, graph = deployed
    assert (out / "build/artifact" / artifact.path.name).read_bytes() == artifact.path.read_bytes()
    obj = graph.one(OBJECT, "nightly-artifact")
    assert obj.inputs["key"] == f"_glacier/artifacts/{artifact.sha256}/{artifact.path.name}"
    assert obj.inputs["bucket"] == "glacier-nightly-driver"
    assert obj.retain_on_delete  # a new deploy never deletes the wheel a running job uses
    record = record_from_stack_outputs(graph.outputs, stack="test")
    assert record.artifact is not None
    assert record.artifact.sha256 == artifact.sha256
    assert record.artifact.uri == (
        f"s3://glacier-nightly-driver/_glacier/artifacts/{artifact.sha256}/{artifact.path.name}"
    )
    assert record.artifact.entry == "nightly:nightly" == artifact.manifest.entry
    # the Glue job role may read the artifact (Glue installs it): that prefix, read only
    artifacts = "arn:aws:s3:::glacier-nightly-driver/_glacier/artifacts/*"
    for role in ("etl-role", "legacy-role"):
        grants = [s for s in _statements(graph, role) if s["Resource"] == artifacts]
        assert [g["Action"] for g in grants] == [["s3:GetObject"]], role


def test_generated_program_is_ruff_clean(deployed: tuple[Any, Path, Graph]) -> None:
    import shutil
    import subprocess

    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    _, out, _ = deployed
    config = ["--config", str(HERE.parents[1] / "pyproject.toml")]
    subprocess.run([ruff, "check", *config, str(out / "__main__.py")], check=True)
    subprocess.run([ruff, "format", "--check", *config, str(out / "__main__.py")], check=True)


def test_driver_is_a_fargate_task_running_the_pipeline(
    deployed: tuple[Any, Path, Graph], artifact: BuiltArtifact
) -> None:
    _, out, graph = deployed
    task = graph.one(TASK_DEF, "nightly-driver")
    assert task.inputs["requiresCompatibilities"] == ["FARGATE"]
    assert task.inputs["networkMode"] == "awsvpc"
    assert (task.inputs["cpu"], task.inputs["memory"]) == ("1024", "2048")
    (container,) = json.loads(task.inputs["containerDefinitions"])
    assert container["entryPoint"] == ["glacier"]
    assert container["command"] == ["run", "nightly:nightly"]
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["GLACIER_DEPLOYMENT"] == (
        "s3://glacier-nightly-driver/_glacier/deployments/nightly/test.json"
    )
    assert env["GLACIER_RUNS_URI"] == "s3://glacier-nightly-driver/_glacier/runs/"
    assert env["AWS_REGION"] == "eu-west-1"
    logs = container["logConfiguration"]
    group = graph.one("aws:cloudwatch/logGroup:LogGroup", "nightly-driver-logs")
    assert logs["logDriver"] == "awslogs"
    assert logs["options"]["awslogs-group"] == group.inputs["name"]
    assert group.inputs["retentionInDays"] == 30
    # the image: built from the generated Dockerfile, pushed to an immutable ECR repository
    image = graph.one("docker-build:index:Image", "nightly-driver-image")
    assert (
        container["image"].startswith("123456789012.dkr.ecr") and "@sha256:" in container["image"]
    )
    assert image.inputs["dockerfile"] == {"location": "build/driver/Dockerfile"}
    assert image.inputs["context"] == {"location": "build"}
    assert image.inputs["push"] is True and image.inputs["platforms"] == ["linux/amd64"]
    assert f":{artifact.sha256[:24]}-" in image.inputs["tags"][0]
    repo = graph.one("aws:ecr/repository:Repository", "nightly-driver")
    assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
    dockerfile = (out / "build/driver/Dockerfile").read_text()
    assert "COPY artifact/ /opt/glacier/artifact/" in dockerfile
    assert "RUN python -m pip install /opt/glacier/artifact/*.whl" in dockerfile
    assert 'ENTRYPOINT ["glacier"]' in dockerfile and "USER glacier" in dockerfile
    assert "pulumi-docker-build" in (out / "requirements.txt").read_text()


def test_driver_identity_has_exactly_the_dags_grants(deployed: tuple[Any, Path, Graph]) -> None:
    _, _, graph = deployed
    statements = _statements(graph, "nightly-driver-role")
    for s in statements:
        assert s["Effect"] == "Allow"
        for action in _as_list(s["Action"]):
            assert "*" not in action, s
        for resource in _as_list(s["Resource"]):
            assert resource != "*" and not resource.endswith(":*"), s
    objects = {
        (tuple(s["Action"]), s["Resource"]) for s in statements if s["Sid"].endswith("Objects")
    }
    read, write = ("s3:GetObject",), ("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject")
    lake, stage = "arn:aws:s3:::shop-lake", "arn:aws:s3:::shop-staging"
    driver = "arn:aws:s3:::glacier-nightly-driver"
    assert objects == {
        (read, f"{lake}/raw/orders/*"),  # tidy reads raw
        (write, f"{lake}/clean/orders/*"),  # tidy writes clean
        (read, f"{stage}/_glacier/jobs/*"),  # stages the Glue jobs
        (write, f"{stage}/_glacier/jobs/*"),
        (read, f"{driver}/_glacier/artifacts/*"),
        (read, f"{driver}/_glacier/deployments/*"),
        (read, f"{driver}/_glacier/runs/*"),  # run records and the event-dedupe claims
        (write, f"{driver}/_glacier/runs/*"),
    }
    # nothing of the mart or the archive: only the Glue jobs touch them
    assert not [s for s in statements if "shop-mart" in json.dumps(s)]
    submit = {s["Sid"]: s for s in statements if s["Sid"].startswith(("Invoke", "Submit"))}
    assert submit["Invoke1"]["Action"] == ["lambda:InvokeFunction"]
    assert submit["Invoke1"]["Resource"] == "arn:aws:lambda:::scorer"
    glue = sorted(
        (tuple(s["Action"]), s["Resource"]) for s in submit.values() if "Submit" in s["Sid"]
    )
    actions = ("glue:BatchStopJobRun", "glue:GetJobRun", "glue:StartJobRun")
    assert glue == [
        (actions, "arn:aws:glue:::etl"),  # the job the program creates
        (actions, "arn:aws:glue:eu-west-1:123456789012:job/legacy-nightly"),  # the existing one
    ]
    # the execution role (ECS itself): pull the image, write the log group; its only "*"
    # is ECR's GetAuthorizationToken, which has no resource-level permission
    execution = _statements(graph, "nightly-driver-execution")
    stars = [s for s in execution if "*" in _as_list(s["Resource"])]
    assert [s["Action"] for s in stars] == [["ecr:GetAuthorizationToken"]]
    trust = json.loads(
        graph.one("aws:iam/role:Role", "nightly-driver-role").inputs["assumeRolePolicy"]
    )
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}


def _start_role_statements(graph: Graph, name: str) -> list[dict[str, Any]]:
    return _statements(graph, f"{name}-role")


def _check_start_role(graph: Graph, name: str, service: str) -> None:
    """The role may run exactly the driver's task definition (in its cluster) and pass
    exactly its two roles, to ECS tasks only."""
    role = graph.one("aws:iam/role:Role", f"{name}-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert [t["Principal"] for t in trust] == [{"Service": service}]
    run, passing = _start_role_statements(graph, name)
    assert run["Action"] == ["ecs:RunTask"] and run["Resource"] == "arn:aws:ecs:::nightly-driver"
    assert run["Condition"] == {"ArnEquals": {"ecs:cluster": "arn:aws:ecs:::nightly-driver"}}
    assert passing["Action"] == ["iam:PassRole"]
    assert sorted(passing["Resource"]) == [
        "arn:aws:iam:::nightly-driver-execution",
        "arn:aws:iam:::nightly-driver-role",
    ]
    assert passing["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }


def test_schedule_starts_the_driver_with_the_logical_date(
    deployed: tuple[Any, Path, Graph],
) -> None:
    _, _, graph = deployed
    schedule = graph.one("aws:scheduler/schedule:Schedule", "nightly-schedule")
    assert schedule.inputs["scheduleExpression"] == "cron(0 2 * * ? *)"
    assert schedule.inputs["scheduleExpressionTimezone"] == "Europe/Paris"
    assert schedule.inputs["flexibleTimeWindow"] == {"mode": "OFF"}
    target = schedule.inputs["target"]
    assert target["arn"] == "arn:aws:ecs:::nightly-driver"  # the cluster
    ecs = target["ecsParameters"]
    assert ecs["taskDefinitionArn"] == "arn:aws:ecs:::nightly-driver"
    assert ecs["launchType"] == "FARGATE" and ecs["taskCount"] == 1
    assert ecs["networkConfiguration"]["subnets"] == ["subnet-mock-a", "subnet-mock-b"]
    overrides = json.loads(target["input"])
    assert overrides == {
        "containerOverrides": [
            {
                "name": "glacier-driver",
                "command": [
                    "run",
                    "nightly:nightly",
                    "--scheduled-at",
                    "<aws.scheduler.scheduled-time>",
                ],
            }
        ]
    }
    _check_start_role(graph, "nightly-schedule", "scheduler.amazonaws.com")


def test_alarms_watch_failed_driver_tasks(deployed: tuple[Any, Path, Graph]) -> None:
    _, _, graph = deployed
    rule = graph.one("aws:cloudwatch/eventRule:EventRule", "nightly-on-failure")
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern["source"] == ["aws.ecs"]
    assert pattern["detail"]["clusterArn"] == ["arn:aws:ecs:::nightly-driver"]
    assert pattern["detail"]["lastStatus"] == ["STOPPED"]
    assert {"containers": {"exitCode": [{"anything-but": 0}]}} in pattern["detail"]["$or"]
    sub = graph.one("aws:sns/topicSubscription:TopicSubscription")
    assert (sub.inputs["protocol"], sub.inputs["endpoint"]) == ("email", "oncall@example.com")
    topic_policy = json.loads(graph.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])
    (publish,) = topic_policy["Statement"]
    # only the failure rule may publish (mock ARNs: arn:aws:<module>:::<name>)
    assert publish["Condition"] == {
        "ArnEquals": {"aws:SourceArn": "arn:aws:cloudwatch:::nightly-on-failure"}
    }
    assert publish["Principal"] == {"Service": "events.amazonaws.com"}
    destination = graph.one("aws:cloudwatch/eventApiDestination:EventApiDestination")
    assert destination.inputs["invocationEndpoint"] == "https://hooks.example.com/glacier"
    (invoke,) = _statements(graph, "nightly-on-failure-webhook-role")
    assert invoke["Action"] == ["events:InvokeApiDestination"]
    assert invoke["Resource"] == "arn:aws:cloudwatch:::nightly-on-failure-webhook"
    targets = {t.name: t for t in graph.of_type("aws:cloudwatch/eventTarget:EventTarget")}
    assert set(targets) == {"nightly-on-failure-email", "nightly-on-failure-webhook"}


def test_existing_bucket_and_glue_job_are_referenced_not_created(
    deployed: tuple[Any, Path, Graph],
) -> None:
    infra, _, graph = deployed
    created = {r.name for r in graph.of_type("aws:s3/bucket:Bucket") if not r.read_id}
    assert "shop-archive" not in created
    assert [r.read_id for r in graph.of_type("aws:s3/bucket:Bucket") if r.read_id] == [
        "shop-archive"
    ]
    assert [r.name for r in graph.of_type("aws:glue/job:Job")] == ["etl"]
    record = record_from_stack_outputs(graph.outputs, stack="test")
    legacy = record.resource("legacy", "executor")
    assert legacy is not None and legacy.existing and legacy.name == "legacy-nightly"
    assert legacy.properties == {"job_name": "legacy-nightly"}
    assert any("references the existing GlueConfig engine" in n for n in infra.notes)
    assert any("shop-archive" in n and "existing" in n for n in infra.notes)


def test_the_record_object_the_driver_reads_is_the_stack_output(
    deployed: tuple[Any, Path, Graph],
) -> None:
    _, _, graph = deployed
    obj = graph.one(OBJECT, "nightly-driver-record")
    assert obj.inputs["key"] == "_glacier/deployments/nightly/test.json"
    assert obj.inputs["bucket"] == "glacier-nightly-driver"
    from_object = DeploymentRecord.model_validate_json(obj.inputs["content"])
    assert from_object == record_from_stack_outputs(graph.outputs, stack="test")


def test_round_trip_record_runtime_and_recompile(
    deployed: tuple[Any, Path, Graph],
    project: Any,
    artifact: BuiltArtifact,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from glacier.deploy import record as record_module
    from glacier.deploy.record import save_record

    infra, out, graph = deployed
    record = record_from_stack_outputs(graph.outputs, stack="test")
    assert record.pipeline == "nightly" and record.stack == "test"
    etl = record.resource("etl", "executor")
    assert etl is not None
    assert etl.name == "glacier-etl"
    assert etl.identity == "arn:aws:iam:::etl-role"
    assert etl.staging_bucket == "shop-staging"
    scorer = record.resource("scorer", "function")
    assert scorer is not None and scorer.name == "shop-score"
    driver = record.resource("nightly-driver", "driver")
    assert driver is not None and driver.name == "glacier-nightly-driver"
    assert driver.identity == "arn:aws:iam:::nightly-driver-role"
    assert record.runs_uri == "s3://glacier-nightly-driver/_glacier/runs/"
    # the runtime uses it: the Glue adapter of the compile-time config finds the job there
    saved = save_record(record, tmp_path)
    monkeypatch.setenv(record_module.RECORD_ENV, str(saved))
    record_module._cache.clear()
    try:
        adapter = project.glue._get_adapter()
        assert record_module.deployed(project.glue) == etl
        assert adapter.job_name == "glacier-etl" and not adapter.creates_job
        assert project.legacy._get_adapter().job_name == "legacy-nightly"
        from glacier.jobs.staging import staging_prefix

        staging = staging_prefix(adapter, "job-1")
        assert staging.bucket_name == "shop-staging"
    finally:
        record_module._cache.clear()
    # compiling again (and with changed code: another artifact) keeps every resource
    before = {(r.type, r.name) for r in graph.resources}
    again = project.nightly.compile(PulumiCompiler(artifact=artifact))
    again.export_pulumi(out)
    graph2 = run_program(out)
    assert {(r.type, r.name) for r in graph2.resources} == before
    assert again.program == infra.program


def test_a_trigger_runs_the_driver_on_new_objects(
    project: Any, artifact: BuiltArtifact, tmp_path: Path
) -> None:
    infra = project.ingest.compile(PulumiCompiler(artifact=artifact))
    infra.export_pulumi(tmp_path / "ingest")
    graph = run_program(tmp_path / "ingest")
    notification = graph.one("aws:s3/bucketNotification:BucketNotification")
    assert notification.inputs == {"bucket": "shop-lake-id", "eventbridge": True}
    rule = graph.one("aws:cloudwatch/eventRule:EventRule", "ingest-on-write")
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": ["shop-lake"]},
            "object": {"key": [{"wildcard": "landing/*.parquet"}]},
        },
    }
    target = graph.one("aws:cloudwatch/eventTarget:EventTarget", "ingest-on-write-driver")
    transformer = target.inputs["inputTransformer"]
    assert transformer["inputPaths"] == {
        "bucket": "$.detail.bucket.name",
        "key": "$.detail.object.key",
        "sequencer": "$.detail.object.sequencer",
    }
    trigger_id = project.ingest.triggers[0].id
    assert json.loads(transformer["inputTemplate"])["containerOverrides"][0]["command"] == [
        "run",
        "nightly:nightly",  # the artifact's entry (this test reuses the nightly artifact)
        "--event-uri",
        "s3://<bucket>/<key>",
        "--event-version",
        "<sequencer>",
        "--trigger-id",
        trigger_id,
    ]
    assert target.inputs["ecsTarget"]["taskDefinitionArn"] == "arn:aws:ecs:::ingest-driver"
    role = graph.one("aws:iam/role:Role", "ingest-on-write-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust[0]["Principal"] == {"Service": "events.amazonaws.com"}
    run, passing = _statements(graph, "ingest-on-write-role")
    assert run["Action"] == ["ecs:RunTask"] and run["Resource"] == "arn:aws:ecs:::ingest-driver"
    assert sorted(passing["Resource"]) == [
        "arn:aws:iam:::ingest-driver-execution",
        "arn:aws:iam:::ingest-driver-role",
    ]
    statements = _statements(graph, "ingest-driver-role")
    reads = {
        s["Resource"]
        for s in statements
        if s["Sid"].startswith("Read") and s["Sid"].endswith("Objects")
    }
    assert "arn:aws:s3:::shop-lake/landing/*" in reads


def test_prebuilt_image_and_no_docker(
    project: Any, artifact: BuiltArtifact, tmp_path: Path
) -> None:
    from glacier.compiler.deploy_ir import DriverConfig

    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/glacier/nightly:v1"
    infra = project.nightly.compile(
        PulumiCompiler(artifact=artifact, driver=DriverConfig(image=image, cpu=2, memory_mb=4096))
    )
    infra.export_pulumi(tmp_path / "p")
    graph = run_program(tmp_path / "p")
    assert not graph.of_type("docker-build:index:Image")
    assert not graph.of_type("aws:ecr/repository:Repository")
    task = graph.one(TASK_DEF, "nightly-driver")
    (container,) = json.loads(task.inputs["containerDefinitions"])
    assert container["image"] == image
    assert (task.inputs["cpu"], task.inputs["memory"]) == ("2048", "4096")
    execution = _statements(graph, "nightly-driver-execution")
    assert not [s for s in execution if "*" in _as_list(s["Resource"])]
    assert "pulumi-docker-build" not in (tmp_path / "p/requirements.txt").read_text()
    assert not (tmp_path / "p/build/driver").exists()


def test_fargate_sizes_are_checked(project: Any, artifact: BuiltArtifact) -> None:
    from glacier.compiler.deploy_ir import DriverConfig
    from glacier.compiler.errors import CompilerError

    with pytest.raises(CompilerError, match=r"cpu=3.0.*Fargate task size"):
        project.nightly.compile(PulumiCompiler(artifact=artifact, driver=DriverConfig(cpu=3)))
    with pytest.raises(CompilerError, match=r"memory_mb=1000.*2048 to 8192"):
        project.nightly.compile(
            PulumiCompiler(artifact=artifact, driver=DriverConfig(memory_mb=1000))
        )


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("0 2 * * *", "cron(0 2 * * ? *)"),
        ("*/15 8-18 * * 1-5", "cron(*/15 8-18 ? * 2-6 *)"),
        ("0 6 1 * *", "cron(0 6 1 * ? *)"),
        ("30 1 * * 0,6", "cron(30 1 ? * 1,7 *)"),
        ("0 3 * * 5L", "cron(0 3 ? * 6L *)"),
        ("0 3 * * MON#2", "cron(0 3 ? * MON#2 *)"),
        ("0 0 * * 7", "cron(0 0 ? * 1 *)"),
    ],
)
def test_cron_to_eventbridge(cron: str, expected: str) -> None:
    from glacier_aws.pulumi.operate import aws_cron

    assert aws_cron(cron) == expected


def test_cron_with_both_day_fields_is_refused() -> None:
    from glacier.compiler.errors import UnsupportedFeatureError
    from glacier_aws.pulumi.operate import aws_cron

    with pytest.raises(UnsupportedFeatureError, match="both day-of-month and day-of-week"):
        aws_cron("0 2 1 * 1")


def test_the_plan_shows_the_driver_and_its_grants(
    deployed: tuple[Any, Path, Graph],
) -> None:
    from glacier.deploy.plan import build_plan

    infra, out, graph = deployed
    mocked = {
        "resources": [{"type": r.type, "name": r.name} for r in graph.resources if not r.read_id],
        "outputs": graph.outputs,
    }
    plan = build_plan(infra.ir, "test", mocked, infra.deployment)
    text = plan.render()
    assert "driver nightly-driver (aws-eu-west-1)" in text
    assert "started by: schedule 0 2 * * * (Europe/Paris)" in text
    assert "read  shop-lake/raw/orders/*" in text and "submit etl" in text
    driver = next(i for i in plan.items if i.kind == "driver")
    names = {name for _, name in driver.resources}
    assert {"nightly-driver", "nightly-artifact", "nightly-schedule"} <= names
    assert plan.record is not None and plan.record.artifact is not None
    readme = (out / "README.md").read_text()
    assert "build/driver/Dockerfile" in readme and "Docker must run" in readme
