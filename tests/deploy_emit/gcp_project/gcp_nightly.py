"""A nightly pipeline on GCP: what tests/deploy_emit compiles, runs under mocks and packages.

Runs at 02:00 Paris time (the logical date goes to ``day``); another pipeline runs on each
Parquet file landing in ``lake/landing/``; failures e-mail on-call and POST to a webhook.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from gcp_handlers import score

from glacier import Provider, pipeline, task
from glacier.config import CloudFunctionConfig, DataprocConfig, GcpConfig
from glacier.schedule import Alert, OnWrite, Schedule

gcp = Provider(config=GcpConfig(project="shop-prod", region="europe-west1"), tags={"team": "shop"})
raw = gcp.bucket("shop-lake", path="raw/orders/", name="raw")
clean = gcp.bucket("shop-lake", path="clean/orders/", name="clean")
landing = gcp.bucket("shop-lake", path="landing/", name="landing")
mart = gcp.bucket("shop-mart", path="daily/", name="mart")
scores = gcp.bucket("shop-mart", path="scores/", name="scores")
archive = gcp.bucket("shop-archive", path="exports/", name="archive", existing=True)
spark = gcp.executor("etl", config=DataprocConfig(staging_bucket="shop-staging"))
legacy = gcp.executor(
    "legacy", config=DataprocConfig(cluster_name="legacy-cluster", staging_bucket="shop-staging")
)
batches = gcp.executor(
    "batches", config=DataprocConfig(serverless=True, staging_bucket="shop-staging")
)
scorer = gcp.serverless("shop-score", handler=score, config=CloudFunctionConfig(), name="scorer")


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


@task(executor=batches, depends_on=[aggregate])
def rank(source: Any, destination: Any) -> None:
    destination.write(source.scan())


@task(depends_on=[export, rank])
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
    rank(mart, scores)
    notify(scorer, day)


@task
def load(uri: str, source: Any, destination: Any) -> None:
    """Runs in the driver: reads the landing prefix (the new file is under it)."""
    destination.write(source.scan())


@pipeline(name="ingest", triggers=[OnWrite(landing, suffix=".parquet", param="uri")])
def ingest(uri: str = "") -> None:
    load(uri, landing, clean)
