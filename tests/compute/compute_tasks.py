"""Task and handler functions the compute tests ship to engines (importable by path from the
engines' subprocesses, which get this folder on PYTHONPATH)."""

from __future__ import annotations

import time
from typing import Any

import polars as pl


def _lazy(data: Any) -> pl.LazyFrame:
    """Tasks receive a Bucket (passed directly) or a LazyFrame (an upstream result)."""
    return data if isinstance(data, pl.LazyFrame) else data.scan()


def add_total(orders: pl.LazyFrame, factor: float = 1.0) -> pl.DataFrame:
    """A frame task: adds a ``total`` column."""
    return _lazy(orders).with_columns((pl.col("amount") * factor).alias("total")).collect()


def count_rows(orders: pl.LazyFrame) -> dict[str, int]:
    """A value task: returns JSON."""
    return {"rows": _lazy(orders).select(pl.len()).collect().item()}


def explode(orders: pl.LazyFrame) -> int:
    """A failing task with a recognisable message."""
    raise ValueError("boom: negative amounts are not allowed")


def sleepy(seconds: float) -> str:
    """A slow task, for cancellation."""
    time.sleep(seconds)
    return "woke up"


def spark_squares(orders: pl.LazyFrame) -> pl.DataFrame:
    """Runs part of its work on the Spark cluster's executors."""
    from glacier.spark import session

    spark = session()
    frame = _lazy(orders).collect()
    amounts = frame["amount"].to_list()
    squares = spark.sparkContext.parallelize(amounts, 2).map(lambda x: x * x).collect()
    return frame.with_columns(
        pl.Series("amount_sq", squares),
        pl.lit(spark.sparkContext.master).alias("master"),
    )


def handler_double(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """A serverless handler."""
    return {"doubled": [2 * x for x in event.get("values", [])]}


def handler_fail(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """A serverless handler that raises."""
    raise RuntimeError(f"cannot handle {event.get('values')}")


def where_am_i() -> dict[str, str]:
    """Where this task's code and Glacier were imported from (artifact or checkout)."""
    import glacier

    return {"task": __file__, "glacier": str(glacier.__file__)}
