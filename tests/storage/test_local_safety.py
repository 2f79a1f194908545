"""Data safety of the local backend: containment, what a dataset write replaces, snapshot
reads, storage faults (disk full, panics) and bad input, each before any side effect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier import Provider
from glacier.config import LocalConfig
from glacier.errors import InvalidPathError, PathEscapeError, StorageError

FRAME = pl.DataFrame({"id": [1, 2, 3, 4], "cat": ["a", "b", "a", "b"]})
NEW = pl.DataFrame({"id": [7, 8], "cat": ["c", "c"]})


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return tmp_path / "base" / "data"


@pytest.fixture
def provider(base: Path) -> Provider:
    return Provider(config=LocalConfig(base_path=base))


def tree(root: Path) -> list[str]:
    """Every entry under ``root`` (relative, sorted), to compare before and after."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def by_id(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(sorted(frame.columns)).sort("id")


# -- containment ---------------------------------------------------------------------------
def test_issue_reproductions_touch_nothing_outside(
    provider: Provider, base: Path, tmp_path: Path
) -> None:
    sibling = tmp_path / "base" / "sibling"
    sibling.mkdir(parents=True)
    (sibling / "keep.parquet").write_bytes(b"precious")
    provider.bucket("lake", path="in.parquet").write(FRAME)
    before = tree(tmp_path)
    for path in ("../../", "../../x.parquet", "../../../sibling/", "/tmp/x.parquet"):
        with pytest.raises(InvalidPathError):
            provider.bucket("lake", path=path).delete()
        with pytest.raises(InvalidPathError):
            provider.bucket("lake", path=path).write(FRAME)
    assert tree(tmp_path) == before
    assert (sibling / "keep.parquet").read_bytes() == b"precious"


def test_symlinked_folder_escaping_the_bucket_is_refused(
    provider: Provider, base: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    pl.DataFrame({"id": [0]}).write_parquet(outside / "victim.parquet")
    (base / "lake").mkdir(parents=True)
    (base / "lake" / "evil").symlink_to(outside, target_is_directory=True)
    before = tree(outside)
    cases = [
        ("evil/x.parquet", lambda b: b.write(FRAME)),
        ("evil/new/deep/x.parquet", lambda b: b.write(FRAME)),
        ("evil/", lambda b: b.write(FRAME)),
        ("evil/sub/", lambda b: b.write(FRAME, partition_by=["cat"])),
        ("evil/", lambda b: b.delete()),
        ("evil/victim.parquet", lambda b: b.delete()),
        ("evil/victim.parquet", lambda b: b.scan()),
        ("evil/", lambda b: b.scan()),
        ("evil/", lambda b: b.list()),
        ("evil/victim.parquet", lambda b: b.exists()),
    ]
    for path, operation in cases:
        with pytest.raises(PathEscapeError, match="outside its bucket") as info:
            operation(provider.bucket("lake", path=path))
        assert "evil" in str(info.value)
    assert tree(outside) == before  # no folder created (mkdir included), nothing deleted


def test_symlinked_file_escaping_the_bucket_is_refused(
    provider: Provider, base: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.parquet"
    pl.DataFrame({"id": [0]}).write_parquet(outside)
    original = outside.read_bytes()
    (base / "lake" / "ds").mkdir(parents=True)
    (base / "lake" / "t.parquet").symlink_to(outside)
    (base / "lake" / "ds" / "part.parquet").symlink_to(outside)
    link = provider.bucket("lake", path="t.parquet")
    for operation in (link.scan, link.read, lambda: link.write(FRAME), link.delete):
        with pytest.raises(PathEscapeError):
            operation()
    dataset = provider.bucket("lake", path="ds/")
    with pytest.raises(PathEscapeError, match="symlink"):
        dataset.scan()
    assert outside.read_bytes() == original


def test_symlinks_that_stay_inside_the_bucket_work(provider: Provider, base: Path) -> None:
    real = provider.bucket("lake", path="real/t.parquet")
    real.write(FRAME)
    (base / "lake" / "alias").symlink_to(base / "lake" / "real", target_is_directory=True)
    assert_frame_equal(provider.bucket("lake", path="alias/t.parquet").read(), FRAME)


def test_bucket_folder_itself_may_be_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "disk").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "lake").symlink_to(tmp_path / "disk", target_is_directory=True)
    bucket = Provider(config=LocalConfig(base_path=tmp_path / "data")).bucket("lake", "t.csv")
    bucket.write(FRAME)
    assert (tmp_path / "disk" / "t.csv").is_file()


def test_base_path_expands_the_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert LocalConfig(base_path="~/lake").base_path == tmp_path / "home" / "lake"  # type: ignore[arg-type]
    config = LocalConfig.from_env({"GLACIER_LOCAL_BASE_PATH": "~/env-lake"})
    assert config.base_path == tmp_path / "home" / "env-lake"
    Provider(config=config).bucket("b", path="t.parquet").write(FRAME)
    assert (tmp_path / "home" / "env-lake" / "b" / "t.parquet").is_file()
    assert not Path("~").exists()


