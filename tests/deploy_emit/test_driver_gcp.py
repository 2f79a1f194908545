"""The GCP driver under Pulumi's mocks, with the real pulumi-gcp and pulumi-docker-build SDKs.

The project in ``gcp_project/`` is packaged (a real artifact wheel), compiled and its program
run under mocks: the artifact upload, the Cloud Run driver job and its image, the driver's
exact grants, the Cloud Scheduler schedule, the Eventarc/Workflows trigger and the alert
policy, the ``glacier_deployment`` output read back as a record that the runtime uses, and a
recompile that keeps every resource.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glacier import PulumiCompiler
from glacier.deploy.artifact import BuiltArtifact, package_pipeline
from glacier.deploy.mockrun import Graph, Registered
from glacier.deploy.mockrun import run_isolated as run_program
from glacier.deploy.record import DeploymentRecord, record_from_stack_outputs
from tests.deploy_emit.projects import deploy_under_mocks, imported

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "gcp_project"
OBJECT = "gcp:storage/bucketObject:BucketObject"
JOB = "gcp:cloudrunv2/job:Job"
ACCOUNT = "gcp:serviceaccount/account:Account"
ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"
#: Every IAM binding type the GCP emitter writes (all carry a ``member``).
BINDINGS = (
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    "gcp:cloudrunv2/jobIamMember:JobIamMember",
    "gcp:dataproc/clusterIAMMember:ClusterIAMMember",
    "gcp:projects/iAMMember:IAMMember",
    "gcp:serviceaccount/iAMMember:IAMMember",
)
DRIVER_SA = "serviceAccount:nightly-driver@project.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def project() -> Iterator[Any]:
    with imported(PROJECT, "gcp_nightly") as module:
        yield module


@pytest.fixture(scope="module")
def artifact(project: Any, tmp_path_factory: pytest.TempPathFactory) -> BuiltArtifact:
    return package_pipeline(f"{PROJECT / 'gcp_nightly.py'}:nightly", tmp_path_factory.mktemp("a"))


@pytest.fixture(scope="module")
def deployed(
    project: Any, artifact: BuiltArtifact, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Path, Graph]:
    return deploy_under_mocks(
        project.nightly, artifact, tmp_path_factory.mktemp("infra") / "nightly"
    )


def _plain(value: Any) -> Any:
    """A value the mock recorded as a Pulumi secret (``{<signature>: ..., "value": v}``)
    unwrapped: pulumi-gcp marks an object's content and a registry login secret."""
    if isinstance(value, dict) and len(value) == 2 and "value" in value:
        return value["value"]
    return value


def _email(graph: Graph, account: str) -> str:
    """The mock e-mail of service account resource ``account`` (its accountId)."""
    return f"{graph.one(ACCOUNT, account).inputs['accountId']}@project.iam.gserviceaccount.com"


def _bindings(graph: Graph, member: str) -> list[Registered]:
    return [r for t in BINDINGS for r in graph.of_type(t) if r.inputs.get("member") == member]


def _permissions(graph: Graph, role_name: str) -> list[str]:
    """The permissions of custom role ``projects/p/roles/<id>`` (mock role names)."""
    role_id = role_name.rsplit("/", 1)[-1]
    (role,) = [r for r in graph.of_type(ROLE) if r.inputs["roleId"] == role_id]
    return list(role.inputs["permissions"])


def _prefix(condition: dict[str, Any] | None) -> str | None:
    """The object prefix a bucket binding's condition allows (None: no condition)."""
    if condition is None:
        return None
    found = re.search(
        r'startsWith\("projects/_/buckets/[^/]+/objects/([^"]*)"\)', condition["expression"]
    )
    assert found, condition
    return found.group(1)


