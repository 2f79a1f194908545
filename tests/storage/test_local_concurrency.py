"""The local backend under concurrency and kill -9.

* Snapshot reads: readers (threads and processes) collect while writers replace the object or
  dataset: every read is exactly one written version, none fails.
* Concurrent writers (processes) of one object or dataset: no error, none after a commit, the
  committed state is exactly one writer's data, nothing left behind.
* kill -9 of writers in the middle of a write: the previous version stays readable; the
  leftovers are removed by the next write and by ``glacier gc``, never a live writer's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from glacier import Provider
from glacier.cli.main import main as glacier_main
from glacier.config import LocalConfig
from tests.polling import wait_until
from tests.storage.local_worker import check, version

WORKER = Path(__file__).with_name("local_worker.py")
PATHS = ["obj.parquet", "ds/"]
#: Deadline of any child process or wait in this module (never reached when things work).
DEADLINE = 600.0


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def outcome(proc: subprocess.Popen[str]) -> dict[str, object]:
    out, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 0, err[-3000:]
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def temp_entries(root: Path) -> list[str]:
    """Temp files and unfinished creations anywhere under ``root``."""
    return sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if p.name.endswith((".tmp", ".new"))
    )


def versions(base: Path, path: str) -> list[str]:
    """A dataset's version folders (committed or not)."""
    state = base / "lake" / path / ".glacier" / "parquet"
    if not state.exists():
        return []
    return sorted(p.name for p in state.iterdir() if p.is_dir() and not p.is_symlink())


def bucket(base: Path, path: str):  # type: ignore[no-untyped-def]
    return Provider(config=LocalConfig(base_path=base)).bucket("lake", path=path)


def write_version(target, writer: int, round_: int) -> None:  # type: ignore[no-untyped-def]
    frame = version(writer, round_)
    target.write(frame, partition_by=["part"] if target.is_dataset else None)


# -- snapshot reads ------------------------------------------------------------------------
@pytest.mark.parametrize("path", PATHS)
def test_reader_threads_see_whole_versions_while_a_writer_replaces(
    tmp_path: Path, path: str
) -> None:
    """120 rewrites, 3 reader threads scanning, waiting, then collecting."""
    target = bucket(tmp_path, path)
    write_version(target, 0, 0)
    done = threading.Event()
    reads: Counter[str] = Counter()
    failures: list[str] = []

    def reader() -> None:
        source = bucket(tmp_path, path)
        deadline = time.monotonic() + DEADLINE
        while not done.is_set() and time.monotonic() < deadline:
            try:
                lazy = source.scan()
                time.sleep(0.001)
                problem = check(lazy.collect())
            except BaseException as exc:  # PanicException included
                failures.append(f"{type(exc).__name__}: {exc}")
                continue
            reads["bad" if problem else "ok"] += 1
            if problem:
                failures.append(problem)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for round_ in range(1, 121):
            write_version(target, 0, round_)
    finally:
        done.set()
        for thread in threads:
            thread.join(DEADLINE)
    print(f"figures: {path} 3 reader threads, 120 rewrites, {reads['ok']} reads checked")
    assert failures == []
    assert reads["ok"] >= 30, reads
    assert check(target.read()) is None


@pytest.mark.parametrize("path", PATHS)
def test_concurrent_writer_and_reader_processes(tmp_path: Path, path: str) -> None:
    """4 writer processes x 25 writes of one path, 2 reader processes reading throughout."""
    target = bucket(tmp_path, path)
    write_version(target, 9, 0)
    stop = tmp_path / "stop"
    readers = [spawn("read", str(tmp_path), path, str(stop)) for _ in range(2)]
    writers = [spawn("write", str(tmp_path), path, str(w), "25") for w in range(4)]
    written = [outcome(w) for w in writers]
    stop.touch()
    read = [outcome(r) for r in readers]

    total = sum(int(r["reads"]) for r in read)  # type: ignore[call-overload]
    print(f"figures: {path} 4 writer x 25 + 2 reader processes, {total} reads checked")
    assert [w["errors"] for w in written] == [{}] * 4
    assert [w["writes"] for w in written] == [25] * 4
    assert [(r["errors"], r["bad"]) for r in read] == [({}, {})] * 2
    assert total >= 20
    final = target.read()
    assert check(final) is None
    assert int(final["round"][0]) == 24  # each writer's last round is what can win
    assert temp_entries(tmp_path) == []
    if target.is_dataset:
        assert len(versions(tmp_path, path)) == 1
    else:
        assert sorted(os.listdir(tmp_path / "lake")) == ["obj.parquet"]


