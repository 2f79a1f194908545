"""Sales pipeline written against the Glacier V2 API (input for `glacier migrate`).

Runs entirely on the local backend: writes a small sales table, cleans it in a pipeline
and prints a summary of the result. Migrate it with ``glacier migrate examples/v2``.
"""

import polars as pl

from glacier import pipeline, task
from glacier.providers import LocalProvider

# V2: one provider class per cloud.
provider = LocalProvider(base_path="./data")

# V2: separate source and sink methods instead of bucket().
raw_sales = provider.bucket_source("sales", path="raw/sales.parquet")
clean_sales = provider.bucket_sink("sales", path="clean/sales.parquet")


@task
def load_sales(source):
    """Read the raw sales table."""
    return source.scan()


@task(depends_on=[load_sales])
def clean(df: pl.LazyFrame) -> pl.LazyFrame:
    """Drop refunds and zero-amount rows."""
    return df.filter(pl.col("amount") > 0)


@task(depends_on=[clean])
def save(df: pl.LazyFrame, destination) -> None:
    """Write the cleaned table."""
    destination.write(df.collect())


@pipeline(name="sales_v2")
def sales_pipeline():
    """load → clean → save."""
    df = load_sales(raw_sales)
    cleaned = clean(df)
    save(cleaned, clean_sales)


if __name__ == "__main__":
    raw_sales.write(
        pl.DataFrame(
            {
                "region": ["north", "south", "north", "east", "south"],
                "amount": [120.0, -15.0, 80.0, 0.0, 200.0],
            }
        )
    )
    sales_pipeline.run()
    result = clean_sales.scan().collect()
    print(f"rows={result.height} total={result['amount'].sum():.1f}")