def test_artifact_is_uploaded_content_addressed(
    deployed: tuple[Any, Path, Graph], artifact: BuiltArtifact
) -> None:
    _, out, graph = deployed
    assert (out / "build/artifact" / artifact.path.name).read_bytes() == artifact.path.read_bytes()
    obj = graph.one(OBJECT, "nightly-artifact")
    assert obj.inputs["name"] == f"_glacier/artifacts/{artifact.sha256}/{artifact.path.name}"
    assert obj.inputs["bucket"] == "glacier-nightly-driver"
    assert obj.retain_on_delete  # a new deploy never deletes the wheel a running job uses
    record = record_from_stack_outputs(graph.outputs, stack="test")
    assert record.artifact is not None
    assert record.artifact.sha256 == artifact.sha256
    assert record.artifact.uri == (
        f"gs://glacier-nightly-driver/_glacier/artifacts/{artifact.sha256}/{artifact.path.name}"
    )
    assert record.artifact.entry == "gcp_nightly:nightly" == artifact.manifest.entry
    # every Dataproc executor may read the artifact (Dataproc installs it): that prefix only
    for name in ("etl", "legacy", "batches"):
        member = f"serviceAccount:{_email(graph, f'{name}-sa')}"
        grants = [
            b
            for b in _bindings(graph, member)
            if b.inputs.get("bucket") == "glacier-nightly-driver"
        ]
        assert [(g.inputs["role"], _prefix(g.inputs.get("condition"))) for g in grants] == [
            ("roles/storage.objectViewer", "_glacier/artifacts/")
        ], name


def test_generated_program_is_ruff_clean(deployed: tuple[Any, Path, Graph]) -> None:
    import shutil
    import subprocess

    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    _, out, _ = deployed
    config = ["--config", str(HERE.parents[1] / "pyproject.toml")]
    subprocess.run([ruff, "check", *config, str(out / "__main__.py")], check=True)
    subprocess.run([ruff, "format", "--check", *config, str(out / "__main__.py")], check=True)


def test_driver_is_a_cloud_run_job_running_the_pipeline(
    deployed: tuple[Any, Path, Graph], artifact: BuiltArtifact
) -> None:
    _, out, graph = deployed
    job = graph.one(JOB, "nightly-driver")
    assert job.inputs["name"] == "glacier-nightly-driver"
    assert job.inputs["location"] == "europe-west1" and job.inputs["project"] == "shop-prod"
    execution = job.inputs["template"]
    assert (execution["taskCount"], execution["parallelism"]) == (1, 1)
    task = execution["template"]
    assert task["timeout"] == "86400s"  # 24 hours: no 15-minute cap
    assert task["maxRetries"] == 0
    assert task["serviceAccount"] == "nightly-driver@project.iam.gserviceaccount.com"
    (container,) = task["containers"]
    assert container["name"] == "glacier-driver"
    assert container["commands"] == ["glacier"]
    assert container["args"] == ["run", "gcp_nightly:nightly"]
    env = {e["name"]: e["value"] for e in container["envs"]}
    assert env == {
        "GLACIER_DEPLOYMENT": "gs://glacier-nightly-driver/_glacier/deployments/nightly/test.json",
        "GLACIER_RUNS_URI": "gs://glacier-nightly-driver/_glacier/runs/",
        "GOOGLE_CLOUD_PROJECT": "shop-prod",
    }
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "2048Mi"}
    # the image: built from the generated Dockerfile, pushed to an immutable Artifact Registry
    image = graph.one("docker-build:index:Image", "nightly-driver-image")
    assert container["image"].startswith(
        "europe-west1-docker.pkg.dev/shop-prod/glacier-nightly-driver/driver@sha256:"
    )
    assert image.inputs["dockerfile"] == {"location": "build/driver/Dockerfile"}
    assert image.inputs["context"] == {"location": "build"}
    assert image.inputs["push"] is True and image.inputs["platforms"] == ["linux/amd64"]
    assert f"/driver:{artifact.sha256[:24]}-" in image.inputs["tags"][0]
    (registry,) = _plain(image.inputs["registries"])
    assert registry["address"] == "europe-west1-docker.pkg.dev"
    assert registry["username"] == "oauth2accesstoken"
    repo = graph.one("gcp:artifactregistry/repository:Repository", "nightly-driver")
    assert repo.inputs["format"] == "DOCKER"
    assert repo.inputs["dockerConfig"] == {"immutableTags": True}
    keep = [p for p in repo.inputs["cleanupPolicies"] if p["action"] == "KEEP"]
    assert keep[0]["mostRecentVersions"] == {"keepCount": 20}
    dockerfile = (out / "build/driver/Dockerfile").read_text()
    assert 'ENTRYPOINT ["glacier"]' in dockerfile and "USER glacier" in dockerfile
    assert "pulumi-docker-build" in (out / "requirements.txt").read_text()


