"""The Azure driver under Pulumi's mocks, with the real pulumi-azure-native and
pulumi-docker-build SDKs.

The project in ``azure_project/`` is packaged (a real artifact wheel), compiled and its program
run under mocks: the artifact blob, the Container Apps driver job and its image, the driver
identity's exact, container-scoped grants, the scheduled job, the Event Grid trigger and its
event-driven job, the failure alerts, the ``glacier_deployment`` output read back as a record
the runtime uses, and a recompile that keeps every resource. The trigger job's command
(:mod:`glacier_azure.events`) is exercised on Event Grid's documented event shape.
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
PROJECT = HERE / "azure_project"
JOB = "azure-native:app:Job"
BLOB = "azure-native:storage:Blob"
ROLE = "azure-native:authorization:RoleAssignment"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
CONTAINER = "azure-native:storage:BlobContainer"
ACCOUNT = "shoplake01"
DFS = f"{ACCOUNT}.dfs.core.windows.net"
DRIVER_PRINCIPAL = "principal-nightly-driver-identity"
READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"


@pytest.fixture(scope="module")
def project() -> Iterator[Any]:
    with imported(PROJECT, "shop_azure") as module:
        yield module


@pytest.fixture(scope="module")
def artifact(project: Any, tmp_path_factory: pytest.TempPathFactory) -> BuiltArtifact:
    return package_pipeline(f"{PROJECT / 'shop_azure.py'}:nightly", tmp_path_factory.mktemp("a"))


@pytest.fixture(scope="module")
def deployed(
    project: Any, artifact: BuiltArtifact, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Path, Graph]:
    return deploy_under_mocks(
        project.nightly, artifact, tmp_path_factory.mktemp("infra") / "nightly"
    )


@pytest.fixture(scope="module")
def ingest(
    project: Any, artifact: BuiltArtifact, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Graph]:
    infra = project.ingest.compile(PulumiCompiler(artifact=artifact))
    out = tmp_path_factory.mktemp("infra") / "ingest"
    infra.export_pulumi(out)
    return infra, run_program(out)


def _roles_of(graph: Graph, principal: str) -> list[Any]:
    return [r for r in graph.of_type(ROLE) if r.inputs["principalId"] == principal]


#: How Pulumi marks a secret value in serialized inputs.
SECRET_SIG = "4dabf18193072939515e22adb298388d"


def _plain(value: Any) -> Any:
    """``value`` with Pulumi's secret wrappers removed (a job with a secret is all secret)."""
    if isinstance(value, dict):
        if SECRET_SIG in value and "value" in value:
            return _plain(value["value"])
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _config(job: Any) -> dict[str, Any]:
    return dict(_plain(job.inputs["configuration"]))


def _container(job: Any) -> dict[str, Any]:
    (container,) = job.inputs["template"]["containers"]
    return dict(container)


def _env(job: Any) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("secretRef")) for e in _container(job)["env"]}


def test_artifact_is_a_content_addressed_blob(
    deployed: tuple[Any, Path, Graph], artifact: BuiltArtifact
) -> None:
    _, out, graph = deployed
    assert (out / "build/artifact" / artifact.path.name).read_bytes() == artifact.path.read_bytes()
    blob = graph.one(BLOB, "nightly-artifact")
    key = f"_glacier/artifacts/{artifact.sha256}/{artifact.path.name}"
    assert blob.inputs["blobName"] == key
    assert blob.inputs["containerName"] == "glacier-nightly-driver"
    assert blob.inputs["accountName"] == ACCOUNT
    assert blob.inputs["type"] == "Block"
    assert blob.retain_on_delete  # a new deploy never deletes the wheel a running job uses
    record = record_from_stack_outputs(graph.outputs, stack="test")
    assert record.artifact is not None and record.artifact.sha256 == artifact.sha256
    assert record.artifact.uri == f"abfss://glacier-nightly-driver@{DFS}/{key}"
    assert record.artifact.entry == "shop_azure:nightly" == artifact.manifest.entry
    # the Synapse identities may read the artifact prefix (Spark installs it), read only
    for name in ("etl", "legacy"):
        (grant,) = [
            r
            for r in _roles_of(graph, f"principal-{name}-identity")
            if r.inputs["scope"] == "glacier-nightly-driver-id"
        ]
        assert grant.inputs["roleDefinitionId"].endswith(READER)
        assert "StringStartsWith '_glacier/artifacts/'" in grant.inputs["condition"]


