"""Run results: per-task status, duration, output and error."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glacier.errors import PipelineFailedError

if TYPE_CHECKING:
    from glacier.dag.location import Location


class TaskStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    NOT_RUN = "not_run"
    CANCELLED = "cancelled"


@dataclass(slots=True)
class TaskRun:
    """What happened to one task call."""

    name: str
    status: TaskStatus = TaskStatus.NOT_RUN
    duration: float = 0.0
    attempts: int = 0
    output: Any = None
    error: BaseException | None = None
    #: Why a task did not run (e.g. the upstream task that failed).
    reason: str | None = None
    rows_written: int | None = None
    uris_written: list[str] = field(default_factory=list)
    executor: str = "local"
    job_id: str | None = None
    #: Link to the job in the engine's UI (executor tasks), when the engine has one.
    run_url: str | None = None
    #: Where a failed task failed in the user's code (innermost user frame, else the task's
    #: ``def`` line).
    location: Location | None = None

    @property
    def ok(self) -> bool:
        return self.status is TaskStatus.SUCCEEDED


@dataclass
class RunResult:
    """The result of ``Pipeline.run()``: ``result["clean"].output``, ``result.ok``."""

    pipeline: str
    tasks: dict[str, TaskRun]
    duration: float = 0.0

    def __getitem__(self, name: str) -> TaskRun:
        try:
            return self.tasks[name]
        except KeyError:
            raise KeyError(
                f"Pipeline {self.pipeline!r} has no task {name!r}; tasks: {', '.join(self.tasks)}"
            ) from None

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tasks.values())

    @property
    def failed(self) -> list[TaskRun]:
        return [
            t for t in self.tasks.values() if t.status in (TaskStatus.FAILED, TaskStatus.TIMED_OUT)
        ]

    def output(self, name: str) -> Any:
        return self[name].output

    def raise_on_failure(self) -> RunResult:
        """Raise :class:`PipelineFailedError` naming the first failing task, chained to its
        original exception."""
        failed = self.failed
        if not failed and self.ok:
            return self
        if not failed:
            names = ", ".join(t.name for t in self.tasks.values() if not t.ok)
            raise PipelineFailedError(f"Pipeline {self.pipeline!r} did not finish: {names}", self)
        first = failed[0]
        err = first.error
        more = f" (and {len(failed) - 1} more failed)" if len(failed) > 1 else ""
        at = f" at {first.location}" if first.location else ""
        raise PipelineFailedError(
            f"Pipeline {self.pipeline!r} failed: task {first.name!r} raised "
            f"{type(err).__name__}: {err}{at}{more}",
            self,
        ) from err