def test_driver_identity_has_exactly_the_dags_grants(deployed: tuple[Any, Path, Graph]) -> None:
    _, _, graph = deployed
    bindings = _bindings(graph, DRIVER_SA)
    for b in bindings:
        assert "*" not in json.dumps(b.inputs), b.inputs  # no wildcard role, bucket or name
    buckets = {
        (b.inputs["bucket"], b.inputs["role"], _prefix(b.inputs.get("condition")))
        for b in bindings
        if b.type == BINDINGS[0]
    }
    read, write = "roles/storage.objectViewer", "projects/p/roles/glacierObjectWriter_nightly_test"
    assert buckets == {
        ("shop-lake", read, "raw/orders/"),  # tidy reads raw
        ("shop-lake", write, "clean/orders/"),  # tidy writes clean
        ("shop-staging", read, "_glacier/jobs/"),  # stages the Dataproc jobs
        ("shop-staging", write, "_glacier/jobs/"),
        ("glacier-nightly-driver", read, "_glacier/artifacts/"),
        ("glacier-nightly-driver", read, "_glacier/deployments/"),
        ("glacier-nightly-driver", read, "_glacier/runs/"),  # run records and claims
        ("glacier-nightly-driver", write, "_glacier/runs/"),
    }
    assert _permissions(graph, write) == ["storage.objects.create", "storage.objects.delete"]
    # nothing of the mart or the archive: only the Dataproc jobs touch them
    assert not [b for b in bindings if b.inputs.get("bucket") in ("shop-mart", "shop-archive")]
    # invoke of the one function: roles/run.invoker on its Cloud Run service
    (invoke,) = graph.of_type(BINDINGS[1])
    assert invoke.inputs["member"] == DRIVER_SA
    assert invoke.inputs["role"] == "roles/run.invoker"
    assert invoke.inputs["name"] == "projects/p/locations/l/services/shop-score"
    # submit to each cluster: dataproc.clusters.use on exactly that cluster
    clusters = {b.inputs["cluster"]: b.inputs["role"] for b in graph.of_type(BINDINGS[3])}
    assert set(clusters) == {"glacier-etl", "legacy-cluster"}
    for role in clusters.values():
        assert _permissions(graph, role) == ["dataproc.clusters.use"]
    # Serverless batches run as the executor's account: actAs on that account only
    (act_as,) = [b for b in bindings if b.type == BINDINGS[5]]
    assert act_as.inputs["role"] == "roles/iam.serviceAccountUser"
    assert act_as.inputs["serviceAccountId"] == "batches-sa"  # the mock's name of batches-sa
    # project level: only the two Dataproc custom roles GCP cannot scope, exact permissions
    project = {b.inputs["role"]: b for b in bindings if b.type == BINDINGS[4]}
    assert all(role.startswith("projects/p/roles/") for role in project)  # no predefined role
    assert {role: _permissions(graph, role) for role in project} == {
        "projects/p/roles/glacierDataprocJobs_nightly_test": [
            "dataproc.jobs.cancel",
            "dataproc.jobs.create",
            "dataproc.jobs.get",
        ],
        "projects/p/roles/glacierDataprocBatches_nightly_test": [
            "dataproc.batches.cancel",
            "dataproc.batches.create",
            "dataproc.batches.get",
            "dataproc.operations.cancel",
        ],
    }
    assert len(bindings) == len(buckets) + 1 + 2 + 1 + 2  # nothing else anywhere