def test_generated_program_is_ruff_clean(deployed: tuple[Any, Path, Graph]) -> None:
    import shutil
    import subprocess

    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    _, out, _ = deployed
    config = ["--config", str(HERE.parents[1] / "pyproject.toml")]
    subprocess.run([ruff, "check", *config, str(out / "__main__.py")], check=True)
    subprocess.run([ruff, "format", "--check", *config, str(out / "__main__.py")], check=True)


def test_driver_is_a_container_apps_job_running_the_pipeline(
    deployed: tuple[Any, Path, Graph], artifact: BuiltArtifact
) -> None:
    _, out, graph = deployed
    job = graph.one(JOB, "nightly-driver")
    assert job.inputs["jobName"] == "glacier-nightly-driver"
    config = _config(job)
    assert config["triggerType"] == "Manual"
    assert config["replicaTimeout"] == 86400 and config["replicaRetryLimit"] == 0
    container = _container(job)
    assert container["name"] == "glacier-driver"
    assert container["command"] == ["glacier"]
    assert container["args"] == ["run", "shop_azure:nightly"]
    assert container["resources"] == {"cpu": 1.0, "memory": "2Gi"}
    env = _env(job)
    assert env["GLACIER_DEPLOYMENT"] == (
        f"abfss://glacier-nightly-driver@{DFS}/_glacier/deployments/nightly/test.json"
    )
    assert env["GLACIER_RUNS_URI"] == f"abfss://glacier-nightly-driver@{DFS}/_glacier/runs/"
    assert env["AZURE_STORAGE_ACCOUNT"] == ACCOUNT
    assert env["AZURE_CLIENT_ID"] == "client-nightly-driver-identity"
    # the function's key reaches the driver as a job secret, never as plain text
    assert env["GLACIER_FUNCTION_KEY_SHOP_SCORE"] == "fnkey-scorer"
    (secret,) = config["secrets"]
    assert secret["name"] == "fnkey-scorer" and secret["value"] == "mock-function-key"
    # its own identity, and nothing else
    identity = graph.one(IDENTITY, "nightly-driver-identity")
    assert job.inputs["identity"] == {
        "type": "UserAssigned",
        "userAssignedIdentities": [f"{identity.name}-id"],
    }
    # logs: the environment sends them to a Log Analytics workspace with retention
    env_res = graph.one("azure-native:app:ManagedEnvironment", "nightly-driver-env")
    assert job.inputs["environmentId"] == "nightly-driver-env-id"
    logs = _plain(env_res.inputs["appLogsConfiguration"])
    assert logs["destination"] == "log-analytics"
    assert logs["logAnalyticsConfiguration"]["customerId"] == "customer-nightly-driver-logs"
    workspace = graph.one("azure-native:operationalinsights:Workspace", "nightly-driver-logs")
    assert workspace.inputs["retentionInDays"] == 30
    # the image: built from the generated Dockerfile, pushed to the driver's registry, pulled
    # with the identity
    registry = graph.one("azure-native:containerregistry:Registry", "nightly-driver-registry")
    server = f"{registry.inputs['registryName']}.azurecr.io"
    assert registry.inputs["anonymousPullEnabled"] is False
    assert config["registries"] == [{"server": server, "identity": f"{identity.name}-id"}]
    image = graph.one("docker-build:index:Image", "nightly-driver-image")
    assert image.inputs["dockerfile"] == {"location": "build/driver/Dockerfile"}
    assert image.inputs["context"] == {"location": "build"}
    assert image.inputs["push"] is True and image.inputs["platforms"] == ["linux/amd64"]
    (tag,) = image.inputs["tags"]
    assert tag.startswith(f"{server}/glacier/nightly-driver:{artifact.sha256[:24]}-")
    assert _plain(image.inputs["registries"])[0]["username"] == "mock-registry"
    assert container["image"].startswith(server) and "@sha256:" in container["image"]
    assert "COPY artifact/" in (out / "build/driver/Dockerfile").read_text()
    assert "pulumi-docker-build" in (out / "requirements.txt").read_text()


