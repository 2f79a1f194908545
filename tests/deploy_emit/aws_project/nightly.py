"""A nightly pipeline on AWS: what tests/deploy_emit compiles, runs under mocks and packages.

Runs at 02:00 Paris time (the logical date goes to ``day``); another pipeline runs on each
Parquet file landing in ``lake/landing/``; failures e-mail on-call and POST to a webhook.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shop_handlers import score

from glacier import Provider, pipeline, task
from glacier.config import AwsConfig, GlueConfig, LambdaConfig
from glacier.schedule import Alert, OnWrite, Schedule

aws = Provider(config=AwsConfig(region="eu-west-1"), tags={"team": "shop"})
raw = aws.bucket("shop-lake", path="raw/orders/", name="raw")
clean = aws.bucket("shop-lake", path="clean/orders/", name="clean")
landing = aws.bucket("shop-lake", path="landing/", name="landing")
mart = aws.bucket("shop-mart", path="daily/", name="mart")
archive = aws.bucket("shop-archive", path="exports/", name="archive", existing=True)
glue = aws.executor("etl", config=GlueConfig(staging_bucket="shop-staging"))
legacy = aws.executor(
    "legacy", config=GlueConfig(job_name="legacy-nightly", staging_bucket="shop-staging")
)
scorer = aws.serverless("shop-score", handler=score, config=LambdaConfig(), name="scorer")


@task
def tidy(source: Any, destination: Any) -> None:
    """Runs in the driver."""
    destination.write(source.scan())


@task(executor=glue, depends_on=[tidy])
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