def _check_starter(graph: Graph, name: str) -> None:
    """The service account ``<name>-sa`` may start exactly the driver job and nothing else."""
    member = f"serviceAccount:{_email(graph, f'{name}-sa')}"
    (binding,) = _bindings(graph, member)
    assert binding.type == "gcp:cloudrunv2/jobIamMember:JobIamMember"
    (job,) = [j for j in graph.of_type(JOB) if j.inputs["name"] == binding.inputs["name"]]
    assert binding.inputs["location"] == job.inputs["location"]
    assert _permissions(graph, binding.inputs["role"]) == [
        "run.jobs.run",
        "run.jobs.runWithOverrides",
    ]


def test_schedule_starts_the_driver_with_the_latest_tick(
    deployed: tuple[Any, Path, Graph],
) -> None:
    _, _, graph = deployed
    job = graph.one("gcp:cloudscheduler/job:Job", "nightly-schedule")
    assert job.inputs["schedule"] == "0 2 * * *"
    assert job.inputs["timeZone"] == "Europe/Paris"
    assert job.inputs["region"] == "europe-west1"
    target = job.inputs["httpTarget"]
    assert target["uri"] == (
        "https://run.googleapis.com/v2/projects/shop-prod/locations/europe-west1/jobs/"
        "glacier-nightly-driver:run"
    )
    assert target["httpMethod"] == "POST"
    assert target["oauthToken"] == {
        "serviceAccountEmail": "nightly-schedule@project.iam.gserviceaccount.com",
        "scope": "https://www.googleapis.com/auth/cloud-platform",
    }
    body = json.loads(base64.b64decode(target["body"]))
    assert body == {
        "overrides": {
            "containerOverrides": [
                {
                    "name": "glacier-driver",
                    "args": ["run", "gcp_nightly:nightly", "--scheduled-at", "latest"],
                }
            ]
        }
    }
    _check_starter(graph, "nightly-schedule")


def test_alarms_watch_failed_driver_executions(deployed: tuple[Any, Path, Graph]) -> None:
    _, _, graph = deployed
    policy = graph.one("gcp:monitoring/alertPolicy:AlertPolicy", "nightly-on-failure")
    (condition,) = policy.inputs["conditions"]
    threshold = condition["conditionThreshold"]
    assert threshold["filter"] == (
        'resource.type = "cloud_run_job" AND resource.labels.job_name = '
        '"glacier-nightly-driver" AND metric.type = '
        '"run.googleapis.com/job/completed_execution_count" AND metric.labels.result = "failed"'
    )
    assert threshold["comparison"] == "COMPARISON_GT" and threshold["thresholdValue"] == 0
    channels = {
        c.name: c for c in graph.of_type("gcp:monitoring/notificationChannel:NotificationChannel")
    }
    assert sorted(policy.inputs["notificationChannels"]) == sorted(channels)
    email = channels["nightly-on-failure-email-1"]
    assert (email.inputs["type"], email.inputs["labels"]) == (
        "email",
        {"email_address": "oncall@example.com"},
    )
    hook = channels["nightly-on-failure-webhook"]
    assert (hook.inputs["type"], hook.inputs["labels"]) == (
        "webhook_tokenauth",
        {"url": "https://hooks.example.com/glacier"},
    )


def test_existing_bucket_and_cluster_are_referenced_not_created(
    deployed: tuple[Any, Path, Graph],
) -> None:
    infra, _, graph = deployed
    created = {r.name for r in graph.of_type("gcp:storage/bucket:Bucket") if not r.read_id}
    assert "shop-archive" not in created
    assert [r.name for r in graph.of_type("gcp:dataproc/cluster:Cluster")] == ["etl"]
    record = record_from_stack_outputs(graph.outputs, stack="test")
    legacy = record.resource("legacy", "executor")
    assert legacy is not None and legacy.existing and legacy.name == "legacy-cluster"
    assert legacy.properties == {"cluster_name": "legacy-cluster"}
    assert any("references the existing DataprocConfig engine" in n for n in infra.notes)