def _driver_grants(graph: Graph) -> set[tuple[str, str, str]]:
    """(role, container scope, condition prefix) of the driver identity's data grants."""
    import re

    found = set()
    for role in _roles_of(graph, DRIVER_PRINCIPAL):
        scope = role.inputs["scope"]
        if scope.endswith("-registry-id"):
            continue
        condition = role.inputs.get("condition") or ""
        prefixes = set(re.findall(r":path\] StringStartsWith '([^']*)'", condition))
        assert len(prefixes) == 1, condition
        mode = "read" if role.inputs["roleDefinitionId"].endswith(READER) else "write"
        found.add((mode, scope.removesuffix("-id"), prefixes.pop()))
    return found


def test_driver_identity_has_exactly_the_dags_grants_on_containers(
    deployed: tuple[Any, Path, Graph],
) -> None:
    _, _, graph = deployed
    containers = {f"{c.name}-id" for c in graph.of_type(CONTAINER)}
    roles = _roles_of(graph, DRIVER_PRINCIPAL)
    for role in roles:
        scope = role.inputs["scope"]
        # every assignment is on one container (or the registry): never a subscription,
        # resource group or storage account, never a wildcard
        assert scope in containers or scope == "nightly-driver-registry-id", scope
        assert not scope.startswith("/subscriptions") and "*" not in scope
        assert role.inputs["principalType"] == "ServicePrincipal"
    assert _driver_grants(graph) == {
        ("read", "lake", "raw/orders/"),  # tidy reads raw
        ("write", "lake", "clean/orders/"),  # tidy writes clean
        ("read", "staging", "_glacier/jobs/"),  # stages the Synapse jobs
        ("write", "staging", "_glacier/jobs/"),
        ("read", "glacier-nightly-driver", "_glacier/artifacts/"),
        ("read", "glacier-nightly-driver", "_glacier/deployments/"),
        ("read", "glacier-nightly-driver", "_glacier/runs/"),
        ("write", "glacier-nightly-driver", "_glacier/runs/"),
    }
    # nothing of the mart or the archive: only the Synapse jobs touch them
    assert not [r for r in roles if r.inputs["scope"] in ("mart-id", "archive-id")]
    (pull,) = [r for r in roles if r.inputs["scope"] == "nightly-driver-registry-id"]
    assert pull.inputs["roleDefinitionId"].endswith("7f951dda-4ed3-4680-a7ca-43fe172d538d")
    # Synapse RBAC cannot be assigned through Resource Manager: the compile notes say how
    infra = deployed[0]
    assert any("Synapse Compute Operator" in n and "shop-ws" in n for n in infra.notes)


def test_schedule_is_a_scheduled_job_of_the_driver(deployed: tuple[Any, Path, Graph]) -> None:
    _, _, graph = deployed
    driver = graph.one(JOB, "nightly-driver")
    job = graph.one(JOB, "nightly-schedule")
    config = _config(job)
    assert config["triggerType"] == "Schedule"
    # 02:00 in Paris is 01:00 UTC in winter and 00:00 UTC in summer: both fire, the driver
    # runs the latest tick once
    assert config["scheduleTriggerConfig"]["cronExpression"] == "0 0,1 * * *"
    assert _container(job)["args"] == ["run", "shop_azure:nightly", "--scheduled-at", "latest"]
    # the same image, identity, environment and grants as the driver: nothing else can start
    # it, and no identity of its own exists
    assert job.inputs["identity"] == driver.inputs["identity"]
    assert _env(job) == _env(driver)
    assert _container(job)["image"] == _container(driver)["image"]
    identities = {r.name for r in graph.of_type(IDENTITY)}
    assert identities == {
        "nightly-driver-identity",
        "etl-identity",
        "legacy-identity",
        "scorer-identity",
    }


