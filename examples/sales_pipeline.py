"""The design's Example 1 on the local default.

Run it:  glacier run examples/sales_pipeline.py     (or: python examples/sales_pipeline.py)
Draw it: glacier graph examples/sales_pipeline.py

The first task writes deterministic sample input when there is none, so the file runs on a
fresh machine; replace it with your real source.

The provider comes from the environment, so the same file runs on a cloud once its plugin is
installed: set AWS_REGION (glacier-aws), AZURE_STORAGE_ACCOUNT (glacier-azure) or GCP_PROJECT
(glacier-gcp). With none of them set, data lives under ./data (GLACIER_LOCAL_BASE_PATH).
Bucket names come from GLACIER_EXAMPLE_BUCKET (default "sales-lake").
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import polars as pl

from glacier import Provider, pipeline, task

provider = Provider.from_env(tags={"team": "analytics", "pipeline": "sales"})
BUCKET = os.environ.get("GLACIER_EXAMPLE_BUCKET", "sales-lake")

raw = provider.bucket(BUCKET, path="raw/sales.parquet", name="raw_sales")
out = provider.bucket(BUCKET, path="processed/sales_by_category.parquet", name="sales_by_category")


def sample_sales(rows: int = 10_000, seed: int = 7) -> pl.DataFrame:
    """Deterministic sample data: some refunds (negative amounts) and zero rows to clean."""
    start = datetime(2026, 1, 1)
    idx = pl.int_range(0, rows, eager=True)
    return pl.DataFrame(
        {
            "id": idx,
            "category": (idx * 7919 % 100).map_elements(lambda i: f"cat_{i:02d}", pl.String),
            "amount": ((idx * 104729 + seed) % 20_000 - 2_000).cast(pl.Float64) / 100,
            "timestamp": [start + timedelta(minutes=int(i)) for i in idx],
        }
    )


@task
def sample_input(destination):
    """Write the sample sales data once (stands in for a real upstream system)."""
    if not destination.exists():
        destination.write(sample_sales())


@task(depends_on=[sample_input])
def load(source):
    return source.scan()


@task(depends_on=[load])
def clean(df: pl.LazyFrame) -> pl.LazyFrame:
    return df.filter(pl.col("amount") > 0)


@task(depends_on=[clean])
def aggregate(df: pl.LazyFrame) -> pl.LazyFrame:
    return (
        df.group_by("category")
        .agg(pl.col("amount").sum().alias("revenue"), pl.len().alias("orders"))
        .sort("category")
    )


@task(depends_on=[aggregate])
def save(df: pl.LazyFrame, destination):
    destination.write(df)


@pipeline(name="sales")
def sales():
    sample_input(raw)
    save(aggregate(clean(load(raw))), out)


if __name__ == "__main__":
    from glacier.dag.progress import summary_table

    result = sales.run(progress=True)
    print(summary_table(result))
    print(out.read().head(5))
