"""Storage I/O benchmark: ``Bucket`` versus plain Polars on local S3 (moto) and Azure (Azurite).

Generates a Parquet dataset of about ``--size-mb`` megabytes (default 1024; ``--small`` is
~20 MB for a smoke run), then for each backend times, over ``--repeats`` runs:

* write: ``Bucket(path="bench/glacier/").write(df)`` versus ``df.write_parquet(uri,
  storage_options=...)`` with the same credentials and endpoint;
* read: ``Bucket.read()`` versus ``pl.scan_parquet(uri, storage_options=...).collect()``.

Reports median/min/max seconds, MB/s and the ratio Glacier/Polars (1.0 = same speed), and
writes them as JSON (default ``docs/benchmarks/storage_io.json``). Not a timed test: the
servers are local emulators, so the figures compare the two code paths, not the clouds.

    python benchmarks/storage_io.py --small          (alias: --smoke)
    python benchmarks/storage_io.py --size-mb 256 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "storage"))

from storage_servers import (  # noqa: E402
    AWS_KEY_ID,
    AWS_SECRET,
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    Server,
    aws_provider,
    azure_provider,
    create_container,
    create_s3_bucket,
    start_azurite,
    start_moto,
)

from glacier import Provider  # noqa: E402

BUCKET = "glacier-bench"
BYTES_PER_ROW = 15.2  # measured for sample_frame's Parquet encoding


@dataclass
class Timing:
    """Seconds of one operation over the repeats."""

    median: float
    min: float
    max: float
    runs: list[float]

    @classmethod
    def of(cls, runs: list[float]) -> Timing:
        return cls(statistics.median(runs), min(runs), max(runs), runs)


@dataclass
class Result:
    """Glacier versus Polars for one backend and operation."""

    backend: str
    operation: str
    glacier: Timing
    polars: Timing
    megabytes: float

    @property
    def ratio(self) -> float:
        return self.glacier.median / self.polars.median

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio_glacier_over_polars"] = round(self.ratio, 3)
        data["glacier_mb_per_s"] = round(self.megabytes / self.glacier.median, 1)
        data["polars_mb_per_s"] = round(self.megabytes / self.polars.median, 1)
        return data


def sample_frame(rows: int) -> pl.DataFrame:
    """Sales-like rows: ids, a low-cardinality string, floats, timestamps, random ints."""
    idx = pl.int_range(0, rows, eager=True)
    return pl.DataFrame(
        {
            "id": idx,
            "category": (idx % 97).cast(pl.String),
            "amount": (idx.hash(1) % 100_000).cast(pl.Float64) / 100,
            "ts": pl.datetime_range(
                pl.datetime(2026, 1, 1),
                pl.datetime(2026, 1, 1) + pl.duration(seconds=rows - 1),
                "1s",
                eager=True,
            ),
            "noise": idx.hash(2),
        }
    )


@dataclass
class Backend:
    """A server plus how to reach it through Glacier and through plain Polars."""

    name: str
    provider: Provider
    base_uri: str
    storage_options: dict[str, str]


@contextmanager
def backends(names: list[str], workdir: Path) -> Iterator[list[Backend]]:
    """Start the requested servers and create the benchmark bucket on each."""
    with ExitStack() as stack:
        found: list[Backend] = []
        if "s3" in names:
            server: Server = stack.enter_context(start_moto())
            create_s3_bucket(server.endpoint, BUCKET)
            found.append(
                Backend(
                    "s3",
                    aws_provider(server.endpoint),
                    f"s3://{BUCKET}",
                    {
                        "aws_endpoint_url": server.endpoint,
                        "aws_access_key_id": AWS_KEY_ID,
                        "aws_secret_access_key": AWS_SECRET,
                        "aws_region": "us-east-1",
                        "aws_allow_http": "true",
                    },
                )
            )
        if "azure" in names:
            server = stack.enter_context(start_azurite(workdir))
            create_container(server.endpoint, BUCKET)
            found.append(
                Backend(
                    "azure",
                    azure_provider(server.endpoint),
                    f"abfs://{BUCKET}@{AZURITE_ACCOUNT}.dfs.core.windows.net",
                    {
                        "account_name": AZURITE_ACCOUNT,
                        "account_key": AZURITE_KEY,
                        "endpoint": server.endpoint,
                    },
                )
            )
        yield found


def timed(fn: Callable[[], object], repeats: int) -> Timing:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return Timing.of(runs)


def bench_backend(backend: Backend, df: pl.DataFrame, repeats: int, mb: float) -> list[Result]:
    bucket = backend.provider.bucket(BUCKET, path="bench/glacier/")
    plain_uri = f"{backend.base_uri}/bench/polars/part-0.parquet"
    opts = backend.storage_options

    glacier_write = timed(lambda: bucket.write(df), repeats)
    polars_write = timed(lambda: df.write_parquet(plain_uri, storage_options=opts), repeats)
    glacier_read = timed(lambda: bucket.read(), repeats)
    polars_read = timed(lambda: pl.scan_parquet(plain_uri, storage_options=opts).collect(), repeats)
    assert bucket.read().height == df.height
    return [
        Result(backend.name, "write", glacier_write, polars_write, mb),
        Result(backend.name, "read", glacier_read, polars_read, mb),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=1024.0, help="dataset size (MB)")
    parser.add_argument("--small", "--smoke", action="store_true", help="~20 MB smoke run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", default="s3,azure", help="comma-separated: s3,azure")
    parser.add_argument(
        "--output", type=Path, default=REPO / "docs" / "benchmarks" / "storage_io.json"
    )
    args = parser.parse_args(argv)
    size_mb = 20.0 if args.small else args.size_mb
    rows = int(size_mb * 1e6 / BYTES_PER_ROW)

    df = sample_frame(rows)
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / "probe.parquet"
        df.write_parquet(local)
        mb = local.stat().st_size / 1e6
        results: list[Result] = []
        with backends(args.backends.split(","), Path(tmp)) as found:
            for backend in found:
                results += bench_backend(backend, df, args.repeats, mb)

    report = {
        "dataset": {"rows": rows, "parquet_mb": round(mb, 1), "repeats": args.repeats},
        "machine": {
            "python": platform.python_version(),
            "polars": pl.__version__,
            "cpus": __import__("os").cpu_count(),
        },
        "results": [r.as_dict() for r in results],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"dataset: {rows:,} rows, {mb:.1f} MB Parquet, {args.repeats} repeats")
    print(f"{'backend':8} {'op':6} {'glacier med/min/max (s)':>26} {'polars med/min/max (s)':>26}")
    for r in results:
        g, p = r.glacier, r.polars
        print(
            f"{r.backend:8} {r.operation:6} {g.median:8.2f}/{g.min:6.2f}/{g.max:6.2f}     "
            f"{p.median:8.2f}/{p.min:6.2f}/{p.max:6.2f}   ratio {r.ratio:.2f}"
        )
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
