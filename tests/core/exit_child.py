"""Child for test_exit_guard: a Polars query whose UDF fails on one thread while another
thread is still inside the UDF, then an interpreter exit that takes a while to finalize.

Usage: python exit_child.py MODE BASE, MODE one of
  plain      - plain Polars ``sink_parquet``;
  glacier    - the same query written by a Glacier task (local bucket under BASE);
  unguarded  - as glacier, with the exit guard disabled.
Exits 3 when the failure was caught; a SIGABRT means a native thread was killed mid-call.
"""

from __future__ import annotations

import builtins
import sys
import threading
import time

import polars as pl


class SlowFinalize:
    """Sleeps (GIL released) while the interpreter finalizes, the window in which a native
    thread asking for the GIL is ended with pthread_exit."""

    def __del__(self, time: object = time) -> None:
        time.sleep(0.5)  # type: ignore[attr-defined]


builtins._glacier_slow_finalize = SlowFinalize()  # type: ignore[attr-defined]  # torn down last
in_udf = threading.Event()


def udf(s: pl.Series) -> pl.Series:
    if s[0] == 0:  # the first morsel fails once another thread is inside the UDF
        in_udf.wait(5)
        raise ValueError("boom")
    in_udf.set()
    time.sleep(0.2)
    return s


def frame() -> pl.LazyFrame:
    ids = pl.int_range(0, 2_000_000, eager=True)
    return pl.LazyFrame({"id": ids}).with_columns(
        x=pl.col("id").map_batches(udf, is_elementwise=True, return_dtype=pl.Int64)
    )


def main(mode: str, base: str) -> None:
    if mode == "plain":
        try:
            frame().sink_parquet(f"{base}/out.parquet")
        except Exception:
            sys.exit(3)
        return
    import os

    os.environ["GLACIER_LOCAL_BASE_PATH"] = base
    if mode == "unguarded":
        import glacier.exit_guard

        glacier.exit_guard.arm = lambda: None
    from glacier import Provider, pipeline, task

    out = Provider.from_env().bucket("lake", path="out.parquet")

    @task
    def write() -> None:
        out.write(frame())

    @pipeline(name="exit_guard")
    def run() -> None:
        write()

    try:
        run.run()
    except Exception:
        sys.exit(3)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