def test_nul_and_none_paths_are_refused_before_a_folder_exists(
    provider: Provider, base: Path
) -> None:
    with pytest.raises(InvalidPathError, match="control character"):
        provider.bucket("lake", path="dir/a\x00b.parquet")
    with pytest.raises(InvalidPathError, match="must be a str"):
        provider.bucket("lake", path=None)  # type: ignore[arg-type]
    assert not base.exists()


# -- what a dataset write replaces ---------------------------------------------------------
def test_dataset_write_replaces_only_its_format_outside_state(
    provider: Provider, base: Path
) -> None:
    events = provider.bucket("lake", path="events/")
    meta = provider.bucket("lake", path="events/meta.csv")
    csv_dataset = provider.bucket("lake", path="events/", format="csv")
    meta.write(pl.DataFrame({"m": ["keep"]}))
    state = base / "lake" / "events" / "_state"
    state.mkdir(parents=True)
    (state / "offsets.parquet").write_bytes(b"state, not data")
    (state / "checkpoint.json").write_text("{}")
    hidden = base / "lake" / "events" / ".cache"
    hidden.mkdir()
    (hidden / "x.parquet").write_bytes(b"hidden")

    events.write(FRAME, partition_by=["cat"])
    events.write(NEW)
    assert_frame_equal(by_id(events.read()), by_id(NEW))
    assert meta.read()["m"].to_list() == ["keep"]
    assert_frame_equal(csv_dataset.read(), pl.DataFrame({"m": ["keep"]}))
    assert (state / "offsets.parquet").read_bytes() == b"state, not data"
    assert (state / "checkpoint.json").read_text() == "{}"
    assert (hidden / "x.parquet").read_bytes() == b"hidden"

    events.delete()
    assert not events.exists()
    assert meta.read()["m"].to_list() == ["keep"]
    assert (state / "offsets.parquet").is_file() and (hidden / "x.parquet").is_file()


def test_dataset_write_replaces_plain_files_of_its_format(provider: Provider, base: Path) -> None:
    folder = base / "lake" / "events"
    (folder / "cat=a").mkdir(parents=True)
    FRAME.write_parquet(folder / "cat=a" / "legacy.parquet")  # an older Glacier's layout
    NEW.write_parquet(folder / "dropped.parquet")  # or a file put there by another tool
    events = provider.bucket("lake", path="events/")
    assert events.read().height == FRAME.height + NEW.height
    events.write(NEW)
    assert_frame_equal(events.read(), NEW)
    assert not (folder / "cat=a").exists() and not (folder / "dropped.parquet").exists()


def test_parent_prefix_reads_nested_datasets_with_hive_columns(provider: Provider) -> None:
    days = {"2024-01-01": [1, 2], "2024-01-02": [3]}
    for day, ids in days.items():
        provider.bucket("lake", path=f"daily/date={day}/").write(pl.DataFrame({"id": ids}))
    daily = provider.bucket("lake", path="daily/")
    got = daily.read()
    assert got.schema == pl.Schema({"id": pl.Int64, "date": pl.Date})
    assert got["id"].to_list() == [1, 2, 3]
    assert got.filter(pl.col("date") == pl.date(2024, 1, 2))["id"].to_list() == [3]
    assert len(daily.list()) == 2
    daily.write(pl.DataFrame({"id": [9]}))  # the parent replaces its nested datasets
    assert daily.read()["id"].to_list() == [9]
    assert not provider.bucket("lake", path="daily/date=2024-01-01/").exists()


def test_hive_values_are_typed_like_polars(provider: Provider, base: Path) -> None:
    folder = base / "lake" / "typed"
    paths = [
        "i=1/f=1.5/b=true/d=2024-01-01/t=2024-01-01 10%3A00%3A00/s=x/n=__HIVE_DEFAULT_PARTITION__",
        "i=2/f=2/b=false/d=2024-01-02/t=2024-01-02 11%3A30%3A00/s=1/n=3",
    ]
    for i, rel in enumerate(paths):
        (folder / rel).mkdir(parents=True)
        pl.DataFrame({"v": [i]}).write_parquet(folder / rel / "part.parquet")
    expected = pl.scan_parquet(folder / "**" / "*.parquet", hive_partitioning=True).collect()
    got = provider.bucket("lake", path="typed/").read()
    assert_frame_equal(got, expected)


# -- snapshot reads ------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["obj.parquet", "obj.csv", "obj.ndjson", "ds/", "csvds/"])
def test_collect_reads_what_scan_resolved(provider: Provider, path: str) -> None:
    fmt = "csv" if path == "csvds/" else None
    bucket = provider.bucket("lake", path=path, format=fmt)
    partition = ["cat"] if path == "ds/" else None
    bucket.write(FRAME, partition_by=partition)
    pinned = bucket.scan()
    bucket.write(NEW, partition_by=partition)
    assert_frame_equal(by_id(pinned.collect()), by_id(FRAME))
    assert_frame_equal(by_id(pinned.filter(pl.col("id") > 2).collect()), by_id(FRAME[2:]))
    assert_frame_equal(by_id(bucket.read()), by_id(NEW))
    again = bucket.scan()
    bucket.delete()
    assert_frame_equal(by_id(again.collect()), by_id(NEW))


