"""Every usage example of the design document that names a cloud compiles on that cloud and
its program runs under Pulumi's mocks with the real provider SDKs (examples/design_examples.py).

The escape-hatch example is covered on each cloud by test_compiler_*.py,
test_azure_accounts.py and test_gcp_escape_hatch.py; Example 5 in detail by
test_shared_buckets.py.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

from glacier.compiler import PulumiCompiler
from tests.compiler.conftest import ROOT

sys.path.insert(0, str(ROOT / "examples"))

import design_examples

PROVIDER_TYPES = {
    "aws": "pulumi:providers:aws",
    "azure": "pulumi:providers:azure-native",
    "gcp": "pulumi:providers:gcp",
}


def _buckets(graph: Any) -> set[str]:
    names = set()
    for type_ in ("aws:s3/bucket:Bucket", "gcp:storage/bucket:Bucket"):
        names |= {r.inputs.get("bucket") or r.inputs.get("name") for r in graph.of_type(type_)}
    names |= {
        r.inputs.get("containerName") for r in graph.of_type("azure-native:storage:BlobContainer")
    }
    return names


CASES: dict[str, tuple[Callable[[], Any], str, set[str]]] = {
    "example1-aws": (design_examples.example1, "aws", {"my-data-lake"}),
    "example2-aws": (lambda: design_examples.example2("aws"), "aws", {"data-lake"}),
    "example2-azure": (lambda: design_examples.example2("azure"), "azure", {"data-lake"}),
    "example2-gcp": (lambda: design_examples.example2("gcp"), "gcp", {"data-lake"}),
    "example3-aws": (design_examples.example3, "aws", {"raw-data", "processed-data"}),
    "example4-aws": (lambda: design_examples.example4()[0], "aws", {"analytics"}),
    "example4-azure": (lambda: design_examples.example4()[1], "azure", {"analytics"}),
    "example5-aws": (design_examples.example5, "aws", {"analytics-data"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_design_example_compiles_and_runs_under_mocks(case: str, export_and_run) -> None:
    build, cloud, buckets = CASES[case]
    infra = build().compile(PulumiCompiler())
    _, graph = export_and_run(infra)
    assert graph.of_type(PROVIDER_TYPES[cloud]), f"no {cloud} provider in {case}"
    assert buckets <= _buckets(graph), f"{case}: buckets {buckets - _buckets(graph)} missing"


def test_example3_runs_each_task_on_its_engine(export_and_run) -> None:
    _, graph = export_and_run(design_examples.example3().compile(PulumiCompiler()))
    assert graph.of_type("aws:glue/job:Job")  # Glue job for etl-job
    assert graph.of_type("databricks:index/cluster:Cluster")  # the analytics cluster
    roles = {r.name for r in graph.of_type("aws:iam/role:Role")}
    assert {"analytics-cluster-role", "etl-job-role"} <= roles


def test_example4_same_databricks_config_two_clouds(export_and_run) -> None:
    aws, azure = design_examples.example4()
    _, on_aws = export_and_run(aws.compile(PulumiCompiler()), "aws")
    _, on_azure = export_and_run(azure.compile(PulumiCompiler()), "azure")
    (aws_cluster,) = on_aws.of_type("databricks:index/cluster:Cluster")
    (azure_cluster,) = on_azure.of_type("databricks:index/cluster:Cluster")
    assert aws_cluster.inputs["nodeTypeId"] == "m5.xlarge"
    assert azure_cluster.inputs["nodeTypeId"] == "Standard_D4s_v3"
    assert on_aws.of_type("aws:iam/instanceProfile:InstanceProfile")
    assert on_azure.of_type("azure-native:databricks:AccessConnector")
