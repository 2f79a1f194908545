"""Spark support in core: ``SparkConfig`` executors (spark-submit to any Spark cluster) and the
job-package staging that every Python-on-Spark engine shares (Databricks, Glue, Dataproc,
Synapse, EMR).

pyspark is not a dependency of glacier-core: ``spark-submit`` is found when a job is
submitted, and :func:`session` imports pyspark only when called inside a Spark driver.
"""

from __future__ import annotations

from typing import Any


def session() -> Any:
    """The active SparkSession of the job's driver (inside a task running on a Spark engine).

    Raises RuntimeError when the task does not run in a Spark driver.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("glacier.spark.session() needs pyspark (pip install pyspark)") from exc
    active = SparkSession.getActiveSession()
    if active is None:
        raise RuntimeError(
            "No active SparkSession: glacier.spark.session() works inside a task that runs on a "
            "Spark executor (SparkConfig, DatabricksConfig, GlueConfig, ...)."
        )
    return active


__all__ = ["session"]
