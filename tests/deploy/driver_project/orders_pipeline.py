"""A multi-cloud pipeline as a user writes it: orders on S3, customers on Azure Blob, rates on
GCS; the join runs on Databricks (staging and cluster from the deployment record), the summary
is written back to every cloud. Configs come from the environment, nothing else changes when
it is deployed.

The task that runs on Databricks lives in ``transforms`` (a module without side effects): an
engine imports the task's module, and this one builds providers from the driver's
environment when imported."""

import polars as pl
from transforms import enrich_frame, summarize

from glacier import Provider, pipeline, task
from glacier.config import AwsConfig, AzureConfig, DatabricksConfig, GcpConfig

aws = Provider(config=AwsConfig.from_env())
azure = Provider(config=AzureConfig.from_env())
gcp = Provider(config=GcpConfig.from_env())

orders_s3 = aws.bucket("driver-lake", path="raw/orders.parquet")
customers_blob = azure.bucket("driver-lake", path="raw/customers.parquet")
rates_gcs = gcp.bucket("driver-lake", path="raw/rates.parquet")
outputs = [
    aws.bucket("driver-lake", path="out/summary.parquet", name="summary-s3"),
    azure.bucket("driver-lake", path="out/summary.parquet", name="summary-blob"),
    gcp.bucket("driver-lake", path="out/summary.parquet", name="summary-gcs"),
]
dbx = aws.executor("dbx", config=DatabricksConfig())


@task
def load(source) -> pl.LazyFrame:
    return source.scan()


join = task(enrich_frame, executor=dbx, name="join")


@task
def report(enriched: pl.LazyFrame) -> pl.DataFrame:
    return summarize(enriched)


@task
def save(frame: pl.DataFrame, s3, blob, gcs) -> int:
    for destination in (s3, blob, gcs):
        destination.write(frame)
    return frame.height


@pipeline(name="orders-driver")
def orders() -> None:
    enriched = join(load(orders_s3), load(customers_blob), load(rates_gcs))
    save(report(enriched), *outputs)
