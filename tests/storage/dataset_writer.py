"""Child process of the concurrent-writer tests: writes one dataset version.

Usage: ``python dataset_writer.py BUCKET PATH WRITER ROUND [FORMAT]``. The backend comes from
the environment (``Provider.from_env()``). The rows carry WRITER and ROUND, so the parent
can tell whose data a dataset holds (see ``writer_frame`` in test_transactional_datasets).
"""

from __future__ import annotations

import sys

import polars as pl

from glacier import Provider


def frame(writer: int, round_: int, rows: int = 200) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "writer": [writer] * rows,
            "round": [round_] * rows,
            "i": list(range(rows)),
            "region": [["eu", "us", "ap"][i % 3] for i in range(rows)],
        }
    )


def main(bucket_name: str, path: str, writer: int, round_: int, fmt: str) -> None:
    bucket = Provider.from_env().bucket(bucket_name, path=path, format=fmt)
    bucket.write(frame(writer, round_), partition_by=["region"])


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], args[1], int(args[2]), int(args[3]), args[4] if len(args) > 4 else "parquet")