def test_alarms_watch_failed_executions_of_every_driver_job(
    deployed: tuple[Any, Path, Graph],
) -> None:
    _, _, graph = deployed
    group = graph.one("azure-native:monitor:ActionGroup", "nightly-on-failure")
    assert [(e["name"], e["emailAddress"]) for e in group.inputs["emailReceivers"]] == [
        ("email-1", "oncall@example.com")
    ]
    (hook,) = group.inputs["webhookReceivers"]
    assert hook["serviceUri"] == "https://hooks.example.com/glacier"
    alerts = {a.name: a for a in graph.of_type("azure-native:monitor:MetricAlert")}
    assert set(alerts) == {"nightly-on-failure-driver", "nightly-on-failure-schedule"}
    for alert in alerts.values():
        (criterion,) = alert.inputs["criteria"]["allOf"]
        assert criterion["metricNamespace"] == "Microsoft.App/jobs"
        assert criterion["metricName"] == "Executions"
        assert criterion["dimensions"] == [
            {"name": "state", "operator": "Include", "values": ["Failed"]}
        ]
        assert (criterion["operator"], criterion["threshold"]) == ("GreaterThan", 0)
        assert alert.inputs["actions"] == [{"actionGroupId": "nightly-on-failure-id"}]
    assert alerts["nightly-on-failure-driver"].inputs["scopes"] == ["nightly-driver-id"]
    assert alerts["nightly-on-failure-schedule"].inputs["scopes"] == ["nightly-schedule-id"]


def test_the_record_blob_the_driver_reads_is_the_stack_output(
    deployed: tuple[Any, Path, Graph],
) -> None:
    _, _, graph = deployed
    blob = graph.one(BLOB, "nightly-driver-record")
    assert blob.inputs["blobName"] == "_glacier/deployments/nightly/test.json"
    assert blob.inputs["containerName"] == "glacier-nightly-driver"
    assert blob.inputs["contentType"] == "application/json"
    from_blob = DeploymentRecord.model_validate_json(blob.inputs["source"]["text"])
    assert from_blob == record_from_stack_outputs(graph.outputs, stack="test")


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
    assert etl is not None and etl.name == "glacierpool"
    assert etl.url == "https://shop-ws.dev.azuresynapse.net"
    assert etl.identity == "principal-etl-identity"
    assert etl.staging_bucket == "staging"
    legacy = record.resource("legacy", "executor")
    assert legacy is not None and legacy.existing and legacy.name == "nightlypool"
    assert legacy.properties == {"existing_spark_pool": "nightlypool"}
    assert not [
        p for p in graph.of_type("azure-native:synapse:BigDataPool") if p.name != "etl-pool"
    ]
    scorer = record.resource("scorer", "function")
    assert scorer is not None and scorer.name == "shop-score"
    assert scorer.url == "https://shop-score.azurewebsites.net/api/shop-score"
    driver = record.resource("nightly-driver", "driver")
    assert driver is not None and driver.name == "glacier-nightly-driver"
    assert driver.identity == DRIVER_PRINCIPAL
    assert driver.staging_bucket == "glacier-nightly-driver"
    assert record.runs_uri == f"abfss://glacier-nightly-driver@{DFS}/_glacier/runs/"
    # the runtime uses it: the adapters of the compile-time configs find the deployed names
    saved = save_record(record, tmp_path)
    monkeypatch.setenv(record_module.RECORD_ENV, str(saved))
    record_module._cache.clear()
    try:
        assert project.spark._get_adapter().base_url == (
            "https://shop-ws.dev.azuresynapse.net/livyApi/versions/2019-11-01-preview/"
            "sparkPools/glacierpool/batches"
        )
        assert project.legacy._get_adapter().base_url.endswith("/sparkPools/nightlypool/batches")
        assert project.scorer._get_adapter().url == scorer.url
    finally:
        record_module._cache.clear()
    # compiling again keeps every resource and the same program
    before = {(r.type, r.name) for r in graph.resources}
    again = project.nightly.compile(PulumiCompiler(artifact=artifact))
    again.export_pulumi(out)
    graph2 = run_program(out)
    assert {(r.type, r.name) for r in graph2.resources} == before
    assert again.program == infra.program


