"""The project's own module: imported by the pipeline, so it is packed in the artifact."""

import polars as pl


def _lazy(frame):
    return frame if isinstance(frame, pl.LazyFrame) else frame.scan()


def enrich(orders, customers, rates) -> pl.LazyFrame:
    return (
        _lazy(orders)
        .join(_lazy(customers), on="customer")
        .join(_lazy(rates), on="currency")
        .with_columns((pl.col("amount") * pl.col("rate")).alias("amount_eur"))
    )


def enrich_frame(orders, customers, rates) -> pl.DataFrame:
    """The join, run on the executor."""
    return enrich(orders, customers, rates).collect()


def summarize(enriched: pl.LazyFrame) -> pl.DataFrame:
    return (
        enriched.group_by("country")
        .agg(pl.col("amount_eur").sum().round(6).alias("total_eur"), pl.len().alias("orders"))
        .sort("country")
        .collect()
    )
