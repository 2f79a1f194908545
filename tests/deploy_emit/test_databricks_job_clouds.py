"""``DatabricksConfig(orchestrate="job")`` on Google Cloud and Azure workspaces: the Job's
tasks follow the DAG and install the artifact the cloud's emitter uploaded (gs:// on GCP,
abfss:// on Azure). The AWS case, with the tasks really executed, is test_databricks_job.py."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from glacier import PulumiCompiler
from glacier.dag.targets import load_pipeline
from glacier.deploy.artifact import package_pipeline
from glacier.deploy.mockrun import run_isolated

pytest.importorskip("pulumi_databricks")

CLOUDS = {
    "gcp": (
        'GcpConfig(project="glacier-p1", region="europe-west1")',
        "https://1234.1.gcp.databricks.com",
        "gs://dbx-c-staging/_glacier/artifacts/",
    ),
    "azure": (
        'AzureConfig(resource_group="rg", storage_account="dbxacct1", location="westeurope")',
        "https://adb-1234.1.azuredatabricks.net",
        "abfss://dbx-c-staging@dbxacct1.dfs.core.windows.net/_glacier/artifacts/",
    ),
}


def _flow(config: str, host: str) -> str:
    return textwrap.dedent(
        f"""
        from glacier import Provider, pipeline, task
        from glacier.config import AzureConfig, DatabricksConfig, GcpConfig

        provider = Provider(config={config})
        orders = provider.bucket("dbx-c-lake", path="raw/orders.parquet")
        summary = provider.bucket("dbx-c-lake", path="out/summary.parquet", name="summary")
        etl = provider.executor(
            "etl",
            config=DatabricksConfig(
                host="{host}", staging_bucket="dbx-c-staging", orchestrate="job"
            ),
        )

        @task(executor=etl)
        def extract(source):
            return source.scan()

        @task(executor=etl)
        def save(frame, destination):
            destination.write(frame)

        @pipeline(name="cflow")
        def cflow():
            save(extract(orders), summary)
        """
    )


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_the_job_installs_the_artifact_the_cloud_uploaded(cloud: str, tmp_path: Path) -> None:
    config, host, artifacts = CLOUDS[cloud]
    script = tmp_path / "cflow.py"
    script.write_text(_flow(config, host))
    built = package_pipeline(str(script), tmp_path / "artifact")
    infra = load_pipeline(str(script)).compile(PulumiCompiler(artifact=built))
    infra.export_pulumi(tmp_path / "infra")
    graph = run_isolated(tmp_path / "infra")
    (job,) = [r for r in graph.resources if r.type == "databricks:index/job:Job"]
    tasks = {t["taskKey"]: t for t in job.inputs["tasks"]}
    assert sorted(tasks) == ["extract", "save"]
    assert [d["taskKey"] for d in tasks["save"]["dependsOns"]] == ["extract"]
    for t in tasks.values():
        (library,) = t["libraries"]
        assert library["whl"].startswith(artifacts) and library["whl"].endswith(built.path.name)
        assert t["pythonWheelTask"]["parameters"][-4:-2] == ["--task", t["taskKey"]]
    # no container driver next to the Job
    assert not any("cloudrunv2" in r.type or "app/job" in r.type for r in graph.resources)
    # the tasks run on the Job's job cluster, whose nodes take the executor's identity
    (cluster,) = job.inputs["jobClusters"]
    assert {t["jobClusterKey"] for t in tasks.values()} == {cluster["jobClusterKey"]} == {"etl"}
    assert not [r for r in graph.resources if r.type == "databricks:index/cluster:Cluster"]
    nodes = cluster["newCluster"]
    if cloud == "gcp":
        (account,) = [r for r in graph.resources if r.type == "gcp:serviceaccount/account:Account"]
        assert nodes["gcpAttributes"]["googleServiceAccount"].startswith(
            account.inputs["accountId"]
        )
    else:  # Azure: the access connector carries the identity (Unity Catalog credential)
        assert "gcpAttributes" not in nodes and "awsAttributes" not in nodes
        assert [r for r in graph.resources if r.type.endswith("databricks:AccessConnector")]
