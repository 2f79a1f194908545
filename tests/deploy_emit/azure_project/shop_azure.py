"""A nightly pipeline on Azure: what tests/deploy_emit compiles, runs under mocks and packages.

Runs at 02:00 Paris time (the logical date goes to ``day``); another pipeline runs on each
Parquet file landing in ``lake/landing/``; failures e-mail on-call and POST to a webhook.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shop_handlers_azure import score

from glacier import Provider, pipeline, task
from glacier.config import AzureConfig, AzureFunctionConfig, SynapseConfig
from glacier.schedule import Alert, OnWrite, Schedule

azure = Provider(
    config=AzureConfig(location="westeurope", storage_account="shoplake01"),
    tags={"team": "shop"},
)
raw = azure.bucket("lake", path="raw/orders/", name="raw")
clean = azure.bucket("lake", path="clean/orders/", name="clean")
landing = azure.bucket("lake", path="landing/", name="landing")
mart = azure.bucket("mart", path="daily/", name="mart")
archive = azure.bucket("archive", path="exports/", name="archive", existing=True)
spark = azure.executor(
    "etl", config=SynapseConfig(workspace_name="shop-ws", staging_bucket="staging")
)
legacy = azure.executor(
    "legacy",
    config=SynapseConfig(
        workspace_name="legacy-ws", existing_spark_pool="nightlypool", staging_bucket="staging"
    ),
)
scorer = azure.serverless("shop-score", handler=score, config=AzureFunctionConfig(), name="scorer")


@task
def tidy(source: Any, destination: Any) -> None:
    """Runs in the driver."""
    destination.write(source.scan())


@task(executor=spark, depends_on=[tidy])
def aggregate(source: Any, destination: Any) -> None:
    destination.write(source.scan())


@task(executor=legacy, depends_on=[aggregate])
def export(source: Any, destination: Any) -> None:
    destination.write(source.scan())


@task(depends_on=[export])
def notify(fn: Any, day: date) -> Any:
    return fn.invoke({"day": str(day)})


ALERT = Alert(email="oncall@example.com", webhook="https://hooks.example.com/glacier")


@pipeline(
    name="nightly",
    schedule=Schedule(cron="0 2 * * *", timezone="Europe/Paris", param="day"),
    on_failure=ALERT,
)
def nightly(day: date) -> None:
    tidy(raw, clean)
    aggregate(clean, mart)
    export(mart, archive)
    notify(scorer, day)


@task
def load(uri: str, source: Any, destination: Any) -> None:
    """Runs in the driver: reads the landing prefix (the new file is under it)."""
    destination.write(source.scan())


@pipeline(name="ingest", triggers=[OnWrite(landing, suffix=".parquet", param="uri")])
def ingest(uri: str = "") -> None:
    load(uri, landing, clean)
