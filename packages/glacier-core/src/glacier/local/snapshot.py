"""Pinned scans: a LazyFrame over files opened when ``scan()`` ran.

Polars keeps its own duplicate of an open file's descriptor in the query plan, so a later
``collect()`` reads exactly the files ``scan()`` opened, even after a writer replaced or
deleted them (the kernel keeps an unlinked file's data while a descriptor is open), and the
descriptors are closed when the last LazyFrame using the plan is dropped. Open files carry no
path, so hive ``key=value`` folders are turned into columns here, with Polars' own rules:
values are percent-decoded, ``__HIVE_DEFAULT_PARTITION__`` is null, and a column is Boolean,
Int64, Float64, Date or Datetime when every value parses as one, else String. A key the files
already hold as a column (Glacier's partitioned writes keep it) is read from the files.
"""

from __future__ import annotations

import datetime as dt
import errno
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import unquote

import polars as pl

from glacier.storage.formats import Format

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_raised_limit = False


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset: where it sits for readers (relative to the dataset prefix, hive
    folders included) and where it is on disk."""

    logical: PurePosixPath
    physical: Path


def open_files(paths: list[Path]) -> list[IO[bytes]]:
    """Open every path for reading; on "too many open files" raise the soft limit to the hard
    one once and retry. Raises ``FileNotFoundError`` when one vanished (nothing stays open)."""
    global _raised_limit
    while True:
        handles: list[IO[bytes]] = []
        try:
            for path in paths:
                handles.append(open(path, "rb"))  # noqa: SIM115 - Polars keeps a duplicate
            return handles
        except OSError as exc:
            close_all(handles)
            if exc.errno != errno.EMFILE or _raised_limit or not _raise_nofile_limit():
                raise
            _raised_limit = True


def close_all(handles: list[IO[bytes]]) -> None:
    for handle in handles:
        handle.close()


def _raise_nofile_limit() -> bool:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return False
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if target <= soft:
        return False
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return True


def pinned_scan(
    fmt: Format, files: list[DataFile], handles: list[IO[bytes]], *, hive: bool
) -> pl.LazyFrame:
    """One LazyFrame over the open ``handles`` (same order as ``files``)."""
    partitions = [hive_values(f.logical) if hive else {} for f in files]
    keys = list(dict.fromkeys(k for values in partitions for k in values))
    if not keys:
        return fmt.scan(handles)
    in_files = fmt.scan(handles[0]).collect_schema()
    missing = [k for k in keys if k not in in_files]
    if not missing:
        return fmt.scan(handles)
    columns = {k: typed_column([p.get(k) for p in partitions]) for k in missing}
    frames: list[pl.LazyFrame] = []
    start = 0
    for end in range(1, len(files) + 1):  # one scan per run of files sharing a partition
        if end == len(files) or partitions[end] != partitions[start]:
            literals = [pl.lit(v[start], dtype=dtype).alias(k) for k, (dtype, v) in columns.items()]
            frames.append(fmt.scan(handles[start:end]).with_columns(literals))
            start = end
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical")


def hive_values(logical: PurePosixPath) -> dict[str, str | None]:
    """``key=value`` folders of a file's path (percent-decoded; the hive null is None)."""
    values: dict[str, str | None] = {}
    for segment in logical.parent.parts:
        key, sep, raw = segment.partition("=")
        if sep and key:
            value = unquote(raw)
            values[key] = None if value == HIVE_NULL else value
    return values


def typed_column(values: list[str | None]) -> tuple[pl.DataType, list[Any]]:
    """The dtype Polars infers for a hive column, and the values converted to it."""
    present = [v for v in values if v is not None]
    converters: list[tuple[pl.DataType, Callable[[str], Any]]] = [
        (pl.Boolean(), _boolean),
        (pl.Int64(), int),
        (pl.Float64(), float),
        (pl.Date(), dt.date.fromisoformat),
        (pl.Datetime("us"), dt.datetime.fromisoformat),
    ]
    if present:
        for dtype, convert in converters:
            try:
                converted = [None if v is None else convert(v) for v in values]
            except ValueError:
                continue
            return dtype, converted
    return pl.String(), list(values)


def _boolean(value: str) -> bool:
    if value not in {"true", "false"}:
        raise ValueError(value)
    return value == "true"
