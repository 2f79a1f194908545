"""Data formats a bucket can hold, and how Polars reads and writes each.

One table per format instead of if-chains: scan/sink/write functions and file suffixes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

import polars as pl

from glacier.errors import ResourceError

Target = Any  # str | Path | IO[bytes]


@dataclass(frozen=True)
class Format:
    """How one format is scanned and written by Polars."""

    name: str
    suffixes: tuple[str, ...]
    scan: Callable[..., pl.LazyFrame]
    sink: Callable[[pl.LazyFrame, Target], Any]
    write: Callable[[pl.DataFrame, Target], Any]
    #: Whether scans accept ``hive_partitioning`` (datasets with key=value folders).
    hive: bool
    #: A table format (Delta Lake): a directory with its own transaction log, read and
    #: written by :mod:`glacier.storage.delta` instead of the file functions above.
    is_table: bool = False

    @property
    def suffix(self) -> str:
        return self.suffixes[0] if self.suffixes else ""


def _sink_parquet(lf: pl.LazyFrame, target: Target) -> None:
    lf.sink_parquet(target)


def _sink_csv(lf: pl.LazyFrame, target: Target) -> None:
    lf.sink_csv(target)


def _sink_ndjson(lf: pl.LazyFrame, target: Target) -> None:
    lf.sink_ndjson(target)


FORMATS: dict[str, Format] = {
    "parquet": Format(
        "parquet",
        (".parquet", ".pq"),
        pl.scan_parquet,
        _sink_parquet,
        lambda df, t: df.write_parquet(t),
        hive=True,
    ),
    "csv": Format(
        "csv",
        (".csv",),
        pl.scan_csv,
        _sink_csv,
        lambda df, t: df.write_csv(t),
        hive=False,
    ),
    "ndjson": Format(
        "ndjson",
        (".ndjson", ".jsonl", ".json"),
        pl.scan_ndjson,
        _sink_ndjson,
        lambda df, t: df.write_ndjson(t),
        hive=False,
    ),
}


def _table_only(*_: Any, **__: Any) -> Any:
    raise ResourceError(
        "format='delta' is a table format: read and write it through a Bucket "
        "(provider.bucket(..., format='delta')), not as a single file."
    )


#: Delta Lake (via the ``deltalake`` package): the transactional dataset format. Not a file
#: format: adapters dispatch on :attr:`Format.is_table` to :mod:`glacier.storage.delta`.
FORMATS["delta"] = Format("delta", (), _table_only, _table_only, _table_only, False, True)
ALIASES = {"jsonl": "ndjson", "json": "ndjson", "pq": "parquet", "deltalake": "delta"}


def get_format(name: str) -> Format:
    """Return a format by name (case-insensitive), or raise naming the valid ones."""
    key = ALIASES.get(name.lower(), name.lower())
    if key in FORMATS:
        return FORMATS[key]
    import difflib

    close = difflib.get_close_matches(key, [*FORMATS, *ALIASES], n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ResourceError(
        f"Unknown bucket format {name!r}.{hint} Supported formats: {', '.join(FORMATS)}."
    )


def infer_format(path: str) -> str | None:
    """Format implied by a path's suffix, if any."""
    lower = path.lower()
    for fmt in FORMATS.values():
        if lower.endswith(fmt.suffixes):
            return fmt.name
    return None


def write_frame(data: pl.DataFrame | pl.LazyFrame, fmt: Format, target: Target) -> int | None:
    """Write a frame to a path or binary file; LazyFrames stream. Returns rows when known."""
    if isinstance(data, pl.LazyFrame):
        fmt.sink(data, target)
        return None
    fmt.write(data, target)
    return data.height


def to_frame(data: object) -> pl.DataFrame | pl.LazyFrame:
    """Accept DataFrame/LazyFrame (and anything ``pl.DataFrame`` accepts, like dicts)."""
    if isinstance(data, pl.DataFrame | pl.LazyFrame):
        return data
    try:
        return pl.DataFrame(data)  # type: ignore[arg-type]
    except Exception as exc:
        raise TypeError(
            f"Bucket.write() takes a polars DataFrame or LazyFrame, got {type(data).__name__}"
        ) from exc


def open_binary(path: str, mode: str = "rb") -> IO[bytes]:
    return open(path, mode)