@pytest.mark.parametrize("path", PATHS)
def test_concurrent_writer_threads(tmp_path: Path, path: str) -> None:
    """6 threads x 30 writes of one path in one process: no error, one writer's data wins."""
    errors: Counter[str] = Counter()

    def writer(index: int) -> None:
        target = bucket(tmp_path, path)
        for round_ in range(30):
            try:
                write_version(target, index, round_)
            except BaseException as exc:  # counted
                errors[f"{type(exc).__name__}: {exc}"] += 1

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE)
    assert dict(errors) == {}
    final = bucket(tmp_path, path).read()
    assert check(final) is None and int(final["round"][0]) == 29
    assert temp_entries(tmp_path) == []
    expected = ["ds"] if path.endswith("/") else ["obj.parquet"]
    assert sorted(os.listdir(tmp_path / "lake")) == expected
    if path.endswith("/"):
        assert len(versions(tmp_path, path)) == 1


# -- kill -9 ---------------------------------------------------------------------------------
class SlowWriter:
    """A child streaming a large write, with its output lines counted as they arrive."""

    ROWS = 20_000_000

    def __init__(self, base: Path, path: str) -> None:
        self.proc = spawn("slow", str(base), path, str(self.ROWS))
        self.batches = 0
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())
            self.batches += line.startswith("batch")

    def wait_writing(self, batches: int = 5) -> None:
        def writing() -> bool:
            assert self.proc.poll() is None, self.proc.stderr.read() if self.proc.stderr else ""
            return self.batches >= batches

        wait_until(writing, f"the writer to write {batches} batches", DEADLINE, every=0.02)
        assert "done" not in self.lines

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(DEADLINE)
        assert self.proc.returncode == -signal.SIGKILL


def leftovers(base: Path, path: str) -> list[str]:
    """What killed writers of ``path`` left: temp files, or uncommitted versions."""
    if path.endswith("/"):
        current = os.readlink(base / "lake" / path / ".glacier" / "parquet" / "CURRENT")
        return [v for v in versions(base, path) if v != current]
    return temp_entries(base)


@pytest.mark.parametrize("path", PATHS)
def test_kill9_rounds_keep_data_and_leftovers_are_collected(
    tmp_path: Path, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """5 writers killed mid-write: previous data intact after each; the next write removes
    their leftovers; ``glacier gc`` removes a killed writer's leftovers but never a live
    writer's."""
    target = bucket(tmp_path, path)
    write_version(target, 1, 1)
    for round_ in range(5):
        writer = SlowWriter(tmp_path, path)
        writer.wait_writing()
        writer.kill()
        assert check(target.read()) is None and int(target.read()["round"][0]) == 1
        assert len(leftovers(tmp_path, path)) == round_ + 1

    write_version(target, 1, 2)  # the next write removes what the killed writers left
    assert leftovers(tmp_path, path) == []
    assert int(target.read()["round"][0]) == 2

    dead, live = SlowWriter(tmp_path, path), SlowWriter(tmp_path, path)
    dead.wait_writing()
    live.wait_writing()
    dead.kill()
    assert len(leftovers(tmp_path, path)) == 2
    assert glacier_main(["gc", "--base-path", str(tmp_path), "--dry-run"]) == 0
    assert "would remove 1 leftover(s)" in capsys.readouterr().out
    assert len(leftovers(tmp_path, path)) == 2
    write_version(target, 1, 3)  # a concurrent write does not remove the live writer's
    assert glacier_main(["gc", "--base-path", str(tmp_path)]) == 0
    assert "removed 0 leftover(s)" in capsys.readouterr().out  # the write already did
    assert len(leftovers(tmp_path, path)) == 1  # the live writer's
    live.kill()
    assert glacier_main(["gc", "--base-path", str(tmp_path)]) == 0
    assert "removed 1 leftover(s)" in capsys.readouterr().out
    assert leftovers(tmp_path, path) == []
    assert int(target.read()["round"][0]) == 3


def test_gc_refuses_a_missing_base_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert glacier_main(["gc", "--base-path", str(tmp_path / "nope")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_pinned_scans_release_their_files(tmp_path: Path) -> None:
    """Open files are the pin: they close with the last LazyFrame that uses them."""
    target = bucket(tmp_path, "ds/")
    write_version(target, 0, 0)
    fd_folder = Path("/dev/fd")  # this process's open descriptors (Linux, macOS)
    before = len(os.listdir(fd_folder))
    frames = [target.scan() for _ in range(20)]
    assert len(os.listdir(fd_folder)) >= before + 20 * 3  # 3 partition files each
    assert all(check(f.collect()) is None for f in frames)
    del frames
    assert len(os.listdir(fd_folder)) <= before + 1
    assert isinstance(target.scan(), pl.LazyFrame)
