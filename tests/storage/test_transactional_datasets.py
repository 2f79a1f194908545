"""Object-store datasets are transactional (issue 10, items 2 and 3), on moto, Azurite and
the GCS emulator:

* a write replaces only its format's files under its prefix, never ``_``/``.`` state;
* concurrent writers (threads and processes) leave exactly one writer's data, and readers
  running meanwhile see one committed version, never a mix;
* what killed writers leave is invisible to Glacier readers and removed by ``gc``.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier import Provider
from glacier.resources.bucket import Bucket
from glacier.storage.manifest import manifest_key
from tests.storage.storage_servers import (
    AZURITE_ACCOUNT,
    CONTRACT_BUCKET,
    Server,
    cloudless_env,
)

CLOUDS = ["s3", "azure", "gcs"]
PROVIDERS = {"s3": "s3_provider", "azure": "blob_provider", "gcs": "gcs_provider"}
SERVERS = {"s3": "moto_server", "azure": "azurite_server", "gcs": "gcs_server"}
WRITERS = 8
ROUNDS = 3
WRITER_SCRIPT = Path(__file__).with_name("dataset_writer.py")


@pytest.fixture(params=CLOUDS)
def cloud(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def provider(cloud: str, request: pytest.FixtureRequest) -> Provider:
    return request.getfixturevalue(PROVIDERS[cloud])  # type: ignore[no-any-return]


@pytest.fixture
def prefix() -> str:
    return f"txn-{uuid.uuid4().hex[:10]}/"


def writer_frame(writer: int, round_: int, rows: int = 200) -> pl.DataFrame:
    """Rows only one writer writes in one round: (writer, round) in every row."""
    return pl.DataFrame(
        {
            "writer": [writer] * rows,
            "round": [round_] * rows,
            "i": list(range(rows)),
            "region": [["eu", "us", "ap"][i % 3] for i in range(rows)],
        }
    )


def one_writer(df: pl.DataFrame) -> tuple[int, int]:
    """The (writer, round) a dataset's rows all come from; fails on a mix or a duplicate."""
    pairs = df.select("writer", "round").unique()
    assert pairs.height == 1, f"rows of {pairs.height} writes mixed: {pairs.rows()}"
    writer, round_ = pairs.row(0)
    expected = writer_frame(writer, round_)
    assert_frame_equal(df.select(expected.columns).sort("i"), expected)
    return int(writer), int(round_)


def raw_put(bucket: Bucket, key: str, data: bytes) -> None:
    """Put bytes at ``key`` of the bucket with the adapter's own filesystem."""
    adapter = bucket._get_adapter()
    with adapter.fs.open(adapter.fs_path(key), "wb") as file:  # type: ignore[attr-defined]
        file.write(data)


def raw_keys(bucket: Bucket, prefix: str) -> list[str]:
    """Every object key under ``prefix``, straight from the store."""
    adapter = bucket._get_adapter()
    return sorted(adapter.key_of(p) for p in adapter._listing(prefix))  # type: ignore[attr-defined]


