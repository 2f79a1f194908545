"""Local bucket: a folder under ``LocalConfig.base_path``. Writes are atomic (temp + rename)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import polars as pl

from glacier.adapters.base import BucketAdapter, WriteResult
from glacier.errors import ObjectNotFoundError
from glacier.local.config import LocalConfig
from glacier.storage.delta import local_table
from glacier.storage.formats import Format, get_format, write_frame


class LocalBucketAdapter(BucketAdapter):
    """Reads and writes files with Polars; a dataset is a folder of files (hive-partitioned)."""

    @property
    def fmt(self) -> Format:
        return get_format(self.resource.format)

    @property
    def local_path(self) -> Path:
        config = self.provider.config
        assert isinstance(config, LocalConfig)
        return Path(config.base_path).absolute() / self.resource.bucket_name / self.resource.path

    def get_uri(self) -> str:
        uri = self.local_path.as_uri()
        return uri + "/" if self.resource.is_dataset else uri

    # -- read ----------------------------------------------------------------------------
    def _files(self) -> list[Path]:
        root = self.local_path
        if not root.is_dir():
            return []
        return sorted(
            p
            for p in root.rglob(f"*{self.fmt.suffix}")
            if p.is_file()
            and not any(part.startswith((".", "_")) for part in p.relative_to(root).parts)
        )

    def scan(self) -> pl.LazyFrame:
        fmt = self.fmt
        if fmt.is_table:  # format="delta"
            return local_table(self.local_path).scan()
        if self.resource.is_dataset:
            if not self._files():
                raise ObjectNotFoundError(
                    f"No {fmt.name} files under {self.get_uri()}: write the dataset first "
                    "or check bucket_name/path.",
                    uri=self.get_uri(),
                )
            pattern = str(self.local_path / "**" / f"*{fmt.suffix}")
            return fmt.scan(pattern, hive_partitioning=True) if fmt.hive else fmt.scan(pattern)
        path = self.local_path
        if not path.is_file():
            raise ObjectNotFoundError(
                f"No object at {self.get_uri()}: write it first or check bucket_name/path.",
                uri=self.get_uri(),
            )
        return fmt.scan(str(path))

    def exists(self) -> bool:
        if self.fmt.is_table:
            return local_table(self.local_path).exists()
        if self.resource.is_dataset:
            return bool(self._files())
        return self.local_path.is_file()

    def list(self) -> list[str]:
        if self.fmt.is_table:
            return local_table(self.local_path).files()
        if self.resource.is_dataset:
            return [p.as_uri() for p in self._files()]
        return [self.get_uri()] if self.local_path.is_file() else []

    # -- write ---------------------------------------------------------------------------
    def write(
        self, data: pl.DataFrame | pl.LazyFrame, *, partition_by: list[str] | None = None
    ) -> WriteResult:
        if self.fmt.is_table:
            done = local_table(self.local_path).write(data, partition_by)
            return WriteResult(uri=self.get_uri(), rows=done.rows, files=done.files)
        if self.resource.is_dataset:
            return self._write_dataset(data, partition_by)
        self._check_single_object_write(partition_by)
        target = self.local_path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        try:
            rows = write_frame(data, self.fmt, str(tmp))
            _fsync(tmp)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if rows is None and self.fmt.name == "parquet":
            rows = _parquet_rows([target])
        return WriteResult(uri=self.get_uri(), rows=rows, files=1)

    def _write_dataset(
        self, data: pl.DataFrame | pl.LazyFrame, partition_by: list[str] | None
    ) -> WriteResult:
        fmt = self.fmt
        target = self.local_path
        target.parent.mkdir(parents=True, exist_ok=True)
        name = target.name or self.resource.bucket_name
        tmp = target.parent / f".{name}.{uuid.uuid4().hex}.tmp"
        tmp.mkdir()
        try:
            lf = data.lazy()
            if partition_by:
                fmt.sink(lf, pl.PartitionBy(tmp, key=list(partition_by)))
            else:
                fmt.sink(lf, tmp / f"part-00000{fmt.suffix}")
            files = [p for p in tmp.rglob(f"*{fmt.suffix}") if p.is_file()]
            for f in files:
                _fsync(f)
            _swap_dir(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        rows = (
            data.height
            if isinstance(data, pl.DataFrame)
            else _parquet_rows(self._files())
            if fmt.name == "parquet"
            else None
        )
        return WriteResult(uri=self.get_uri(), rows=rows, files=len(files))

    def delete(self) -> None:
        path = self.local_path
        if self.fmt.is_table:
            local_table(path).delete()
            return
        if self.resource.is_dataset:
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_dir(new: Path, target: Path) -> None:
    """Replace ``target`` with ``new``. Readers see the old or the new folder, never a mix;
    a crash leaves the old folder in place (renamed aside at worst, never half-written)."""
    if target.exists():
        old = target.parent / f".{target.name}.{uuid.uuid4().hex}.old"
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)


def _parquet_rows(files: list[Path]) -> int | None:
    if not files:
        return None
    total = pl.scan_parquet([str(f) for f in files]).select(pl.len()).collect().item()
    return int(total)