def test_a_trigger_queues_blob_events_for_an_event_driven_job(
    ingest: tuple[Any, Graph], project: Any
) -> None:
    _, graph = ingest
    topic = graph.one("azure-native:eventgrid:SystemTopic")
    assert topic.inputs["source"] == f"{ACCOUNT}-id"
    assert topic.inputs["topicType"] == "Microsoft.Storage.StorageAccounts"
    assert topic.inputs["identity"]["type"] == "SystemAssigned"
    queue = graph.one("azure-native:storage:Queue", "ingest-on-write-queue")
    assert queue.inputs["accountName"] == ACCOUNT
    sub = graph.one("azure-native:eventgrid:SystemTopicEventSubscription", "ingest-on-write")
    flt = sub.inputs["filter"]
    assert flt["includedEventTypes"] == ["Microsoft.Storage.BlobCreated"]
    assert flt["subjectBeginsWith"] == "/blobServices/default/containers/lake/blobs/landing/"
    assert {"operatorType": "StringEndsWith", "key": "subject", "values": [".parquet"]} in flt[
        "advancedFilters"
    ]
    apis = next(f for f in flt["advancedFilters"] if f["key"] == "data.api")
    assert "CreateFile" not in apis["values"] and "FlushWithClose" in apis["values"]
    delivery = sub.inputs["deliveryWithResourceIdentity"]
    assert delivery["identity"] == {"type": "SystemAssigned"}
    destination = delivery["destination"]
    assert destination["endpointType"] == "StorageQueue"
    assert destination["queueName"] == queue.inputs["queueName"]
    # who may do what with the queue: the topic may only send to it, the driver may read and
    # delete its messages; nothing on the account or wider
    roles = {
        (r.inputs["principalId"], r.inputs["roleDefinitionId"][-36:]): r
        for r in graph.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["scope"] == "ingest-on-write-queue-id"
    }
    assert set(roles) == {
        ("principal-shoplake01-events", "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a"),  # sender
        ("principal-ingest-driver-identity", "19e7f393-937e-4f77-808e-94535e297925"),  # reader
        ("principal-ingest-driver-identity", "8a0f0c08-91a1-4084-bc3d-661d67233fed"),  # process
    }
    topic_roles = [
        r for r in graph.of_type(ROLE) if r.inputs["principalId"] == "principal-shoplake01-events"
    ]
    assert len(topic_roles) == 1
    # the event-driven job: the driver's image and identity, started per queued message
    job = graph.one(JOB, "ingest-on-write-job")
    driver = graph.one(JOB, "ingest-driver")
    config = _config(job)
    assert config["triggerType"] == "Event"
    (rule,) = config["eventTriggerConfig"]["scale"]["rules"]
    assert rule["type"] == "azure-queue"
    assert rule["metadata"] == {
        "accountName": ACCOUNT,
        "queueName": queue.inputs["queueName"],
        "queueLength": "1",
    }
    assert rule["identity"] == "ingest-driver-identity-id"
    trigger_id = project.ingest.triggers[0].id
    assert _container(job)["command"] == ["python", "-m", "glacier_azure.events"]
    assert _container(job)["args"] == [
        "--queue",
        f"https://{ACCOUNT}.queue.core.windows.net/{queue.inputs['queueName']}",
        "--trigger-id",
        trigger_id,
        "shop_azure:nightly",  # the artifact's entry (this test reuses the nightly artifact)
    ]
    assert job.inputs["identity"] == driver.inputs["identity"]
    assert _env(job) == _env(driver)
    assert ("read", "lake", "landing/") in {
        (m, c, p) for m, c, p in _driver_grants_of(graph, "principal-ingest-driver-identity")
    }


