"""Registers the built-in ``spark`` plugin (SparkConfig -> SparkSubmitAdapter)."""

from __future__ import annotations

from glacier.plugins import ExecutorBackend, hookimpl

SPARK_CONFIG = "glacier.spark.config:SparkConfig"


@hookimpl
def glacier_configs() -> list[str]:
    return [SPARK_CONFIG]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    # A Spark cluster is reachable from any provider: no provider restriction.
    return [
        ExecutorBackend(config=SPARK_CONFIG, adapter="glacier.spark.adapter:SparkSubmitAdapter")
    ]
