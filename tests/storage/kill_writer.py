"""Child process of the kill test: streams a large LazyFrame into one bucket object.

Usage: ``python kill_writer.py BUCKET PATH ROWS``. The backend comes from the environment
(``Provider.from_env()``). Prints ``batch`` after each batch it produces, so the parent can
kill it (SIGKILL) in the middle of the upload.
"""

from __future__ import annotations

import sys
import time

import polars as pl

from glacier import Provider


def slow_hash(values: pl.Series) -> pl.Series:
    """Incompressible values, produced slowly enough to be killed mid-write."""
    print("batch", flush=True)
    time.sleep(0.05)
    return values.hash(7)


def main(bucket_name: str, path: str, rows: int) -> None:
    frame = pl.LazyFrame({"id": pl.int_range(0, rows, eager=True)}).with_columns(
        x=pl.col("id").map_batches(slow_hash, is_elementwise=True, return_dtype=pl.UInt64),
        y=pl.col("id").hash(3),
    )
    print("writing", flush=True)
    Provider.from_env().bucket(bucket_name, path=path).write(frame)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
