"""Progress reporting during a run. The runtime calls these from its scheduler thread."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from glacier.dag.result import RunResult, TaskRun, TaskStatus


class Progress:
    """Silent base: subclass and override what you want to show."""

    def on_start(self, node_id: str) -> None: ...
    def on_status(self, node_id: str, status: str) -> None: ...
    def on_retry(self, node_id: str, attempt: int, error: BaseException, delay: float) -> None: ...
    def on_finish(self, run: TaskRun) -> None: ...


_SYMBOL = {
    TaskStatus.SUCCEEDED: "ok",
    TaskStatus.FAILED: "FAILED",
    TaskStatus.TIMED_OUT: "TIMEOUT",
    TaskStatus.NOT_RUN: "not run",
    TaskStatus.CANCELLED: "cancelled",
}


class ConsoleProgress(Progress):
    """One line per event on a text stream (stderr by default)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self._t0 = time.perf_counter()
        self._lock = threading.Lock()

    def _line(self, text: str) -> None:
        with self._lock:
            print(f"[{time.perf_counter() - self._t0:7.2f}s] {text}", file=self.stream, flush=True)

    def on_start(self, node_id: str) -> None:
        self._line(f"start    {node_id}")

    def on_status(self, node_id: str, status: str) -> None:
        self._line(f"status   {node_id}: {status}")

    def on_retry(self, node_id: str, attempt: int, error: BaseException, delay: float) -> None:
        self._line(
            f"retry    {node_id} (attempt {attempt} failed: {type(error).__name__}: {error}; "
            f"next in {delay:.1f}s)"
        )

    def on_finish(self, run: TaskRun) -> None:
        extra = f" ({run.reason})" if run.reason else ""
        if run.error is not None and run.status is not TaskStatus.NOT_RUN:
            extra = f": {type(run.error).__name__}: {run.error}"
            if run.location is not None:
                extra += f" [at {run.location}]"
        self._line(f"{_SYMBOL[run.status]:<8} {run.name} in {run.duration:.2f}s{extra}")


def summary_table(result: RunResult) -> str:
    """A plain-text table: task, status, duration, rows written."""
    rows = [("task", "status", "duration", "rows written", "executor")]
    for run in result.tasks.values():
        rows.append(
            (
                run.name,
                run.status.value,
                f"{run.duration:.3f}s",
                "" if run.rows_written is None else f"{run.rows_written:,}",
                run.executor,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    status = "succeeded" if result.ok else "FAILED"
    lines.append(f"pipeline {result.pipeline!r} {status} in {result.duration:.3f}s")
    return "\n".join(lines)