def test_the_record_object_the_driver_reads_is_the_stack_output(
    deployed: tuple[Any, Path, Graph],
) -> None:
    _, _, graph = deployed
    obj = graph.one(OBJECT, "nightly-driver-record")
    assert obj.inputs["name"] == "_glacier/deployments/nightly/test.json"
    assert obj.inputs["bucket"] == "glacier-nightly-driver"
    from_object = DeploymentRecord.model_validate_json(_plain(obj.inputs["content"]))
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
    assert etl.identity == _email(graph, "etl-sa")
    assert etl.staging_bucket == "shop-staging"
    scorer = record.resource("scorer", "function")
    assert scorer is not None and scorer.name == "shop-score"
    assert scorer.url == "https://shop-score-mock.a.run.app"
    driver = record.resource("nightly-driver", "driver")
    assert driver is not None and driver.name == "glacier-nightly-driver"
    assert driver.identity == "nightly-driver@project.iam.gserviceaccount.com"
    assert driver.region == "europe-west1"
    assert record.runs_uri == "gs://glacier-nightly-driver/_glacier/runs/"
    # the runtime uses it: the adapters of the compile-time configs find their resources
    saved = save_record(record, tmp_path)
    monkeypatch.setenv(record_module.RECORD_ENV, str(saved))
    record_module._cache.clear()
    try:
        assert record_module.deployed(project.spark) == etl
        assert project.spark._get_adapter().cluster_name == "glacier-etl"
        assert project.legacy._get_adapter().cluster_name == "legacy-cluster"
        assert project.scorer._get_adapter().url == "https://shop-score-mock.a.run.app"
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
    trigger = graph.one("gcp:eventarc/trigger:Trigger", "ingest-on-write")
    assert {c["attribute"]: c["value"] for c in trigger.inputs["matchingCriterias"]} == {
        "type": "google.cloud.storage.object.v1.finalized",
        "bucket": "shop-lake",
    }
    assert trigger.inputs["location"] == "europe-west1"
    workflow = graph.one("gcp:workflows/workflow:Workflow", "ingest-on-write")
    assert graph.depends_on(workflow, graph.one(JOB, "ingest-driver"))
    assert trigger.inputs["destination"] == {"workflow": "ingest-on-write-id"}
    assert workflow.inputs["serviceAccount"] == "ingest-on-write@project.iam.gserviceaccount.com"
    source = json.loads(workflow.inputs["sourceContents"])
    steps = {name: body for step in source["main"]["steps"] for name, body in step.items()}
    pattern = steps["pattern"]["assign"][0]["pattern"]
    assert pattern == r"^landing/.*(\.parquet)$"
    assert re.search(pattern, "landing/2026/11/a.parquet")
    assert not re.search(pattern, "landing/a.csv") and not re.search(pattern, "raw/a.parquet")
    assert steps["check"]["switch"][0]["condition"] == "${not(text.match_regex(object, pattern))}"
    start = steps["start"]
    assert start["call"] == "googleapis.run.v2.projects.locations.jobs.run"
    assert start["args"]["name"] == (
        "projects/shop-prod/locations/europe-west1/jobs/glacier-ingest-driver"
    )
    trigger_id = project.ingest.triggers[0].id
    (override,) = start["args"]["body"]["overrides"]["containerOverrides"]
    assert override == {
        "name": "glacier-driver",
        "args": [
            "run",
            "gcp_nightly:nightly",  # the artifact's entry (this test reuses the nightly artifact)
            "--event-uri",
            '${"gs://" + bucket + "/" + object}',
            "--event-version",
            "${generation}",
            "--trigger-id",
            trigger_id,
        ],
    }
    assert steps["init"]["assign"] == [
        {"bucket": "${event.data.bucket}"},
        {"object": "${event.data.name}"},
        {"generation": "${string(event.data.generation)}"},
    ]
    # the workflow's account may start the driver job only
    _check_starter(graph, "ingest-on-write")
    # Eventarc's account: receive events and execute workflows (no narrower scope exists)
    receiver = "serviceAccount:ingest-on-write-events@project.iam.gserviceaccount.com"
    assert trigger.inputs["serviceAccount"] == receiver.split(":", 1)[1]
    assert sorted(b.inputs["role"] for b in _bindings(graph, receiver)) == [
        "roles/eventarc.eventReceiver",
        "roles/workflows.invoker",
    ]
    # Cloud Storage's service agent publishes the events
    agent = "serviceAccount:service-1@gs-project-accounts.iam.gserviceaccount.com"
    (publisher,) = _bindings(graph, agent)
    assert publisher.inputs["role"] == "roles/pubsub.publisher"
    assert publisher.retain_on_delete  # shared by every stack's triggers in the project
    # the driver reads the landing prefix
    reads = {
        _prefix(b.inputs.get("condition"))
        for b in _bindings(graph, "serviceAccount:ingest-driver@project.iam.gserviceaccount.com")
        if b.inputs.get("bucket") == "shop-lake" and b.inputs["role"].endswith("objectViewer")
    }
    assert reads == {"landing/"}


