"""Compute everywhere: a pipeline whose compiled program creates its functions and executors.

    glacier compile examples/compute/compute_pipeline.py:aws_compute --out infra/compute

AWS: a Lambda function (code package built from ``compute_handlers``), a Glue job and a
Databricks cluster, each with its own role granted exactly the buckets its tasks use.
``azure_compute`` (Function App + Synapse Spark pool) and ``gcp_compute`` (Cloud Function
gen2 + Dataproc cluster + Dataproc Serverless) are the same idea on the other clouds.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from compute_handlers import score

from glacier import Provider, PulumiCompiler, pipeline, task
from glacier.config import (
    AwsConfig,
    AzureConfig,
    AzureFunctionConfig,
    CloudFunctionConfig,
    DatabricksConfig,
    DataprocConfig,
    GcpConfig,
    GlueConfig,
    LambdaConfig,
    SynapseConfig,
)

TAGS = {"team": "data-platform", "env": "prod"}

# -- AWS: Lambda + Glue + Databricks -------------------------------------------------------
aws = Provider(config=AwsConfig(region="eu-west-1", account_id="123456789012"), tags=TAGS)
raw = aws.bucket("glacier-compute-data", path="raw/orders/", name="raw")
cleaned = aws.bucket("glacier-compute-data", path="clean/orders/", name="cleaned")
report = aws.bucket("glacier-compute-reports", path="daily/report.parquet", name="report")
scorer = aws.serverless(
    "glacier-score",
    handler=score,
    config=LambdaConfig(
        memory_mb=1024,
        timeout_seconds=120,
        architecture="arm64",
        environment={"LOG_LEVEL": "INFO", "THRESHOLD": "100"},
        reserved_concurrency=5,
        log_retention_days=14,
    ),
    name="scorer",
)
glue = aws.executor(
    "etl",
    config=GlueConfig(
        worker_type="G.2X",
        num_workers=4,
        glue_version="5.0",
        timeout_minutes=30,
        staging_bucket="glacier-compute-staging",
    ),
)
spark = aws.executor(
    "spark",
    config=DatabricksConfig(
        instance_type="m5.2xlarge",
        autoscale_min_workers=2,
        autoscale_max_workers=8,
        spark_version="15.4.x-scala2.12",
        host="https://dbc-0000.cloud.databricks.com",
        staging_bucket="glacier-compute-staging",
    ),
)


@task(executor=glue)
def clean(source: Any, destination: Any) -> None:
    """Glue: read raw orders, write the cleaned dataset."""
    destination.write(source.scan().filter(pl.col("amount") > 0))


@task(executor=spark)
def summarise(source: Any, destination: Any) -> None:
    """Databricks: read the cleaned dataset, write the report."""
    destination.write(source.scan().group_by("day").agg(pl.col("amount").sum()))


@task
def notify(fn: Any, day: str) -> Any:
    """Runs where the pipeline runs and invokes the Lambda function."""
    return fn.invoke({"day": day})


@pipeline(name="compute-aws")
def aws_compute() -> None:
    clean(raw, cleaned)
    summarise(cleaned, report)
    notify(scorer, "2024-01-01")


def compile_aws() -> Any:
    """The AWS pipeline; the function reads the report (declared: its handler is generic)."""
    return aws_compute.compile(PulumiCompiler(access={"scorer": {"reads": [report]}}))


# -- Azure: Function App + Synapse ---------------------------------------------------------
azure = Provider(config=AzureConfig(location="westeurope", resource_group="rg-compute"), tags=TAGS)
az_raw = azure.bucket("orders", path="raw/", name="az_raw")
az_out = azure.bucket("orders", path="curated/", name="az_curated")
az_scorer = azure.serverless(
    "score",
    handler=score,
    config=AzureFunctionConfig(
        plan="FlexConsumption",
        instance_memory_mb=2048,
        timeout_seconds=300,
        max_instances=20,
        environment={"LOG_LEVEL": "INFO"},
    ),
    name="az_scorer",
)
synapse = azure.executor(
    "synapse",
    config=SynapseConfig(
        workspace_name="glacier-ws",
        spark_pool_name="glacierpool",
        node_size="Medium",
        node_count=3,
        autoscale_max_nodes=10,
        spark_version="3.4",
        auto_pause_minutes=15,
        staging_bucket="staging",
    ),
)


@task(executor=synapse)
def az_clean(source: Any, destination: Any) -> None:
    destination.write(source.scan().filter(pl.col("amount") > 0))


@pipeline(name="compute-azure")
def azure_compute() -> None:
    az_clean(az_raw, az_out)
    notify(az_scorer, "2024-01-01")


# -- GCP: Cloud Function + Dataproc --------------------------------------------------------
gcp = Provider(config=GcpConfig(project="glacier-prod-1", region="europe-west1"), tags=TAGS)
gcs_raw = gcp.bucket("glacier-orders", path="raw/", name="gcs_raw")
gcs_out = gcp.bucket("glacier-orders", path="curated/", name="gcs_curated")
gcf_scorer = gcp.serverless(
    "score",
    handler=score,
    config=CloudFunctionConfig(
        memory="1Gi",
        timeout_seconds=120,
        max_instances=10,
        environment={"LOG_LEVEL": "INFO"},
    ),
    name="gcf_scorer",
)
dataproc = gcp.executor(
    "dataproc",
    config=DataprocConfig(
        machine_type="n2-standard-8",
        num_workers=3,
        image_version="2.2-debian12",
        idle_delete_minutes=45,
        staging_bucket="glacier-orders-staging",
    ),
)
batches = gcp.executor("batches", config=DataprocConfig(serverless=True))


@task(executor=dataproc)
def gcs_clean(source: Any, destination: Any) -> None:
    destination.write(source.scan().filter(pl.col("amount") > 0))


@task(executor=batches)
def gcs_count(source: Any) -> int:
    return int(source.scan().select(pl.len()).collect().item())


@pipeline(name="compute-gcp")
def gcp_compute() -> None:
    gcs_clean(gcs_raw, gcs_out)
    gcs_count(gcs_out)
    notify(gcf_scorer, "2024-01-01")
