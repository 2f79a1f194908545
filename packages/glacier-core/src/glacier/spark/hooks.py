"""Registers the built-in ``spark`` plugin (SparkConfig → SparkSubmitAdapter)."""

from __future__ import annotations

from glacier.models import GlacierModel
from glacier.plugins import ExecutorBackend, hookimpl
from glacier.spark.config import SparkConfig


@hookimpl
def glacier_configs() -> list[type[GlacierModel]]:
    return [SparkConfig]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    # A Spark cluster is reachable from any provider: no provider restriction.
    return [ExecutorBackend(config=SparkConfig, adapter="glacier.spark.adapter:SparkSubmitAdapter")]
