"""Pipelines: ``@task`` functions called inside a ``@pipeline`` function build a DAG."""

from glacier.dag.pipeline import Pipeline, pipeline
from glacier.dag.result import RunResult, TaskRun, TaskStatus
from glacier.dag.task import Task, task

__all__ = ["Pipeline", "RunResult", "Task", "TaskRun", "TaskStatus", "pipeline", "task"]