def _driver_grants_of(graph: Graph, principal: str) -> set[tuple[str, str, str]]:
    import re

    found = set()
    for role in _roles_of(graph, principal):
        condition = role.inputs.get("condition") or ""
        for prefix in re.findall(r":path\] StringStartsWith '([^']*)'", condition):
            mode = "read" if role.inputs["roleDefinitionId"].endswith(READER) else "write"
            found.add((mode, role.inputs["scope"].removesuffix("-id"), prefix))
    return found


def test_prebuilt_image_creates_no_registry(
    project: Any, artifact: BuiltArtifact, tmp_path: Path
) -> None:
    from glacier.compiler.deploy_ir import DriverConfig

    image = "shopregistry.azurecr.io/glacier/nightly:v1"
    infra = project.nightly.compile(
        PulumiCompiler(artifact=artifact, driver=DriverConfig(image=image, cpu=2, memory_mb=4096))
    )
    infra.export_pulumi(tmp_path / "p")
    graph = run_program(tmp_path / "p")
    assert not graph.of_type("docker-build:index:Image")
    assert not graph.of_type("azure-native:containerregistry:Registry")
    job = graph.one(JOB, "nightly-driver")
    assert _container(job)["image"] == image
    assert _container(job)["resources"] == {"cpu": 2.0, "memory": "4Gi"}
    assert _config(job)["registries"] == [
        {"server": "shopregistry.azurecr.io", "identity": "nightly-driver-identity-id"}
    ]
    assert any("AcrPull on registry shopregistry.azurecr.io" in n for n in infra.notes)
    assert "pulumi-docker-build" not in (tmp_path / "p/requirements.txt").read_text()
    assert not (tmp_path / "p/build/driver").exists()


def test_container_apps_sizes_and_retention_are_checked(
    project: Any, artifact: BuiltArtifact
) -> None:
    from glacier.compiler.deploy_ir import DriverConfig
    from glacier.compiler.errors import CompilerError

    with pytest.raises(CompilerError, match=r"cpu=0.3\).*steps of 0.25"):
        project.nightly.compile(
            PulumiCompiler(artifact=artifact, driver=DriverConfig(cpu=0.3, memory_mb=614))
        )
    with pytest.raises(CompilerError, match=r"memory_mb=1000\).*use memory_mb=2048"):
        project.nightly.compile(
            PulumiCompiler(artifact=artifact, driver=DriverConfig(memory_mb=1000))
        )
    with pytest.raises(CompilerError, match=r"log_retention_days=7.*30 to 730"):
        project.nightly.compile(
            PulumiCompiler(artifact=artifact, driver=DriverConfig(log_retention_days=7))
        )
    with pytest.raises(CompilerError, match=r"security_groups.*subnet"):
        project.nightly.compile(
            PulumiCompiler(artifact=artifact, driver=DriverConfig(security_groups=("sg-1",)))
        )
    with pytest.raises(CompilerError, match=r"one subnet resource id"):
        project.nightly.compile(
            PulumiCompiler(artifact=artifact, driver=DriverConfig(subnets=("subnet-a",)))
        )


def test_driver_subnet_joins_the_environment_to_the_vnet(
    project: Any, artifact: BuiltArtifact, tmp_path: Path
) -> None:
    from glacier.compiler.deploy_ir import DriverConfig

    subnet = (
        "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/"
        "subnets/jobs"
    )
    infra = project.nightly.compile(
        PulumiCompiler(
            artifact=artifact,
            driver=DriverConfig(subnets=(subnet,), public_ip=False, image="python:3.11-slim"),
        )
    )
    infra.export_pulumi(tmp_path / "p")
    graph = run_program(tmp_path / "p")
    env = graph.one("azure-native:app:ManagedEnvironment", "nightly-driver-env")
    assert env.inputs["vnetConfiguration"] == {"infrastructureSubnetId": subnet, "internal": True}