def test_prebuilt_image_and_no_docker(
    project: Any, artifact: BuiltArtifact, tmp_path: Path
) -> None:
    from glacier.compiler.deploy_ir import DriverConfig

    image = "europe-west1-docker.pkg.dev/shop-prod/images/nightly:v1"
    infra = project.nightly.compile(
        PulumiCompiler(artifact=artifact, driver=DriverConfig(image=image, cpu=2, memory_mb=4096))
    )
    infra.export_pulumi(tmp_path / "p")
    graph = run_program(tmp_path / "p")
    assert not graph.of_type("docker-build:index:Image")
    assert not graph.of_type("gcp:artifactregistry/repository:Repository")
    (container,) = graph.one(JOB, "nightly-driver").inputs["template"]["template"]["containers"]
    assert container["image"] == image
    assert container["resources"]["limits"] == {"cpu": "2", "memory": "4096Mi"}
    assert "pulumi-docker-build" not in (tmp_path / "p/requirements.txt").read_text()
    assert not (tmp_path / "p/build/driver").exists()


def test_log_retention_routes_the_driver_logs_to_their_own_bucket(
    project: Any, artifact: BuiltArtifact, deployed: tuple[Any, Path, Graph], tmp_path: Path
) -> None:
    """DriverConfig(log_retention_days=90): a log bucket kept 90 days and a sink routing the
    driver job's entries (only those) to it; the default (30 days) adds neither."""
    from glacier.compiler.deploy_ir import DriverConfig

    _, _, default = deployed
    assert not default.of_type("gcp:logging/projectBucketConfig:ProjectBucketConfig")
    assert not default.of_type("gcp:logging/projectSink:ProjectSink")
    image = "europe-west1-docker.pkg.dev/shop-prod/images/nightly:v1"
    infra = project.nightly.compile(
        PulumiCompiler(artifact=artifact, driver=DriverConfig(image=image, log_retention_days=90))
    )
    infra.export_pulumi(tmp_path / "p")
    graph = run_program(tmp_path / "p")
    job = graph.one(JOB, "nightly-driver").inputs["name"]
    bucket = graph.one("gcp:logging/projectBucketConfig:ProjectBucketConfig", "nightly-driver-logs")
    assert bucket.inputs["retentionDays"] == 90 and bucket.inputs["bucketId"] == job
    assert bucket.inputs["location"] == "global" and bucket.inputs["project"] == "shop-prod"
    sink = graph.one("gcp:logging/projectSink:ProjectSink", "nightly-driver-logs")
    assert sink.inputs["filter"] == (
        f'resource.type="cloud_run_job" AND resource.labels.job_name="{job}"'
    )
    assert sink.inputs["destination"].startswith("logging.googleapis.com/")
    assert graph.depends_on(sink, bucket)  # the destination is the bucket's id
    assert not [n for n in infra.notes if "log_retention_days" in n]


