"""Per-task context while a task runs: see :mod:`glacier.resources.writes` (re-exported)."""

from glacier.resources.writes import TaskContext, current_task, record_write

__all__ = ["TaskContext", "current_task", "record_write"]