def test_dataset_layout_keeps_one_version_and_no_temp(provider: Provider, base: Path) -> None:
    events = provider.bucket("lake", path="events/")
    for _ in range(3):
        events.write(FRAME, partition_by=["cat"])
        events.write(NEW.lazy())
    state = base / "lake" / "events" / ".glacier" / "parquet"
    current = os.readlink(state / "CURRENT")
    assert tree(base / "lake" / "events") == [
        ".glacier",
        ".glacier/parquet",
        f".glacier/parquet/{current}",
        f".glacier/parquet/{current}/part-00000.parquet",
        ".glacier/parquet/CURRENT",
    ]
    external = pl.read_parquet(state / "CURRENT" / "*.parquet")  # other tools: via the link
    assert_frame_equal(external, NEW)


# -- faults --------------------------------------------------------------------------------
DISK_FULL_CHILD = textwrap.dedent(
    """
    import json, resource, signal, sys
    import polars as pl
    from glacier import Provider
    from glacier.config import LocalConfig
    from glacier.errors import StorageError

    base, path, lazy = sys.argv[1], sys.argv[2], sys.argv[3] == "lazy"
    bucket = Provider(config=LocalConfig(base_path=base)).bucket("lake", path=path)
    bucket.write(pl.DataFrame({"id": [1, 2, 3]}))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
    resource.setrlimit(resource.RLIMIT_FSIZE, (256_000, resource.RLIM_INFINITY))
    big = pl.LazyFrame({"id": pl.int_range(0, 2_000_000, eager=True)}).with_columns(
        h=pl.col("id").hash(1)
    )
    try:
        bucket.write(big if lazy else big.collect())
        print(json.dumps({"raised": None}))
    except StorageError as exc:
        print(json.dumps({"raised": type(exc).__name__, "message": str(exc), "uri": exc.uri}))
    """
)


@pytest.mark.parametrize("path", ["full.parquet", "full.csv", "fullds/"])
@pytest.mark.parametrize("lazy", ["lazy", "eager"])
def test_disk_full_is_a_storage_error_and_keeps_the_previous_version(
    base: Path, tmp_path: Path, path: str, lazy: str
) -> None:
    script = tmp_path / "disk_full.py"
    script.write_text(DISK_FULL_CHILD)
    proc = subprocess.run(
        [sys.executable, str(script), str(base), path, lazy],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    bucket = Provider(config=LocalConfig(base_path=base)).bucket("lake", path=path)
    assert outcome["raised"] == "StorageError", outcome
    assert outcome["uri"] == bucket.get_uri()
    assert bucket.get_uri() in outcome["message"]
    assert "File too large" in outcome["message"] and "ulimit -f" in outcome["message"]
    assert by_id(bucket.read())["id"].to_list() == [1, 2, 3]
    leftovers = [p for p in tree(base) if ".tmp" in p or p.endswith(".new")]
    assert leftovers == []
    if bucket.is_dataset:
        versions = os.listdir(base / "lake" / "fullds" / ".glacier" / "parquet")
        assert len(versions) == 2  # CURRENT and the committed version only


def test_polars_panic_while_writing_is_a_storage_error(provider: Provider, base: Path) -> None:
    def panic(values: pl.Series) -> pl.Series:
        raise pl.exceptions.PanicException("simulated Polars panic")

    boom = pl.LazyFrame({"id": [1, 2]}).with_columns(
        pl.col("id").map_batches(panic, return_dtype=pl.Int64)
    )
    for path in ("p.parquet", "pds/"):
        bucket = provider.bucket("lake", path=path)
        bucket.write(FRAME)
        with pytest.raises(StorageError, match="Polars panicked") as info:
            bucket.write(boom)
        assert info.value.uri == bucket.get_uri() and bucket.get_uri() in str(info.value)
        assert_frame_equal(by_id(bucket.read()), by_id(FRAME))
    assert [p for p in tree(base) if ".tmp" in p] == []


def test_corrupt_file_read_is_a_storage_error_naming_the_uri(
    provider: Provider, base: Path
) -> None:
    bucket = provider.bucket("lake", path="broken.parquet")
    bucket.write(FRAME)
    (base / "lake" / "broken.parquet").write_bytes(b"PAR1 not really parquet")
    with pytest.raises(StorageError, match="broken.parquet") as info:
        bucket.read()
    assert info.value.uri == bucket.get_uri()


def test_user_errors_in_the_written_plan_are_not_wrapped(provider: Provider) -> None:
    bucket = provider.bucket("lake", path="u.parquet")
    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        bucket.write(pl.LazyFrame({"a": [1]}).select("missing"))
    assert not bucket.exists()


@pytest.mark.parametrize("name", ["lake\n", "la\x00ke", "\ud800", "x" * 256, "..", "a/b"])
def test_bad_local_bucket_names_are_refused(provider: Provider, base: Path, name: str) -> None:
    from glacier.errors import InvalidBucketNameError

    with pytest.raises(InvalidBucketNameError, match="Invalid bucket name"):
        provider.bucket(name, path="t.parquet")
    assert not base.exists()