def test_subnet_and_network_tags_give_direct_vpc_egress(
    project: Any, artifact: BuiltArtifact, tmp_path: Path
) -> None:
    """DriverConfig(subnets=[S], security_groups=[tags], public_ip=False): the Cloud Run job
    runs with one network interface in S carrying the tags, all traffic through the VPC."""
    from glacier.compiler.deploy_ir import DriverConfig

    image = "europe-west1-docker.pkg.dev/shop-prod/images/nightly:v1"
    subnet = "projects/shop-prod/regions/europe-west1/subnetworks/glacier-private"
    driver = DriverConfig(
        image=image, subnets=(subnet,), security_groups=("glacier-driver",), public_ip=False
    )
    infra = project.nightly.compile(PulumiCompiler(artifact=artifact, driver=driver))
    infra.export_pulumi(tmp_path / "p")
    graph = run_program(tmp_path / "p")
    vpc = graph.one(JOB, "nightly-driver").inputs["template"]["template"]["vpcAccess"]
    assert vpc == {
        "networkInterfaces": [{"subnetwork": subnet, "tags": ["glacier-driver"]}],
        "egress": "ALL_TRAFFIC",
    }


@pytest.mark.parametrize(
    ("subnets", "tags", "message"),
    [
        (("a", "b"), (), "exactly one subnetwork"),
        ((), ("glacier-driver",), "exactly one subnetwork"),
        (("Bad_Subnet",), (), "not a subnetwork name"),
        (("glacier-private",), ("sg-0123ABC",), "network tags"),
    ],
)
def test_bad_vpc_settings_are_refused_at_compile_time(
    project: Any,
    artifact: BuiltArtifact,
    subnets: tuple[str, ...],
    tags: tuple[str, ...],
    message: str,
) -> None:
    from glacier.compiler.deploy_ir import DriverConfig
    from glacier.compiler.errors import CompilerError

    driver = DriverConfig(image="python:3.11-slim", subnets=subnets, security_groups=tags)
    with pytest.raises(CompilerError, match=message):
        project.nightly.compile(PulumiCompiler(artifact=artifact, driver=driver))


def test_cloud_run_sizes_are_checked(project: Any, artifact: BuiltArtifact) -> None:
    from glacier.compiler.deploy_ir import DriverConfig
    from glacier.compiler.errors import CompilerError

    with pytest.raises(CompilerError, match=r"cpu=3.0.*Cloud Run job CPU count"):
        project.nightly.compile(PulumiCompiler(artifact=artifact, driver=DriverConfig(cpu=3)))
    with pytest.raises(CompilerError, match=r"memory_mb=8192.*512 to 4096 MiB"):
        project.nightly.compile(
            PulumiCompiler(artifact=artifact, driver=DriverConfig(memory_mb=8192))
        )


@pytest.mark.parametrize(
    ("prefix", "suffixes", "exact", "hits", "misses"),
    [
        ("landing/", (".csv", ".json"), None, ["landing/a.csv", "landing/x/b.json"], ["a.csv"]),
        ("in (1)/", (), None, ["in (1)/a"], ["in 1/a", "in (1)"]),
        (
            "",
            (),
            "one/file.parquet",
            ["one/file.parquet"],
            ["one/file.parquet.tmp", "one/fileXparquet"],
        ),
    ],
)
def test_trigger_key_patterns(
    prefix: str, suffixes: tuple[str, ...], exact: str | None, hits: list[str], misses: list[str]
) -> None:
    from glacier.compiler.deploy_ir import IRTrigger
    from glacier.compiler.ir import IRProvider
    from glacier.config import GcpConfig
    from glacier_gcp.pulumi.operate import key_pattern

    trigger = IRTrigger(
        name="t",
        id="abc",
        provider=IRProvider("gcp-p-r", GcpConfig(project="shop-prod")),
        bucket_name="b",
        bucket_key=None,
        prefix=prefix,
        suffixes=suffixes,
        exact_key=exact,
        param=None,
        managed=False,
    )
    pattern = key_pattern(trigger)
    assert pattern is not None
    for key in hits:
        assert re.search(pattern, key), key
    for key in misses:
        assert not re.search(pattern, key), key