@pytest.mark.parametrize(
    ("cron", "timezone", "expected"),
    [
        ("0 2 * * *", "UTC", "0 2 * * *"),  # exact in UTC
        ("*/15 8-18 * * 1-5", "Etc/UTC", "*/15 8-18 * * 1-5"),
        ("0 2 * * *", "Europe/Paris", "0 0,1 * * *"),  # both offsets of the year
        ("30 9 * * 1-5", "Asia/Tokyo", "30 0 * * 1-5"),  # no midnight crossing: days kept
        ("0 0 * * 1", "Asia/Tokyo", "0 15 * * *"),  # crosses midnight: every day, filtered
        ("0 6 * * *", "Asia/Kolkata", "30 0 * * *"),  # a half-hour zone
    ],
)
def test_cron_in_utc_covers_every_tick(cron: str, timezone: str, expected: str) -> None:
    from glacier.plugin import IRSchedule
    from glacier_azure.pulumi.operate import utc_cron

    assert utc_cron(IRSchedule("s", cron, timezone, None)) == expected


def test_cron_names_outside_utc_are_refused() -> None:
    from glacier.compiler.errors import UnsupportedFeatureError
    from glacier.plugin import IRSchedule
    from glacier_azure.pulumi.operate import utc_cron

    with pytest.raises(UnsupportedFeatureError, match="timezone='UTC'"):
        utc_cron(IRSchedule("s", "0 L * * *", "Europe/Paris", None))


# -- the trigger job's command -------------------------------------------------------------
#: Event Grid's BlobCreated event, as Azure documents it (storage account "shoplake01").
EVENT = {
    "topic": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/"
    "shoplake01",
    "subject": "/blobServices/default/containers/lake/blobs/landing/day 1.parquet",
    "eventType": "Microsoft.Storage.BlobCreated",
    "eventTime": "2026-11-30T03:00:00.0000000Z",
    "id": "831e1650-001e-001b-66ab-eeb76e069631",
    "data": {
        "api": "PutBlockList",
        "clientRequestId": "6d79dbfb-0e37-4fc4-981f-442c9ca65760",
        "requestId": "831e1650-001e-001b-66ab-eeb76e000000",
        "eTag": "0x8D4BCC2E4835CD0",
        "contentType": "application/octet-stream",
        "contentLength": 524288,
        "blobType": "BlockBlob",
        "url": "https://shoplake01.blob.core.windows.net/lake/landing/day%201.parquet",
        "sequencer": "00000000000004420000000000028963",
    },
    "dataVersion": "",
    "metadataVersion": "1",
}


class _Queue:
    """The queue's two calls, recorded (the Queue service REST calls are QueueClient's)."""

    def __init__(self, text: str | None, dequeue_count: int = 1) -> None:
        from glacier_azure.events import Message

        self.message = None if text is None else Message("m1", "r1", dequeue_count, text)
        self.deleted: list[str] = []

    def receive(self, visibility: int) -> Any:
        return self.message

    def delete(self, message: Any) -> bool:
        self.deleted.append(message.id)
        return True


