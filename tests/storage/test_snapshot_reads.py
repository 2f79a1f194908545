"""Snapshot reads (issue 10, item 4): while a writer replaces an object, every concurrent
read returns the old or the new version whole, on moto, Azurite and the GCS emulator; read
failures (Polars panics included) become Glacier errors naming the URI."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence

import polars as pl
import pytest

from glacier import Provider
from glacier.errors import StorageError
from glacier.storage import object_reads
from glacier.storage.snapshot import Snapshot, read_snapshot
from tests.storage.storage_servers import CONTRACT_BUCKET

PROVIDERS = {"s3": "s3_provider", "azure": "blob_provider", "gcs": "gcs_provider"}
VERSIONS = 12
READERS = 3


def version(v: int) -> pl.DataFrame:
    """Version ``v``: its own size and values, so a mix of two versions cannot pass."""
    rows = 2_000 + 500 * v
    return pl.DataFrame({"v": [v] * rows, "i": list(range(rows)), "x": [float(v)] * rows})


def whole_version(df: pl.DataFrame) -> int:
    """The version ``df`` is, checked row by row (fails on a mix or a truncation)."""
    versions = df["v"].unique().to_list()
    assert len(versions) == 1, f"a mix of versions {versions}"
    v = int(versions[0])
    assert df.equals(version(v)), f"version {v} read incompletely ({df.height} rows)"
    return v


@pytest.mark.parametrize("read", ["one-get", "ranges"])
@pytest.mark.parametrize("cloud", list(PROVIDERS))
def test_reads_see_one_version_while_a_writer_replaces_the_object(
    cloud: str, read: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``one-get``: objects up to 32 MiB are read with one GET. ``ranges``: larger ones (all,
    here) with range requests, checked against the tag pinned before the read; a read that
    the writer overtakes 5 times in a row fails with a StorageError naming the URI."""
    if read == "ranges":
        monkeypatch.setattr(object_reads, "WHOLE_READ_BYTES", 0)
    provider: Provider = request.getfixturevalue(PROVIDERS[cloud])
    path = f"snap-{uuid.uuid4().hex[:8]}/object.parquet"
    provider.bucket(CONTRACT_BUCKET, path=path).write(version(0))
    done = threading.Event()
    seen: list[int] = []
    overtaken: list[StorageError] = []
    failures: list[BaseException] = []

    def reader() -> None:
        bucket = provider.bucket(CONTRACT_BUCKET, path=path)
        while not done.is_set():
            try:
                seen.append(whole_version(bucket.read()))
                seen.append(whole_version(bucket.scan().filter(pl.col("i") >= 0).collect()))
            except StorageError as exc:
                if "was replaced 5 times" not in str(exc) or exc.uri != bucket.get_uri():
                    failures.append(exc)
                    return
                overtaken.append(exc)
            except BaseException as exc:  # a mix (AssertionError), an error or a panic
                failures.append(exc)
                return

    readers = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in readers:
        thread.start()
    writer = provider.bucket(CONTRACT_BUCKET, path=path)
    try:
        for v in range(1, VERSIONS + 1):
            writer.write(version(v) if v % 2 else version(v).lazy())
    finally:
        done.set()
        for thread in readers:
            thread.join()
    assert not failures, repr(failures[0])
    if read == "one-get":
        assert not overtaken
    assert len(seen) + len(overtaken) >= READERS  # every reader finished reads
    assert set(seen) <= set(range(VERSIONS + 1))
    assert whole_version(writer.read()) == VERSIONS


class _PanickingSource:
    """A source whose reader panics the way Polars' native readers can."""

    def __init__(self, replaced: bool) -> None:
        self.replaced = replaced
        self.resolves = 0
        self.frames = 0

    def resolve(self) -> Snapshot:
        self.resolves += 1
        return Snapshot(("obj",), self.resolves if self.replaced else "same")

    def frame(self, files: Sequence[str], pin: object = None) -> pl.LazyFrame:
        self.frames += 1
        from polars.exceptions import PanicException

        if self.frames == 1 or not self.replaced:  # a broken version panics every time
            raise PanicException("index out of bounds: the len is 3 but the index is 7")
        return pl.LazyFrame({"a": [1]})

    def unchanged(self, snapshot: Snapshot) -> bool:
        return True

    def translate(self, exc: BaseException) -> StorageError:
        return StorageError(f"Cannot read s3://b/obj ({type(exc).__name__})", uri="s3://b/obj")


def test_panic_is_translated_not_raised_raw() -> None:
    source = _PanickingSource(replaced=False)
    with pytest.raises(StorageError, match="s3://b/obj") as info:
        read_snapshot(source, pl.Schema({"a": pl.Int64}), "s3://b/obj")
    assert type(info.value.__cause__).__name__ == "PanicException"
    assert source.frames == 2  # read again once (a glitch?), then translated


def test_panic_after_a_replacement_reads_the_new_version() -> None:
    source = _PanickingSource(replaced=True)
    df = read_snapshot(source, pl.Schema({"a": pl.Int64}), "s3://b/obj")
    assert df.to_dict(as_series=False) == {"a": [1]}
    assert source.frames == 2
