"""``glacier gc``: what it removes (abandoned entries), what it never removes (committed data,
live writers' entries), ``--older-than`` and ``--dry-run``. Killed writers are in
test_local_concurrency.py; here leftovers are made directly, and aged with ``os.utime``."""

from __future__ import annotations

import os
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier import Provider
from glacier.cli.main import main as glacier_main
from glacier.config import LocalConfig
from glacier.local import tempfiles

FRAME = pl.DataFrame({"id": [1, 2, 3]})
OLD = 2 * 3600.0


def backdate(path: Path, seconds: float) -> None:
    when = time.time() - seconds
    os.utime(path, (when, when), follow_symlinks=False)


def gc(base: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert glacier_main(["gc", "--base-path", str(base), *args]) == 0
    return capsys.readouterr().out


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def lake(base: Path) -> Path:
    provider = Provider(config=LocalConfig(base_path=base))
    provider.bucket("lake", path="t.parquet").write(FRAME)
    provider.bucket("lake", path="ds/").write(FRAME)
    return base / "lake"


def test_abandoned_entries_go_committed_data_stays(
    base: Path, lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    abandoned = tempfiles.create_file(lake, f".t.parquet.{tempfiles.new_id()}.tmp")
    abandoned.release()  # as if its writer died
    state = lake / "ds" / ".glacier" / "parquet"
    version = tempfiles.create_dir(state, tempfiles.new_id())
    (version.path / "part-00000.parquet").write_bytes(b"x" * 1000)
    version.release()
    assert "would remove 2 leftover(s)" in gc(base, "--dry-run", capsys=capsys)
    assert abandoned.path.exists() and version.path.exists()
    out = gc(base, capsys=capsys)
    assert "removed 2 leftover(s)" in out and "1000 bytes" in out
    assert not abandoned.path.exists() and not version.path.exists()
    provider = Provider(config=LocalConfig(base_path=base))
    assert_frame_equal(provider.bucket("lake", path="t.parquet").read(), FRAME)
    assert_frame_equal(provider.bucket("lake", path="ds/").read(), FRAME)
    assert "removed 0 leftover(s)" in gc(base, capsys=capsys)


def test_live_writers_entries_stay(
    base: Path, lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live_file = tempfiles.create_file(lake, f".t.parquet.{tempfiles.new_id()}.tmp")
    live_dir = tempfiles.create_dir(lake / "ds" / ".glacier" / "parquet", tempfiles.new_id())
    try:
        backdate(live_file.path, OLD)
        backdate(live_dir.path, OLD)
        assert "removed 0 leftover(s)" in gc(base, capsys=capsys)
        assert live_file.path.exists() and live_dir.path.exists()
    finally:
        live_file.release()
        live_dir.release()
    assert "removed 2 leftover(s)" in gc(base, capsys=capsys)


def test_older_than_keeps_recent_leftovers(
    base: Path, lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recent = tempfiles.create_file(lake, f".t.parquet.{tempfiles.new_id()}.tmp")
    recent.release()
    assert "removed 0 leftover(s)" in gc(base, "--older-than", "600", capsys=capsys)
    backdate(recent.path, 900)
    assert "removed 1 leftover(s)" in gc(base, "--older-than", "600", capsys=capsys)


def test_unlockable_leftovers_go_only_after_an_hour(
    base: Path, lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy_file = lake / f".t.parquet.{'a' * 32}.tmp"  # earlier releases: no lock
    legacy_file.write_bytes(b"old")
    legacy_dir = lake / f".ds.{'b' * 32}.old"
    legacy_dir.mkdir()
    (legacy_dir / "part-00000.parquet").write_bytes(b"old")
    creating = lake / "ds" / ".glacier" / "parquet" / f"{tempfiles.new_id()}.new"
    creating.mkdir()
    entries = [legacy_file, legacy_dir, creating]
    assert "removed 0 leftover(s)" in gc(base, capsys=capsys)
    assert all(p.exists() for p in entries)
    for path in entries:
        backdate(path, OLD)
    out = gc(base, capsys=capsys)
    assert "removed 3 leftover(s)" in out and "older Glacier" in out
    assert not any(p.exists() for p in entries)


def test_gc_never_touches_look_alike_user_files(
    base: Path, lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keep = [lake / "report.tmp", lake / ".notes.txt", lake / "_state" / ".x.1.tmp"]
    for path in keep:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("mine")
        backdate(path, OLD)
    assert "removed 0 leftover(s)" in gc(base, capsys=capsys)
    assert all(p.read_text() == "mine" for p in keep)


def test_gc_refuses_a_negative_age(
    base: Path, lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert glacier_main(["gc", "--base-path", str(base), "--older-than", "-1"]) == 2
    assert "--older-than" in capsys.readouterr().err


def test_gc_file_cleans_only_the_buckets_the_file_defines(
    base: Path, lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``glacier gc FILE``: the buckets the pipeline file defines, through each bucket's
    adapter (the same call cleans object stores); another bucket's leftovers stay."""
    other = base / "other"
    other.mkdir()
    theirs = tempfiles.create_file(other, f".x.parquet.{tempfiles.new_id()}.tmp")
    theirs.release()
    ours = tempfiles.create_file(lake / "ds", f".part.parquet.{tempfiles.new_id()}.tmp")
    ours.release()
    script = tmp_path / "lake_pipeline.py"
    script.write_text(
        "from glacier import Provider\n"
        "from glacier.config import LocalConfig\n"
        f"provider = Provider(config=LocalConfig(base_path={str(base)!r}))\n"
        'ds = provider.bucket("lake", path="ds/")\n'
    )
    assert glacier_main(["gc", str(script), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would remove {ours.path.as_uri()}" in out
    assert "would remove 1 leftover(s) in 1 bucket(s)" in out
    assert ours.path.exists()
    assert glacier_main(["gc", str(script)]) == 0
    assert "removed 1 leftover(s) in 1 bucket(s)" in capsys.readouterr().out
    assert not ours.path.exists() and theirs.path.exists()
    provider = Provider(config=LocalConfig(base_path=base))
    assert_frame_equal(provider.bucket("lake", path="ds/").read(), FRAME)


def test_gc_file_refusals(base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "no_buckets.py"
    script.write_text("x = 1\n")
    assert glacier_main(["gc", str(script)]) != 0
    assert "defines no bucket at module level" in capsys.readouterr().err
    assert glacier_main(["gc", str(script), "--base-path", str(base)]) != 0
    assert "give FILE or --base-path, not both" in capsys.readouterr().err