def parquet_bytes(df: pl.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    df.write_parquet(buffer)
    return buffer.getvalue()


# -- item 2: a write replaces only its dataset --------------------------------------------
def test_write_and_delete_keep_other_formats_and_state(provider: Provider, prefix: str) -> None:
    bucket = provider.bucket(CONTRACT_BUCKET, path=prefix)
    keep = {
        f"{prefix}meta.csv": b"a,b\n1,2\n",
        f"{prefix}_state/checkpoint.parquet": parquet_bytes(writer_frame(99, 0, 3)),
        f"{prefix}.hidden/x.parquet": parquet_bytes(writer_frame(98, 0, 3)),
        f"{prefix}notes.ndjson": b'{"a": 1}\n',
    }
    for key, data in keep.items():
        raw_put(bucket, key, data)
    foreign = f"{prefix}legacy/part-0.parquet"  # a parquet file no Glacier write made
    raw_put(bucket, foreign, parquet_bytes(writer_frame(97, 0, 5)))
    assert bucket.read().height == 5  # a dataset without manifest: every parquet file

    bucket.write(writer_frame(1, 1))
    assert one_writer(bucket.read()) == (1, 1)
    keys = raw_keys(bucket, prefix)
    assert foreign not in keys  # the write replaced the dataset's parquet files...
    for key in keep:  # ...and nothing else
        assert key in keys
    assert manifest_key(prefix, "parquet") in keys

    bucket.write(writer_frame(2, 1), partition_by=["region"])
    assert one_writer(bucket.read()) == (2, 1)
    assert len(bucket.list()) == 3

    bucket.delete()
    assert not bucket.exists()
    assert bucket.list() == []
    keys = raw_keys(bucket, prefix)
    assert not [k for k in keys if k.endswith(".parquet") and "/_" not in k and "/." not in k]
    for key in keep:
        assert key in keys
    bucket.write(writer_frame(3, 1))  # a deleted dataset can be written again
    assert one_writer(bucket.read()) == (3, 1)


def test_other_format_dataset_on_same_prefix_is_independent(
    provider: Provider, prefix: str
) -> None:
    parquet = provider.bucket(CONTRACT_BUCKET, path=prefix)
    csv = provider.bucket(CONTRACT_BUCKET, path=prefix, format="csv")
    parquet.write(writer_frame(1, 1))
    csv.write(writer_frame(2, 1))
    parquet.write(writer_frame(3, 1))
    assert one_writer(parquet.read()) == (3, 1)
    assert one_writer(csv.read()) == (2, 1)
    csv.delete()
    assert one_writer(parquet.read()) == (3, 1)


# -- item 2: concurrent writers -----------------------------------------------------------
def test_concurrent_writer_threads_leave_one_writers_data(provider: Provider, prefix: str) -> None:
    """8 writer threads per round, 3 rounds, 2 reader threads all along: every read and
    every final state is exactly one writer's data."""
    bucket = provider.bucket(CONTRACT_BUCKET, path=prefix)
    bucket.write(writer_frame(0, 0))
    stop = threading.Event()
    reads: list[tuple[int, int]] = []
    failures: list[BaseException] = []

    def reader() -> None:
        mine = provider.bucket(CONTRACT_BUCKET, path=prefix)
        while not stop.is_set():
            try:
                reads.append(one_writer(mine.read()))
            except BaseException as exc:  # a mix (AssertionError) or a crash
                failures.append(exc)
                return

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        for round_ in range(1, ROUNDS + 1):
            errors: list[BaseException] = []
            barrier = threading.Barrier(WRITERS)

            def write(
                writer: int,
                round_: int = round_,
                barrier: threading.Barrier = barrier,
                errors: list[BaseException] = errors,
            ) -> None:
                mine = provider.bucket(CONTRACT_BUCKET, path=prefix)
                barrier.wait()
                try:
                    mine.write(writer_frame(writer, round_), partition_by=["region"])
                except BaseException as exc:
                    errors.append(exc)

            writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
            for thread in writers:
                thread.start()
            for thread in writers:
                thread.join()
            assert not errors, errors
            writer, seen_round = one_writer(bucket.read())
            assert seen_round == round_ and 0 <= writer < WRITERS
            assert len(bucket.list()) == 3
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert not failures, failures[0]
    assert len(reads) > 0
    # Every writer removed the version it replaced: only the committed files remain.
    committed = {u.rsplit("/", 1)[-1] for u in bucket.list()}
    parts = {k.rsplit("/", 1)[-1] for k in raw_keys(bucket, prefix) if k.endswith(".parquet")}
    leftovers = parts - committed
    bucket._get_adapter().gc(older_than=timedelta(0))  # type: ignore[attr-defined]
    parts = {k.rsplit("/", 1)[-1] for k in raw_keys(bucket, prefix) if k.endswith(".parquet")}
    assert parts == committed, f"left after gc: {parts - committed} (before: {leftovers})"


def test_concurrent_writer_processes_leave_one_writers_data(
    cloud: str, provider: Provider, prefix: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """8 writer processes (own interpreters, own clients) on one dataset, 2 rounds."""
    server: Server = request.getfixturevalue(SERVERS[cloud])
    env = {**cloudless_env(), **server.env}
    if cloud == "azure":
        env["AZURE_STORAGE_ACCOUNT"] = AZURITE_ACCOUNT
    bucket = provider.bucket(CONTRACT_BUCKET, path=prefix)
    for round_ in (1, 2):
        procs = [
            subprocess.Popen(
                [sys.executable, str(WRITER_SCRIPT), CONTRACT_BUCKET, prefix, str(w), str(round_)],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for w in range(WRITERS)
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err[-2000:]
        writer, seen_round = one_writer(bucket.read())
        assert seen_round == round_
        assert 0 <= writer < WRITERS


# -- killed writers -----------------------------------------------------------------------
def test_uncommitted_parts_are_invisible_and_collected(provider: Provider, prefix: str) -> None:
    """A writer killed after uploading, before committing, leaves part files that no
    reader sees; gc removes them once older than its threshold, and never committed ones."""
    bucket = provider.bucket(CONTRACT_BUCKET, path=prefix)
    bucket.write(writer_frame(1, 1))
    orphan = f"{prefix}part-{'0' * 12}{'a' * 12}-00000.parquet"
    raw_put(bucket, orphan, parquet_bytes(writer_frame(66, 6)))
    assert one_writer(bucket.read()) == (1, 1)
    assert all(not u.endswith(orphan) for u in bucket.list())
    adapter = bucket._get_adapter()
    assert adapter.gc(older_than=timedelta(hours=1)) == []  # type: ignore[attr-defined]
    assert bucket.gc() == []  # the default age (24 h) keeps a fresh orphan: it may be uploading
    assert bucket.gc(timedelta(0), dry_run=True) == [adapter.uri_of(orphan)]  # type: ignore[attr-defined]
    assert orphan in raw_keys(bucket, prefix)  # a dry run lists, removes nothing
    removed = adapter.gc(older_than=timedelta(0))  # type: ignore[attr-defined]
    assert removed == [adapter.uri_of(orphan)]  # type: ignore[attr-defined]
    assert orphan not in raw_keys(bucket, prefix)
    assert one_writer(bucket.read()) == (1, 1)


def test_next_write_removes_old_orphans_only(
    provider: Provider, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write removes part files of no version once they are older than the orphan age;
    younger ones may belong to a writer still uploading, so they stay."""
    import time

    from glacier.storage import transactions

    monkeypatch.setattr(transactions, "ORPHAN_AGE", timedelta(seconds=2))
    bucket = provider.bucket(CONTRACT_BUCKET, path=prefix)
    bucket.write(writer_frame(1, 1))
    old = f"{prefix}part-{'0' * 12}{'b' * 12}-00000.parquet"
    raw_put(bucket, old, parquet_bytes(writer_frame(66, 6)))
    time.sleep(3)
    young = f"{prefix}part-{'0' * 12}{'c' * 12}-00000.parquet"
    raw_put(bucket, young, parquet_bytes(writer_frame(67, 6)))
    bucket.write(writer_frame(2, 1))
    keys = raw_keys(bucket, prefix)
    assert old not in keys
    assert young in keys
    assert one_writer(bucket.read()) == (2, 1)


def test_fresh_dataset_hides_uncommitted_parts(provider: Provider, prefix: str) -> None:
    """Before the first commit, a concurrent writer's uploaded parts are not a dataset."""
    bucket = provider.bucket(CONTRACT_BUCKET, path=prefix)
    raw_put(bucket, f"{prefix}part-{'1' * 24}-00000.parquet", parquet_bytes(writer_frame(5, 5)))
    assert not bucket.exists()
    assert bucket.list() == []


def test_broken_manifest_is_a_clear_error(provider: Provider, prefix: str) -> None:
    from glacier.errors import StorageError

    bucket = provider.bucket(CONTRACT_BUCKET, path=prefix)
    bucket.write(writer_frame(1, 1))
    raw_put(bucket, manifest_key(prefix, "parquet"), b"{not json")
    with pytest.raises(StorageError, match="manifest") as info:
        bucket.read()
    assert "parquet-manifest.json" in str(info.value)
