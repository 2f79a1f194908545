"""The usage examples of the design document (Examples 1-5), completed into pipelines.

Each ``exampleN(...)`` builds the example's providers, resources and tasks and returns its
pipelines; ``tests/compiler/test_design_examples.py`` compiles every one on the clouds it names
and runs the generated programs under Pulumi's mocks. Where the design shows a fragment
(``# ... define pipeline ...``), the missing tasks are the smallest that use its resources.

Run one locally: ``python examples/design_examples.py`` runs Example 2 on the local default.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from glacier import Provider, pipeline, task
from glacier.dag.pipeline import Pipeline


def example1() -> Pipeline:
    """Example 1: a basic cloud-agnostic pipeline on AWS."""
    from glacier.config import AwsConfig, S3Config

    provider = Provider(config=AwsConfig(region="us-east-1"))
    raw_data = provider.bucket(
        bucket_name="my-data-lake",
        path="raw/sales.parquet",
        config=S3Config(versioning=True),
    )
    output_bucket = provider.bucket(bucket_name="my-data-lake", path="processed/sales.parquet")

    @task
    def load_data(source: Any) -> pl.LazyFrame:
        return source.scan()

    @task(depends_on=[load_data])
    def clean_data(df: pl.LazyFrame) -> pl.LazyFrame:
        return df.filter(pl.col("amount") > 0)

    @task(depends_on=[clean_data])
    def save_data(df: pl.LazyFrame, destination: Any) -> None:
        destination.write(df)

    @pipeline(name="sales_pipeline")
    def sales_pipeline() -> None:
        df = load_data(raw_data)
        cleaned = clean_data(df)
        save_data(cleaned, output_bucket)

    return sales_pipeline


def example2(cloud: str) -> Pipeline:
    """Example 2: the same pipeline code on any provider (``local``, ``aws``, ``azure``,
    ``gcp``)."""
    from glacier.config import AwsConfig, AzureConfig, GcpConfig, LocalConfig

    providers = {
        "local": lambda: Provider(config=LocalConfig(base_path="./data")),
        "aws": lambda: Provider(config=AwsConfig(region="us-west-2", profile="staging")),
        "azure": lambda: Provider(
            config=AzureConfig(
                resource_group="prod-data-rg", location="eastus", subscription_id="xxx"
            )
        ),
        "gcp": lambda: Provider(config=GcpConfig(project="my-project", region="us-central1")),
    }
    return create_pipeline(providers[cloud]())


def create_pipeline(provider: Provider) -> Pipeline:
    """The design's ``create_pipeline``: the same bucket creation code for any provider."""
    data = provider.bucket("data-lake", path="input.parquet")
    output = provider.bucket("data-lake", path="output.parquet")

    @task
    def transform() -> None:
        output.write(data.scan().filter(pl.col("amount") > 0))

    @pipeline(name="data_lake")
    def data_lake() -> None:
        transform()

    return data_lake


def example3() -> Pipeline:
    """Example 3: executors as resources (Databricks and Glue on AWS)."""
    from glacier.config import AwsConfig, DatabricksConfig, GlueConfig

    provider = Provider(config=AwsConfig(region="us-east-1"))
    data_source = provider.bucket("raw-data", path="sales.parquet")
    output = provider.bucket("processed-data", path="aggregated.parquet")
    databricks_executor = provider.executor(
        name="analytics-cluster",
        config=DatabricksConfig(
            instance_type="m5.xlarge",
            num_workers=4,
            spark_version="13.3.x-scala2.12",
            staging_bucket="processed-data",
        ),
    )
    glue_executor = provider.executor(
        name="etl-job",
        config=GlueConfig(worker_type="G.1X", num_workers=5, glue_version="4.0"),
    )

    @task(executor=databricks_executor)
    def heavy_transform(source: Any) -> pl.LazyFrame:
        return source.scan().with_columns(pl.col("revenue").rolling_mean(window_size=7))

    @task(executor=glue_executor, depends_on=[heavy_transform])
    def save_results(df: pl.LazyFrame) -> None:
        output.write(df)

    @pipeline(name="executors")
    def executors() -> None:
        save_results(heavy_transform(data_source))

    return executors


def example4() -> list[Pipeline]:
    """Example 4: the same Databricks config shape on AWS and on Azure."""
    from glacier.config import AwsConfig, AzureConfig

    on_aws = _on_databricks(Provider(config=AwsConfig(region="us-east-1")), "m5.xlarge")
    on_azure = _on_databricks(
        Provider(config=AzureConfig(resource_group="prod-rg", location="eastus")),
        "Standard_D4s_v3",
    )
    return [on_aws, on_azure]


def _on_databricks(provider: Provider, instance_type: str) -> Pipeline:
    """A daily aggregation on a Databricks cluster of ``provider``'s cloud."""
    from glacier.config import DatabricksConfig

    cluster = provider.executor(
        name="analytics-cluster",
        config=DatabricksConfig(
            instance_type=instance_type, num_workers=4, staging_bucket="analytics"
        ),
    )
    events = provider.bucket("analytics", path="events/")
    daily = provider.bucket("analytics", path="daily/")

    @task(executor=cluster)
    def aggregate(source: Any, target: Any) -> None:
        target.write(source.scan().group_by("day").agg(pl.len()))

    @pipeline(name=f"databricks_{type(provider.config).cloud}")
    def on_databricks() -> None:
        aggregate(events, daily)

    return on_databricks


def example5() -> Pipeline:
    """Example 5: provider-specific configs of two Glacier buckets on one S3 bucket."""
    from glacier.config import AwsConfig, S3Config

    provider = Provider(config=AwsConfig(region="us-east-1"))
    high_perf_bucket = provider.bucket(
        bucket_name="analytics-data",
        path="hot-data/",
        config=S3Config(
            versioning=False,
            encryption="aws:kms",
            lifecycle_rules=[
                {"id": "archive-old-data", "transition": {"days": 30, "storage_class": "GLACIER"}}
            ],
        ),
    )
    cold_storage = provider.bucket(
        bucket_name="analytics-data",
        path="archive/",
        config=S3Config(
            lifecycle_rules=[
                {
                    "id": "immediate-archive",
                    "transition": {"days": 0, "storage_class": "DEEP_ARCHIVE"},
                }
            ]
        ),
    )

    @task
    def archive() -> None:
        cold_storage.write(high_perf_bucket.scan())

    @pipeline(name="tiering")
    def tiering() -> None:
        archive()

    return tiering


if __name__ == "__main__":
    from glacier.config import LocalConfig

    local = Provider(config=LocalConfig(base_path="./data"))
    local.bucket("data-lake", path="input.parquet").write(pl.DataFrame({"amount": [3, -1, 5]}))
    example2("local").run()
