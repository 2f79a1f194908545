"""A pipeline whose every task runs on Databricks, compiled to ONE Databricks Job
(``DatabricksConfig(orchestrate="job")``): orders from S3 are cleaned twice (``clean#2``:
two calls of one task), joined on another executor (its own staging bucket: it reads the
first executor's staged outputs), counted (a JSON value) and saved after the count
(``depends_on`` without data). Configs come from the environment (moto S3 in the tests).

``flow_local`` is the same DAG of the same functions with no executor: the reference a
normal ``pipeline.run()`` computes, to compare the job's task-by-task run against. A task
of the job receives an upstream frame as a ``LazyFrame`` (as any executor task does), one
of ``flow_local`` gets what the upstream returned: the functions take either (``.lazy()``).
"""

from datetime import date

import polars as pl

from glacier import Provider, pipeline, task
from glacier.config import AwsConfig, DatabricksConfig
from glacier.schedule import Alert

aws = Provider(config=AwsConfig.from_env())
orders = aws.bucket("dbx-job-lake", path="raw/orders.parquet")
summary = aws.bucket("dbx-job-lake", path="out/summary.parquet", name="summary")
etl = aws.executor(
    "etl",
    config=DatabricksConfig(
        host="https://dbc-0000.cloud.databricks.com",
        staging_bucket="dbx-job-staging",
        orchestrate="job",
        libraries=["pyyaml"],
    ),
)
ml = aws.executor(
    "ml",
    config=DatabricksConfig(
        host="https://dbc-0000.cloud.databricks.com",
        existing_cluster_id="0101-000000-mlcluster",
        staging_bucket="dbx-job-ml-staging",
        orchestrate="job",
    ),
)


def extract(source) -> pl.LazyFrame:
    return source.scan()


def clean(frame: pl.LazyFrame, minimum: int) -> pl.LazyFrame:
    return frame.filter(pl.col("amount") >= minimum)


def enrich(small: pl.LazyFrame, large: pl.LazyFrame, day: str) -> pl.DataFrame:
    both = pl.concat(
        [small.with_columns(size=pl.lit("small")), large.with_columns(size=pl.lit("large"))]
    )
    return both.with_columns(day=pl.lit(day)).sort("id", "size").collect()


def count(frame: pl.LazyFrame) -> dict[str, int]:
    totals = frame.lazy().select(pl.len().alias("rows"), pl.col("amount").sum()).collect()
    return {"rows": int(totals["rows"][0]), "amount": int(totals["amount"][0])}


def save(frame: pl.LazyFrame, destination) -> int:
    data = frame.lazy().collect()
    destination.write(data)
    return data.height


def _dag(extract_t, clean_t, enrich_t, count_t, save_t, day: date) -> None:
    raw = extract_t(orders)
    small = clean_t(raw, 1)
    large = clean_t(raw, 50)
    joined = enrich_t(small, large, day.isoformat())
    count_t(joined)
    save_t(joined, summary)


extract_job = task(extract, name="extract", executor=etl)
clean_job = task(clean, name="clean", executor=etl, retries=2, retry_delay=30)
enrich_job = task(enrich, name="enrich", executor=ml, timeout=1800)
count_job = task(count, name="count", executor=etl)
save_job = task(save, name="save", executor=etl, depends_on=[count_job])


@pipeline(
    name="dbx-flow",
    schedule="0 2 * * 1-5",
    timezone="Europe/Paris",
    on_failure=[Alert(email="oncall@example.com"), Alert(webhook="https://hooks.example.com/x")],
)
def flow(logical_date: date) -> None:
    _dag(extract_job, clean_job, enrich_job, count_job, save_job, logical_date)


extract_here = task(extract, name="extract")
clean_here = task(clean, name="clean")
enrich_here = task(enrich, name="enrich")
count_here = task(count, name="count")
save_here = task(save, name="save", depends_on=[count_here])


@pipeline(name="dbx-flow-local")
def flow_local(logical_date: date) -> None:
    _dag(extract_here, clean_here, enrich_here, count_here, save_here, logical_date)
