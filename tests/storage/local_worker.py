"""Child process of the local concurrency tests: writes or reads one local bucket path.

Usage::

    python local_worker.py write BASE PATH WRITER ROUNDS   # writes version (WRITER, r) ROUNDS times
    python local_worker.py read BASE PATH STOP_FILE        # reads until STOP_FILE exists
    python local_worker.py slow BASE PATH ROWS             # one slow streaming write (to be killed)

Every version is recognisable: :func:`version` builds it from (writer, round) and
:func:`check` says whether a frame is exactly one version (a mix of two writes is not).
Prints one JSON line with its counts; exceptions are counted by type, never raised.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

import polars as pl

from glacier import Provider
from glacier.config import LocalConfig

BASE_ROWS = 2_000
#: A reader gives up after this long even if the stop file never appears.
READ_DEADLINE = 300.0


def version(writer: int, round_: int) -> pl.DataFrame:
    """The frame writer ``writer`` writes in round ``round_``: its size encodes both."""
    rows = BASE_ROWS + 7 * writer + round_
    return pl.DataFrame(
        {
            "id": pl.int_range(0, rows, eager=True),
            "writer": pl.repeat(writer, rows, eager=True, dtype=pl.Int64),
            "round": pl.repeat(round_, rows, eager=True, dtype=pl.Int64),
        }
    ).with_columns(part=pl.col("id") % 3)


def check(frame: pl.DataFrame) -> str | None:
    """None when ``frame`` is exactly one version, else what is wrong."""
    if frame.is_empty():
        return "empty"
    writers, rounds = frame["writer"].unique(), frame["round"].unique()
    if len(writers) != 1 or len(rounds) != 1:
        return f"mix of writers {writers.to_list()} / rounds {rounds.to_list()}"
    expected = version(int(writers[0]), int(rounds[0]))
    got = frame.select(expected.columns).sort("id")
    return None if got.equals(expected) else f"rows differ ({frame.height} rows)"


def bucket(base: str, path: str):  # type: ignore[no-untyped-def]
    return Provider(config=LocalConfig(base_path=Path(base))).bucket("lake", path=path)


def write(base: str, path: str, writer: int, rounds: int) -> dict[str, object]:
    target = bucket(base, path)
    errors: Counter[str] = Counter()
    ok = 0
    for round_ in range(rounds):
        frame = version(writer, round_)
        try:
            if target.is_dataset:
                target.write(frame.lazy() if round_ % 2 else frame, partition_by=["part"])
            else:
                target.write(frame.lazy() if round_ % 2 else frame)
            ok += 1
        except BaseException as exc:  # counted and reported to the test
            errors[f"{type(exc).__module__}.{type(exc).__name__}: {exc}"[:300]] += 1
            traceback.print_exc()
    return {"writes": ok, "errors": dict(errors)}


def read(base: str, path: str, stop_file: str) -> dict[str, object]:
    source = bucket(base, path)
    errors: Counter[str] = Counter()
    bad: Counter[str] = Counter()
    reads = 0
    deadline = time.monotonic() + READ_DEADLINE
    while not os.path.exists(stop_file) and time.monotonic() < deadline:
        try:
            lazy = source.scan()
            time.sleep(random.random() * 0.003)  # let a writer replace what scan() resolved
            problem = check(lazy.collect())
            reads += 1
            if problem:
                bad[problem] += 1
        except BaseException as exc:  # counted and reported to the test
            errors[f"{type(exc).__module__}.{type(exc).__name__}: {exc}"[:300]] += 1
    return {"reads": reads, "bad": dict(bad), "errors": dict(errors)}


def slow(base: str, path: str, rows: int) -> None:
    def produce(values: pl.Series) -> pl.Series:
        print("batch", flush=True)
        time.sleep(0.02)
        return values.hash(7)

    frame = pl.LazyFrame({"id": pl.int_range(0, rows, eager=True)}).with_columns(
        x=pl.col("id").map_batches(produce, is_elementwise=True, return_dtype=pl.UInt64),
        part=pl.col("id") % 3,
    )
    target = bucket(base, path)
    print("writing", flush=True)
    target.write(frame)
    print("done", flush=True)


def main(argv: list[str]) -> None:
    mode, base, path, *rest = argv
    if mode == "write":
        print(json.dumps(write(base, path, int(rest[0]), int(rest[1]))), flush=True)
    elif mode == "read":
        print(json.dumps(read(base, path, rest[0])), flush=True)
    elif mode == "slow":
        slow(base, path, int(rest[0]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
