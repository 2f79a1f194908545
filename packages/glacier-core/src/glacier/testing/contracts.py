"""The bucket contract: behaviour every bucket backend shares, as a reusable pytest class.

Each test works under its own random prefix of the bucket, so a backend can share one bucket
(and one server) between all tests of a session.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import unquote

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier.errors import ObjectNotFoundError, ResourceError

if TYPE_CHECKING:
    from glacier.provider import Provider
    from glacier.resources.bucket import Bucket

FORMATS = ("parquet", "csv", "ndjson")
SUFFIX = {"parquet": ".parquet", "csv": ".csv", "ndjson": ".ndjson"}


class WriteFailedError(RuntimeError):
    """Raised on purpose by a LazyFrame in the middle of a write."""


def sample(rows: int = 1_000, offset: int = 0) -> pl.DataFrame:
    """A small frame whose types survive every format (ints, floats, strings)."""
    idx = pl.int_range(offset, offset + rows, eager=True)
    return pl.DataFrame(
        {
            "id": idx,
            "region": (idx % 3).map_elements(lambda i: ["eu", "us", "ap"][i], pl.String),
            "amount": idx.cast(pl.Float64) / 4,
        }
    )


def failing_lazyframe(rows: int = 100_000, fail_after: int = 50_000) -> pl.LazyFrame:
    """A LazyFrame that produces some batches, then raises while being written."""

    def boom(batch: pl.Series) -> pl.Series:
        if batch.max() >= fail_after:  # type: ignore[operator]
            raise WriteFailedError("failing on purpose in the middle of a write")
        return batch

    return (
        pl.LazyFrame({"id": pl.int_range(0, rows, eager=True)})
        .with_columns(pl.col("id").map_batches(boom, return_dtype=pl.Int64))
        .with_columns(region=pl.lit("eu"), amount=pl.col("id").cast(pl.Float64))
    )


def _sorted(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(sorted(df.columns)).sort("id")


class BucketContract:
    """Subclass with ``provider`` and ``bucket_name`` fixtures; set ``scheme``."""

    #: URI scheme of the backend's ``get_uri()`` (``s3``, ``abfs``, ``gs``, ``file``).
    scheme: ClassVar[str] = ""

    @pytest.fixture
    def provider(self) -> Provider:
        raise NotImplementedError("BucketContract subclasses provide a `provider` fixture")

    @pytest.fixture
    def bucket_name(self) -> str:
        raise NotImplementedError("BucketContract subclasses provide a `bucket_name` fixture")

    @pytest.fixture
    def prefix(self) -> str:
        """A fresh folder for one test."""
        return f"contract-{uuid.uuid4().hex[:10]}/"

    def bucket(
        self, provider: Provider, bucket_name: str, path: str, fmt: str | None = None
    ) -> Bucket:
        return provider.bucket(bucket_name, path=path, format=fmt)

    # -- single objects ------------------------------------------------------------------
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_roundtrip_dataframe(
        self, provider: Provider, bucket_name: str, prefix: str, fmt: str
    ) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}data{SUFFIX[fmt]}")
        df = sample()
        result = bucket.write(df)
        assert result.uri == bucket.get_uri()
        assert result.rows == df.height
        assert_frame_equal(bucket.read(), df)

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_roundtrip_lazyframe(
        self, provider: Provider, bucket_name: str, prefix: str, fmt: str
    ) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}lazy{SUFFIX[fmt]}")
        df = sample()
        bucket.write(df.lazy().filter(pl.col("id") >= 0))
        assert isinstance(bucket.scan(), pl.LazyFrame)
        assert_frame_equal(bucket.read(), df)

    def test_overwrite_replaces(self, provider: Provider, bucket_name: str, prefix: str) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}over.parquet")
        bucket.write(sample(100))
        new = sample(7, offset=1_000)
        bucket.write(new)
        assert_frame_equal(bucket.read(), new)
        assert bucket.list() == [bucket.get_uri()]

    def test_projection_and_predicate_pushdown(
        self, provider: Provider, bucket_name: str, prefix: str
    ) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}push.parquet")
        df = sample(5_000)
        bucket.write(df)
        query = (
            bucket.scan()
            .filter((pl.col("region") == "eu") & (pl.col("id") < 300))
            .select("id", "amount")
        )
        expected = df.filter((pl.col("region") == "eu") & (pl.col("id") < 300)).select(
            "id", "amount"
        )
        assert_frame_equal(query.collect(), expected)
        assert bucket.scan().select("amount").collect().columns == ["amount"]

    def test_exists_list_delete(self, provider: Provider, bucket_name: str, prefix: str) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}obj.parquet")
        assert not bucket.exists()
        assert bucket.list() == []
        bucket.write(sample(10))
        assert bucket.exists()
        assert bucket.list() == [bucket.get_uri()]
        bucket.delete()
        assert not bucket.exists()
        bucket.delete()  # deleting what is gone is not an error

    def test_missing_object_raises(self, provider: Provider, bucket_name: str, prefix: str) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}missing.parquet")
        with pytest.raises(ObjectNotFoundError) as info:
            bucket.scan().collect()
        assert bucket.get_uri() in str(info.value)

    def test_missing_dataset_raises(
        self, provider: Provider, bucket_name: str, prefix: str
    ) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}nothing/")
        with pytest.raises(ObjectNotFoundError) as info:
            bucket.scan().collect()
        assert bucket.get_uri() in str(info.value)

    def test_get_uri_scheme(self, provider: Provider, bucket_name: str, prefix: str) -> None:
        obj = self.bucket(provider, bucket_name, f"{prefix}a/b.parquet")
        assert obj.get_uri().startswith(f"{self.scheme}://")
        assert obj.get_uri().endswith(f"{prefix}a/b.parquet")
        dataset = self.bucket(provider, bucket_name, f"{prefix}ds/")
        assert dataset.get_uri().endswith(f"{prefix}ds/")

    # -- atomicity -----------------------------------------------------------------------
    def test_failed_write_keeps_previous_object(
        self, provider: Provider, bucket_name: str, prefix: str
    ) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}safe.parquet")
        before = sample(50)
        bucket.write(before)
        with pytest.raises(Exception, match="failing on purpose"):
            bucket.write(failing_lazyframe())
        assert_frame_equal(bucket.read(), before)
        assert bucket.list() == [bucket.get_uri()]

    def test_failed_write_creates_nothing(
        self, provider: Provider, bucket_name: str, prefix: str
    ) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}never.parquet")
        with pytest.raises(Exception, match="failing on purpose"):
            bucket.write(failing_lazyframe())
        assert not bucket.exists()

    def test_failed_dataset_write_keeps_previous_files(
        self, provider: Provider, bucket_name: str, prefix: str
    ) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}safe-ds/")
        before = sample(30)
        bucket.write(before)
        files = bucket.list()
        with pytest.raises(Exception, match="failing on purpose"):
            bucket.write(failing_lazyframe())
        assert bucket.list() == files
        assert_frame_equal(_sorted(bucket.read()), _sorted(before))

    # -- datasets ------------------------------------------------------------------------
    def test_dataset_partition_by(self, provider: Provider, bucket_name: str, prefix: str) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}parts/")
        df = sample(600)
        result = bucket.write(df, partition_by=["region"])
        assert result.uri == bucket.get_uri()
        uris = bucket.list()
        assert len(uris) == result.files == 3
        assert all(u.startswith(bucket.get_uri()) and u.endswith(".parquet") for u in uris)
        for region in ("ap", "eu", "us"):
            assert any(f"/region={region}/" in unquote(u) for u in uris)
        assert_frame_equal(_sorted(bucket.read()), _sorted(df))
        eu = bucket.scan().filter(pl.col("region") == "eu").select("id").collect()
        assert_frame_equal(eu.sort("id"), df.filter(pl.col("region") == "eu").select("id"))

    def test_dataset_lazy_partition_by(
        self, provider: Provider, bucket_name: str, prefix: str
    ) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}lazy-parts/")
        df = sample(300)
        bucket.write(df.lazy(), partition_by=["region"])
        assert_frame_equal(_sorted(bucket.read()), _sorted(df))

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_dataset_overwrite_replaces_files(
        self, provider: Provider, bucket_name: str, prefix: str, fmt: str
    ) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}ds-{fmt}/", fmt)
        bucket.write(sample(90))
        new = sample(20, offset=500)
        bucket.write(new.lazy())
        assert_frame_equal(_sorted(bucket.read()), _sorted(new))
        assert len(bucket.list()) == 1

    def test_dataset_partition_overwrite_drops_old_partitions(
        self, provider: Provider, bucket_name: str, prefix: str
    ) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}repart/")
        bucket.write(sample(90), partition_by=["region"])
        new = sample(90).filter(pl.col("region") != "ap")
        bucket.write(new, partition_by=["region"])
        assert not any("region=ap" in unquote(u) for u in bucket.list())
        assert_frame_equal(_sorted(bucket.read()), _sorted(new))

    def test_dataset_exists_list_delete(
        self, provider: Provider, bucket_name: str, prefix: str
    ) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}dsdel/")
        assert not bucket.exists()
        assert bucket.list() == []
        bucket.write(sample(30), partition_by=["region"])
        assert bucket.exists()
        assert bucket.list() == sorted(bucket.list())
        bucket.delete()
        assert not bucket.exists()
        assert bucket.list() == []

    def test_partition_by_needs_dataset(
        self, provider: Provider, bucket_name: str, prefix: str
    ) -> None:
        bucket = self.bucket(provider, bucket_name, f"{prefix}single.parquet")
        with pytest.raises(ResourceError, match="partition_by"):
            bucket.write(sample(3), partition_by=["region"])
