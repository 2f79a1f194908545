"""Functions and executors in the exported programs, run under Pulumi mocks with the real SDKs
(pulumi-aws 7, pulumi-azure-native 3, pulumi-gcp 10, pulumi-databricks 1): types, key
inputs, identity linkage, dependencies, and the security check on every generated policy."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest

from tests.compiler.conftest import ROOT
from tests.compiler.policy_checks import assert_key_policy

EXAMPLE = ROOT / "examples" / "compute"
if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))

pytest.importorskip("pulumi_databricks")

LAMBDA = "aws:lambda/function:Function"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
RA = "azure-native:authorization:RoleAssignment"
MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"


def _compile(cloud: str) -> Any:
    from compute_pipeline import azure_compute, compile_aws, gcp_compute

    from glacier import PulumiCompiler

    if cloud == "aws":
        return compile_aws()
    return {"azure": azure_compute, "gcp": gcp_compute}[cloud].compile(PulumiCompiler())


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    from tests.compiler.mockrun import run_program

    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for cloud in ("aws", "azure", "gcp"):
            directory = _compile(cloud).export_pulumi(tmp_path_factory.mktemp(cloud))
            out[cloud] = (directory, run_program(directory))
    return out


def _policy(graph: Any, name: str) -> dict[str, Any]:
    return json.loads(graph.one(ROLE_POLICY, name).inputs["policy"])


def _resources(policy: dict[str, Any]) -> list[str]:
    found = []
    for st in policy["Statement"]:
        res = st.get("Resource", [])
        found += res if isinstance(res, list) else [res]
    return found


# -- AWS -----------------------------------------------------------------------------------
def test_lambda_function(programs) -> None:
    directory, graph = programs["aws"]
    fn = graph.one(LAMBDA, "scorer")
    inputs = fn.inputs
    assert inputs["name"] == "glacier-score"
    assert inputs["runtime"] == "python3.11" and inputs["handler"] == "glacier_handler.handler"
    assert inputs["memorySize"] == 1024 and inputs["timeout"] == 120
    assert inputs["architectures"] == ["arm64"]
    assert inputs["reservedConcurrentExecutions"] == 5
    assert inputs["environment"] == {"variables": {"LOG_LEVEL": "INFO", "THRESHOLD": "100"}}
    role = graph.one("aws:iam/role:Role", "scorer-role")
    assert inputs["role"] == "arn:aws:iam:::scorer-role"
    assert graph.depends_on(fn, role)
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    log_group = graph.one("aws:cloudwatch/logGroup:LogGroup", "scorer-logs")
    assert log_group.inputs["name"] == "/aws/lambda/glacier-score"
    assert log_group.inputs["retentionInDays"] == 14
    assert inputs["loggingConfig"]["logGroup"] == "/aws/lambda/glacier-score"
    logs = graph.one(ROLE_POLICY, "scorer-logs")
    assert graph.depends_on(fn, log_group) and graph.depends_on(fn, logs)
    assert _resources(_policy(graph, "scorer-logs")) == [
        "arn:aws:cloudwatch:::scorer-logs",
        "arn:aws:cloudwatch:::scorer-logs:log-stream:*",
    ]
    # the code: a FileArchive of the built zip
    source = (directory / "__main__.py").read_text()
    assert 'code=pulumi.FileArchive("build/scorer.zip")' in source
    assert (directory / "build" / "scorer.zip").is_file()
    # the function's data access: exactly the declared read of the report, nothing else
    access = _policy(graph, "scorer-access")
    assert {s["Sid"] for s in access["Statement"]} == {"Read1Objects", "Read1List"}
    assert _resources(access) == [
        "arn:aws:s3:::glacier-compute-reports/daily/report.parquet*",
        "arn:aws:s3:::glacier-compute-reports",
    ]


def test_glue_job(programs) -> None:
    directory, graph = programs["aws"]
    job = graph.one("aws:glue/job:Job", "etl")
    inputs = job.inputs
    assert inputs["name"] == "glacier-etl" and inputs["roleArn"] == "arn:aws:iam:::etl-role"
    assert inputs["workerType"] == "G.2X" and inputs["numberOfWorkers"] == 4
    assert inputs["glueVersion"] == "5.0" and inputs["timeout"] == 30
    command = inputs["command"]
    assert command["name"] == "glueetl" and command["pythonVersion"] == "3"
    assert command["scriptLocation"] == (
        "s3://glacier-compute-staging/_glacier/jobs/_entrypoint/glacier_entrypoint.py"
    )
    entry = graph.one("aws:s3/bucketObjectv2:BucketObjectv2", "etl-entrypoint")
    staging = graph.one("aws:s3/bucket:Bucket", "glacier-compute-staging")
    assert graph.depends_on(entry, staging) and graph.depends_on(job, entry)
    assert graph.depends_on(job, graph.one("aws:iam/role:Role", "etl-role"))
    assert (directory / "build" / "etl" / "glacier_entrypoint.py").is_file()
    # staging bucket is created with the secure defaults
    graph.one(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "glacier-compute-staging-public-access-block",
    )
    assert inputs["defaultArguments"]["--continuous-log-logGroup"] == "/aws-glue/jobs/glacier-etl"
    # tasks' data: read raw, write cleaned; staging in its own policy, exactly _glacier/jobs/
    access = _policy(graph, "etl-access")
    reads = [s["Resource"] for s in access["Statement"] if s["Action"] == ["s3:GetObject"]]
    writes = [s["Resource"] for s in access["Statement"] if "s3:PutObject" in s["Action"]]
    assert reads == ["arn:aws:s3:::glacier-compute-data/raw/orders/*"]
    assert writes == ["arn:aws:s3:::glacier-compute-data/clean/orders/*"]
    assert set(_resources(_policy(graph, "etl-staging"))) == {
        "arn:aws:s3:::glacier-compute-staging/_glacier/jobs/*",
        "arn:aws:s3:::glacier-compute-staging",
    }


def test_databricks_cluster_on_aws(programs) -> None:
    _, graph = programs["aws"]
    cluster = graph.one("databricks:index/cluster:Cluster", "spark")
    inputs = cluster.inputs
    assert inputs["nodeTypeId"] == "m5.2xlarge"
    assert inputs["sparkVersion"] == "15.4.x-scala2.12"
    assert inputs["autoscale"] == {"minWorkers": 2, "maxWorkers": 8}
    assert "numWorkers" not in inputs
    assert cluster.provider_name == "databricks"
    provider = graph.one("pulumi:providers:databricks", "databricks")
    assert provider.inputs["host"] == "https://dbc-0000.cloud.databricks.com"
    assert "token" not in provider.inputs
    profile = graph.one("aws:iam/instanceProfile:InstanceProfile", "spark-profile")
    assert profile.inputs["role"] == "spark-role"
    registered = graph.one("databricks:index/instanceProfile:InstanceProfile", "spark-profile")
    assert registered.inputs["instanceProfileArn"] == "arn:aws:iam:::spark-profile"
    assert inputs["awsAttributes"]["instanceProfileArn"] == "arn:aws:iam:::spark-profile"
    assert graph.depends_on(cluster, registered)
    trust = json.loads(graph.one("aws:iam/role:Role", "spark-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}


def test_requirements_include_engine_sdk() -> None:
    infra = _compile("aws")
    assert "pulumi-databricks>=1.100,<2" in infra.requirements
    assert "pulumi-databricks>=1.100,<2" in infra.requirements_txt()


# -- Azure ---------------------------------------------------------------------------------
def test_azure_function_app(programs) -> None:
    directory, graph = programs["azure"]
    app = graph.one("azure-native:web:WebApp", "az_scorer")
    inputs = app.inputs
    identity = graph.one("azure-native:managedidentity:UserAssignedIdentity", "az_scorer-identity")
    assert inputs["kind"] == "functionapp,linux" and inputs["httpsOnly"] is True
    assert inputs["identity"]["type"] == "UserAssigned"
    assert graph.depends_on(app, identity)
    plan = graph.one("azure-native:web:AppServicePlan", "az_scorer-plan")
    assert plan.inputs["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    assert graph.depends_on(app, plan)
    flex = inputs["functionAppConfig"]
    assert flex["runtime"] == {"name": "python", "version": "3.11"}
    assert flex["scaleAndConcurrency"] == {"instanceMemoryMB": 2048, "maximumInstanceCount": 20}
    assert flex["deployment"]["storage"]["authentication"]["type"] == "UserAssignedIdentity"
    settings = {s["name"]: s.get("value") for s in inputs["siteConfig"]["appSettings"]}
    assert settings["LOG_LEVEL"] == "INFO"
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["AzureWebJobsStorage__clientId"] == "client-az_scorer-identity"
    assert not any("AccountKey" in str(v) for v in settings.values())
    blob = graph.one("azure-native:storage:Blob", "az_scorer-package")
    assert blob.inputs["blobName"] == "score.zip"
    assert graph.depends_on(app, blob)
    assert (directory / "build" / "az_scorer.zip").is_file()
    host = {r.name: r.inputs for r in graph.of_type(RA)}["az_scorer-host-storage"]
    account = next(
        r for r in graph.of_type("azure-native:storage:StorageAccount") if "azscorer" in r.name
    )
    assert host["scope"] == f"{account.name}-id"  # the function's own account only
    # data access: nothing declared for this handler, so no container grants
    assert not [n for n in (r.name for r in graph.of_type(RA)) if n.startswith("az_scorer-read")]


def test_synapse_pool(programs) -> None:
    _, graph = programs["azure"]
    workspace = graph.one("azure-native:synapse:Workspace", "synapse")
    assert workspace.inputs["workspaceName"] == "glacier-ws"
    identity = graph.one("azure-native:managedidentity:UserAssignedIdentity", "synapse-identity")
    assert workspace.inputs["identity"]["type"] == "SystemAssigned,UserAssigned"
    assert graph.depends_on(workspace, identity)
    pool = graph.one("azure-native:synapse:BigDataPool", "synapse-pool")
    inputs = pool.inputs
    assert inputs["bigDataPoolName"] == "glacierpool" and inputs["nodeSize"] == "Medium"
    assert inputs["autoScale"] == {"enabled": True, "minNodeCount": 3, "maxNodeCount": 10}
    assert inputs["autoPause"] == {"enabled": True, "delayInMinutes": 15}
    assert inputs["sparkVersion"] == "3.4"
    assert graph.depends_on(pool, workspace)
    assignments = {r.name: r.inputs for r in graph.of_type(RA)}
    assert "StringStartsWith 'raw/'" in assignments["synapse-read-orders"]["condition"]
    assert "StringStartsWith 'curated/'" in assignments["synapse-write-orders"]["condition"]
    for mode in ("read", "write"):
        staging = assignments[f"synapse-staging-{mode}"]
        assert "StringStartsWith '_glacier/jobs/'" in staging["condition"]
        assert staging["scope"] == "staging-id"


def test_databricks_on_azure_uses_access_connector() -> None:
    from neutral_pipeline import azure_pipeline

    from glacier import PulumiCompiler
    from tests.compiler.mockrun import run_program

    with tempfile.TemporaryDirectory() as tmp:
        azure_pipeline.compile(PulumiCompiler()).export_pulumi(tmp)
        graph = run_program(tmp)
    connector = graph.one("azure-native:databricks:AccessConnector", "etl-connector")
    assert connector.inputs["identity"]["type"] == "UserAssigned"
    credential = graph.one("databricks:index/storageCredential:StorageCredential")
    assert credential.inputs["azureManagedIdentity"]["accessConnectorId"] == "etl-connector-id"
    cluster = graph.one("databricks:index/cluster:Cluster", "etl")
    assert cluster.inputs["nodeTypeId"] == "Standard_D4s_v3"
    assert cluster.inputs["numWorkers"] == 2


# -- GCP -----------------------------------------------------------------------------------
def test_cloud_function(programs) -> None:
    directory, graph = programs["gcp"]
    fn = graph.one("gcp:cloudfunctionsv2/function:Function", "gcf_scorer")
    inputs = fn.inputs
    build = inputs["buildConfig"]
    assert build["runtime"] == "python311" and build["entryPoint"] == "glacier_entry"
    source = graph.one("gcp:storage/bucketObject:BucketObject", "gcf_scorer-source")
    assert build["source"]["storageSource"]["object"] == "functions/gcf_scorer.zip"
    assert graph.depends_on(fn, source)
    service = inputs["serviceConfig"]
    assert service["availableMemory"] == "1Gi" and service["timeoutSeconds"] == 120
    assert service["maxInstanceCount"] == 10 and service["ingressSettings"] == "ALLOW_INTERNAL_ONLY"
    assert service["environmentVariables"] == {"LOG_LEVEL": "INFO"}
    assert service["serviceAccountEmail"].startswith("gcf-scorer")
    sources = graph.one("gcp:storage/bucket:Bucket", "glacier-prod-1-glacier-sources")
    assert sources.inputs["publicAccessPrevention"] == "enforced"
    assert (directory / "build" / "gcf_scorer.zip").is_file()


def test_dataproc_cluster_and_serverless(programs) -> None:
    _, graph = programs["gcp"]
    cluster = graph.one("gcp:dataproc/cluster:Cluster", "dataproc")
    config = cluster.inputs["clusterConfig"]
    assert config["masterConfig"]["machineType"] == "n2-standard-8"
    assert config["workerConfig"] == {"numInstances": 3, "machineType": "n2-standard-8"}
    assert config["softwareConfig"]["imageVersion"] == "2.2-debian12"
    assert config["lifecycleConfig"]["idleDeleteTtl"] == "2700s"
    assert config["gceClusterConfig"]["serviceAccount"].startswith("dataproc")
    assert config["gceClusterConfig"]["internalIpOnly"] is True
    assert config["stagingBucket"] == "glacier-orders-staging"
    # serverless batches: only the service account and its grants
    assert [c.name for c in graph.of_type("gcp:dataproc/cluster:Cluster")] == ["dataproc"]
    graph.one("gcp:serviceaccount/account:Account", "batches-sa")
    workers = {r.name: r.inputs for r in graph.of_type("gcp:projects/iAMMember:IAMMember")}
    for name in ("dataproc-dataproc-worker", "batches-dataproc-worker"):
        assert workers[name]["role"] == "roles/dataproc.worker"
        assert workers[name]["condition"]["expression"] == (
            'resource.service != "storage.googleapis.com"'
        )
    members = {r.name: r.inputs for r in graph.of_type(MEMBER)}
    assert "objects/raw/" in members["dataproc-read-glacier-orders"]["condition"]["expression"]
    assert "objects/curated/" in members["batches-read-glacier-orders"]["condition"]["expression"]
    assert "batches-write-glacier-orders" not in members  # gcs_count only reads
    staging = members["dataproc-staging-write"]["condition"]["expression"]
    assert "glacier-orders-staging/objects/_glacier/jobs/" in staging


# -- security and code quality across every compute program --------------------------------
def _bad_wildcard(value: Any) -> bool:
    """``*``/``svc:*`` anywhere, or a ``*`` that is not the trailing part of a specific
    object/log-stream ARN."""
    for item in value if isinstance(value, list) else [value]:
        if not isinstance(item, str):
            continue
        if item == "*" or (item.endswith(":*") and ":log-stream:" not in item):
            return True
        if "*" in item.rstrip("*"):
            return True
    return False


@pytest.mark.parametrize("cloud", ["aws", "azure", "gcp"])
def test_no_wildcard_grants(cloud: str, programs) -> None:
    _, graph = programs[cloud]
    checked = 0
    for res in graph.resources:
        for key in ("policy", "assumeRolePolicy"):
            if res.type == "aws:kms/key:Key" and key in res.inputs:
                assert_key_policy(res.inputs[key])  # "*" there means "this key"
            elif res.type.startswith("aws:") and key in res.inputs:
                for st in json.loads(res.inputs[key])["Statement"]:
                    if st["Effect"] == "Allow":
                        checked += 1
                        assert not _bad_wildcard(st["Action"]), (res.name, st)
                        assert not _bad_wildcard(st.get("Resource", "x")), (res.name, st)
    for role in graph.of_type("azure-native:authorization:RoleDefinition"):
        for perm in role.inputs["permissions"]:
            assert not any("*" in a for a in perm.get("dataActions", []) + perm.get("actions", []))
    for member in graph.of_type(MEMBER):
        checked += 1
        assert member.inputs["role"] not in ("roles/storage.admin", "roles/owner", "roles/editor")
        assert member.inputs.get("condition"), member.name  # every grant prefix-limited
    for ra in graph.of_type(RA):
        checked += 1
        assert "/providers/Microsoft.Authorization/roleDefinitions/" in str(
            ra.inputs["roleDefinitionId"]
        ) or ra.inputs["roleDefinitionId"].endswith("-id")
    assert checked


@pytest.mark.parametrize("cloud", ["aws", "azure", "gcp"])
def test_generated_code_is_clean(cloud: str, programs) -> None:
    directory, _ = programs[cloud]
    files = [directory / "__main__.py", *sorted((directory / "build").rglob("*.py"))]
    for path in files:
        ast.parse(path.read_text())
    generated = [
        str(p)
        for p in files
        if p.name in ("__main__.py", "glacier_handler.py", "function_app.py", "main.py")
    ]
    ruff = Path(sys.executable).with_name("ruff")
    config = ["--config", str(ROOT / "pyproject.toml")]
    for args in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [str(ruff), *args, *config, *generated], capture_output=True, text=True, cwd=ROOT
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_compiling_compute_never_imports_pulumi() -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(EXAMPLE)!r})\n"
        "from compute_pipeline import compile_aws\n"
        "infra = compile_aws()\n"
        "assert infra.ir.build.packages and infra.ir.build.files\n"
        "assert not [m for m in sys.modules if m.startswith('pulumi')], 'pulumi imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
