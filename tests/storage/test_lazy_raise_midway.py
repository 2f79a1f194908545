"""A LazyFrame that raises half-way through an S3 write must leave the previous object intact.

Regression guard: Polars' native ``sink_parquet("s3://...")`` raises in Python but still
completes the multipart upload about a second later, replacing the object with a truncated
(valid!) Parquet file. LazyFrame writes therefore go through one fsspec file that s3fs aborts
on error. If someone moves LazyFrames to the native sink, this test fails.
"""

from __future__ import annotations

import time

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier import Provider
from tests.storage.storage_servers import CONTRACT_BUCKET

ROWS = 8_000_000


def _raises_after(limit: int):  # type: ignore[no-untyped-def]
    seen = {"rows": 0}

    def check(s: pl.Series) -> pl.Series:
        seen["rows"] += len(s)
        if seen["rows"] > limit:
            raise ValueError("boom mid-way")
        return s.hash(7)

    return check


def test_lazyframe_raising_midway_keeps_previous_object(s3_provider: Provider) -> None:
    bucket = s3_provider.bucket(CONTRACT_BUCKET, path=f"raise-midway-{time.time_ns()}.parquet")
    before = pl.DataFrame({"a": [1, 2, 3]})
    bucket.write(before)
    bad = pl.LazyFrame({"id": pl.int_range(0, ROWS, eager=True)}).with_columns(
        x=pl.col("id").map_batches(
            _raises_after(ROWS // 2), is_elementwise=True, return_dtype=pl.UInt64
        ),
        y=pl.col("id").hash(3),
    )
    with pytest.raises(Exception, match="boom mid-way"):
        bucket.write(bad)
    time.sleep(2.5)  # the native sink completed its upload ~1 s after raising
    assert_frame_equal(bucket.read(), before)
