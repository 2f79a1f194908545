"""What the running task wrote: ``Bucket.write`` records each write here, the DAG runtime
reads it for the summary table and run records. It lives with the resources (not in
:mod:`glacier.dag`) so that resources never import the runtime: the runtime sets the context,
resources only append to it."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from glacier.adapters.base import WriteResult


@dataclass(slots=True)
class TaskContext:
    """Collects the writes made by one running task."""

    node_id: str
    writes: list[WriteResult] = field(default_factory=list)


current_task: ContextVar[TaskContext | None] = ContextVar("glacier_current_task", default=None)


def record_write(result: WriteResult) -> None:
    """Called by ``Bucket.write``; attributes the write to the running task, if any."""
    ctx = current_task.get()
    if ctx is not None:
        ctx.writes.append(result)