@pytest.mark.parametrize("name", ["ingest-on-write", "Sales_EU-on-write-2", "9-lives" * 12])
def test_trigger_resource_ids_are_valid_and_distinct(name: str) -> None:
    from glacier_gcp.pulumi.operate import resource_id

    found = resource_id(name)
    assert re.fullmatch(r"[a-z][a-z0-9-]{0,61}[a-z0-9]", found), found
    assert (found == name) == (name == "ingest-on-write")  # valid names are kept as they are
    assert resource_id(name + "x") != found


def test_the_plan_shows_the_driver_and_its_grants(deployed: tuple[Any, Path, Graph]) -> None:
    from glacier.deploy.plan import build_plan

    infra, _, graph = deployed
    mocked = {
        "resources": [{"type": r.type, "name": r.name} for r in graph.resources if not r.read_id],
        "outputs": graph.outputs,
    }
    text = build_plan(infra.ir, "test", mocked, infra.deployment).render()
    assert "driver nightly-driver (gcp-shop-prod-europe-west1)" in text
    assert "started by: schedule 0 2 * * * (Europe/Paris)" in text
    assert "read  shop-lake/raw/orders/*" in text and "submit etl" in text
    assert "invoke scorer" in text


def test_plain_http_webhooks_and_unknown_buckets(
    project: Any, artifact: BuiltArtifact, tmp_path: Path
) -> None:
    """A plain-http alert webhook is refused at compile time; a trigger on a bucket the
    program does not manage is wired with a note about its location."""
    from glacier import pipeline, task
    from glacier.compiler.errors import UnsupportedFeatureError
    from glacier.schedule import Alert, OnWrite

    @task
    def touch(source: Any) -> None:
        source.exists()

    @pipeline(name="loud", on_failure=Alert(webhook="http://hooks.example.com/x"))
    def loud() -> None:
        touch(project.raw)

    with pytest.raises(UnsupportedFeatureError, match=r"plain http.*https://"):
        loud.compile(PulumiCompiler(artifact=artifact))

    drop = project.gcp.bucket("partner-drop", path="in/", name="drop", existing=True)

    @pipeline(name="partner", triggers=[OnWrite(drop, suffix=".csv")])
    def partner() -> None:
        touch(project.raw)

    infra = partner.compile(PulumiCompiler(artifact=artifact))
    assert any("partner-drop" in n and "not one of this program's" in n for n in infra.notes)
    infra.export_pulumi(tmp_path / "partner")
    graph = run_program(tmp_path / "partner")
    trigger = graph.one("gcp:eventarc/trigger:Trigger", "partner-on-write")
    buckets = [
        c["value"] for c in trigger.inputs["matchingCriterias"] if c["attribute"] == "bucket"
    ]
    assert buckets == ["partner-drop"]


@pytest.mark.parametrize(
    ("pipeline", "stack"),
    [("nightly", "prod"), ("nightly", "dev"), ("sales-daily", "eu.prod"), ("p" * 80, "prod")],
)
def test_custom_role_ids_are_unique_per_pipeline_and_stack(pipeline: str, stack: str) -> None:
    """Two stacks (or pipelines) in one project never share a custom role: each program's
    role ids name its pipeline and stack, valid GCP role ids (letters, digits, _; <= 64)."""
    import re
    import types

    from glacier_gcp.pulumi.roles import ROLE_ID_HELPER

    namespace: dict[str, Any] = {"pulumi": types.SimpleNamespace(get_stack=lambda: stack)}
    exec("\n".join([*ROLE_ID_HELPER.std_imports, *ROLE_ID_HELPER.lines]), namespace)
    role_id = namespace["glacier_role_id"]
    made = role_id("glacierObjectWriter", pipeline)
    assert re.fullmatch(r"[A-Za-z0-9_.]{3,64}", made)
    assert made.startswith("glacierObjectWriter_")
    others = {role_id("glacierObjectWriter", p) for p in ("other", pipeline + "x")}
    assert made not in others
    namespace["pulumi"].get_stack = lambda: stack + "2"
    assert role_id("glacierObjectWriter", pipeline) != made