def test_events_turn_a_queued_blob_event_into_one_driver_start() -> None:
    import base64

    from glacier_azure.events import handle, parse_event

    uri = "abfs://lake@shoplake01.dfs.core.windows.net/landing/day 1.parquet"
    for text in (json.dumps(EVENT), base64.b64encode(json.dumps([EVENT]).encode()).decode()):
        event = parse_event(text)
        assert (event.uri, event.version) == (uri, "0x8D4BCC2E4835CD0")
    started: list[list[str]] = []

    def run(args: list[str]) -> int:
        started.append(args[args.index("run") :])
        return 0

    queue = _Queue(json.dumps(EVENT))
    assert handle(queue, "shop_azure:ingest", "t1", run=run) == 0
    assert started == [
        [
            "run",
            "shop_azure:ingest",
            "--event-uri",
            uri,
            "--event-version",
            "0x8D4BCC2E4835CD0",
            "--trigger-id",
            "t1",
        ]
    ]
    assert queue.deleted == ["m1"]
    # the pipeline failed (exit 1): the run was claimed, the event is done
    queue = _Queue(json.dumps(EVENT))
    assert handle(queue, "shop_azure:ingest", "t1", run=lambda a: 1) == 1
    assert queue.deleted == ["m1"]
    # the run could not start (exit 2): the message stays to be retried, up to MAX_DEQUEUES
    queue = _Queue(json.dumps(EVENT))
    assert handle(queue, "shop_azure:ingest", "t1", run=lambda a: 2) == 2
    assert queue.deleted == []
    queue = _Queue(json.dumps(EVENT), dequeue_count=5)
    assert handle(queue, "shop_azure:ingest", "t1", run=lambda a: 2) == 2
    assert queue.deleted == ["m1"]
    # not an event: dropped without a start; an empty queue: nothing to do
    queue = _Queue("hello")
    assert handle(queue, "shop_azure:ingest", "t1", run=run) == 2
    assert queue.deleted == ["m1"] and len(started) == 1
    assert handle(_Queue(None), "shop_azure:ingest", "t1", run=run) == 0


def test_events_parse_the_queue_service_response() -> None:
    from glacier_azure.events import parse_messages

    xml = (
        '<?xml version="1.0" encoding="utf-8"?><QueueMessagesList><QueueMessage>'
        "<MessageId>5974b586-0df3-4e2d-ad0c-18e3892bfca2</MessageId>"
        "<InsertionTime>Fri, 09 Oct 2009 21:04:30 GMT</InsertionTime>"
        "<ExpirationTime>Fri, 16 Oct 2009 21:04:30 GMT</ExpirationTime>"
        "<PopReceipt>YzQ4Yzg1MDItYTc0Ny00OWNjLTkxYTUtZGM0MDFiZDAwYzEw</PopReceipt>"
        "<TimeNextVisible>Fri, 09 Oct 2009 23:29:20 GMT</TimeNextVisible>"
        "<DequeueCount>2</DequeueCount><MessageText>eyJhIjogMX0=</MessageText>"
        "</QueueMessage></QueueMessagesList>"
    )
    message = parse_messages(xml)
    assert message is not None
    assert message.id == "5974b586-0df3-4e2d-ad0c-18e3892bfca2"
    assert message.pop_receipt == "YzQ4Yzg1MDItYTc0Ny00OWNjLTkxYTUtZGM0MDFiZDAwYzEw"
    assert (message.dequeue_count, message.text) == (2, "eyJhIjogMX0=")
    assert parse_messages("<QueueMessagesList />") is None


def test_the_plan_shows_the_driver_and_its_grants(deployed: tuple[Any, Path, Graph]) -> None:
    from glacier.deploy.plan import build_plan

    infra, _, graph = deployed
    mocked = {
        "resources": [{"type": r.type, "name": r.name} for r in graph.resources if not r.read_id],
        "outputs": graph.outputs,
    }
    plan = build_plan(infra.ir, "test", mocked, infra.deployment)
    text = plan.render()
    assert "driver nightly-driver (azure-westeurope)" in text
    assert "started by: schedule 0 2 * * * (Europe/Paris)" in text
    assert "read  lake/raw/orders/*" in text and "submit etl" in text
    driver = next(i for i in plan.items if i.kind == "driver")
    names = {name for _, name in driver.resources}
    assert {"nightly-driver", "nightly-artifact", "nightly-schedule"} <= names
    assert plan.record is not None and plan.record.artifact is not None
