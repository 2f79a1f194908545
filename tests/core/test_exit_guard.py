"""A failed Polars UDF must not turn a process's exit into SIGABRT (glacier/exit_guard.py).

The child makes the race deterministic: one thread is inside the UDF when another's call
fails, and the interpreter's finalization sleeps while that thread comes back for the GIL.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("exit_child.py")
FINALIZE_KILLS = sys.version_info < (3, 14)  # 3.14 parks such threads instead (gh-87135)


def run_child(mode: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD), mode, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(not FINALIZE_KILLS, reason="Python 3.14 parks late threads")
def test_plain_polars_aborts_at_exit(tmp_path: Path) -> None:
    """The cause, without Glacier: the exit status is lost to SIGABRT."""
    assert run_child("plain", tmp_path).returncode == -signal.SIGABRT


@pytest.mark.skipif(not FINALIZE_KILLS, reason="Python 3.14 parks late threads")
def test_without_the_guard_a_failed_task_aborts_at_exit(tmp_path: Path) -> None:
    assert run_child("unguarded", tmp_path).returncode == -signal.SIGABRT


def test_a_failed_task_exits_with_its_status(tmp_path: Path) -> None:
    done = run_child("glacier", tmp_path)
    assert done.returncode == 3, done.stderr[-2000:]
    assert not (tmp_path / "lake" / "out.parquet").exists()


def test_drain_returns_once_no_native_thread_runs_python() -> None:
    from glacier.exit_guard import QUIET_POLLS, drain, native_threads_in_python

    assert native_threads_in_python() == []
    assert drain(timeout=5) == QUIET_POLLS
