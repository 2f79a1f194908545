"""SparkConfig: run a task with spark-submit on any Spark cluster (standalone, YARN, k8s)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from glacier.models import ExecutorConfig


class SparkConfig(ExecutorConfig):
    """An existing Spark cluster reached with ``spark-submit`` (client deploy mode: the task's
    Python driver runs on this machine and registers with ``master``).

    ``spark_home`` defaults to ``$SPARK_HOME``, then the ``pyspark`` package's own
    ``spark-submit``, then ``spark-submit`` on ``PATH``. ``staging_bucket`` (a bucket of the
    executor's provider) holds job packages and results; without one they go to a temporary
    folder on this machine, which is enough for ``local[*]`` and a cluster on this host.
    """

    engine: ClassVar[str] = "spark"
    existing_fields: ClassVar[tuple[str, ...]] = ("master",)

    master: str = Field(
        description="Spark master URL: spark://host:7077, yarn, k8s://https://..., local[2]."
    )
    spark_home: str | None = Field(default=None, description="Spark installation folder.")
    conf: dict[str, str] = Field(
        default_factory=dict, description="Extra --conf key=value settings for spark-submit."
    )
    deploy_mode: Literal["client"] = Field(
        default="client", description="Python drivers run in client mode (the Spark default)."
    )
    python: str | None = Field(
        default=None,
        description="Python for driver and workers (PYSPARK_PYTHON); default: this interpreter.",
    )
    submit_args: list[str] = Field(
        default_factory=list, description="Extra spark-submit arguments (--packages, ...)."
    )
