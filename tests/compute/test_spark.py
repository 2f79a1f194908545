"""SparkConfig on a real Spark standalone cluster (master + worker on loopback), in a pipeline
that mixes local tasks, a task on the cluster and a serverless call (local serverless)."""

from __future__ import annotations

import sys

import compute_tasks
import polars as pl
import pytest

from glacier import pipeline, task


@pytest.mark.spark
@pytest.mark.slow
def test_mixed_pipeline_local_spark_cluster_and_serverless(
    provider, orders, spark_master: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glacier.config import SparkConfig

    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    spark = provider.executor(
        "cluster",
        config=SparkConfig(
            master=spark_master,
            staging_bucket="staging",
            conf={
                "spark.ui.enabled": "false",
                "spark.driver.host": "127.0.0.1",
                "spark.driver.memory": "512m",
                "spark.executor.memory": "512m",
                "spark.executor.cores": "1",
            },
        ),
    )
    doubler = provider.serverless("doubler", "compute_tasks:handler_double")
    squares_on_spark = task(compute_tasks.spark_squares, executor=spark)
    out = provider.bucket("lake", path="out/squares.parquet")

    @task
    def clean(raw) -> pl.DataFrame:  # type: ignore[no-untyped-def]
        return raw.read().filter(pl.col("amount") > 0)

    @task
    def call_function(frame: pl.LazyFrame) -> list[float]:
        values = frame.collect()["amount_sq"].to_list()
        return list(doubler.invoke({"values": values})["doubled"])

    @task
    def save(frame: pl.LazyFrame) -> int:
        return out.write(frame).rows or 0

    @pipeline
    def mixed() -> None:
        squared = squares_on_spark(clean(orders))
        save(squared)
        call_function(squared)

    result = mixed.run()

    assert result.ok
    assert result["spark_squares"].executor == "cluster"
    assert result["save"].output == 3
    written = out.read().sort("id")
    assert written["amount_sq"].to_list() == [100.0, 400.0, 900.0]
    assert written["master"].unique().to_list() == [spark_master]
    assert result["call_function"].output == [200.0, 800.0, 1800.0]


def test_spark_submit_missing_is_a_clear_error(
    provider, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    import glacier.spark.adapter as adapter_mod
    from glacier.config import SparkConfig
    from glacier.errors import ConfigError

    monkeypatch.delenv("SPARK_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(adapter_mod.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match="pip install 'pyspark"):
        adapter_mod.find_spark_submit(None)
    executor = provider.executor("s", config=SparkConfig(master="local[1]"))
    assert executor.engine == "spark"
