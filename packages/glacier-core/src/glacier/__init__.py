"""Glacier: cloud-agnostic data pipelines on Polars.

>>> from glacier import Provider, pipeline, task

Names load lazily, so ``import glacier`` stays cheap and loads no plugin.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from glacier._version import __version__

if TYPE_CHECKING:
    from glacier.compiler import PulumiCompiler
    from glacier.dag.pipeline import Pipeline, pipeline
    from glacier.dag.result import RunResult, TaskStatus
    from glacier.dag.task import Task, task
    from glacier.provider import Provider
    from glacier.resources import Bucket, Executor, Serverless

_EXPORTS = {
    "Provider": "glacier.provider",
    "Bucket": "glacier.resources.bucket",
    "Serverless": "glacier.resources.serverless",
    "Executor": "glacier.resources.executor",
    "task": "glacier.dag.task",
    "Task": "glacier.dag.task",
    "pipeline": "glacier.dag.pipeline",
    "Pipeline": "glacier.dag.pipeline",
    "RunResult": "glacier.dag.result",
    "TaskStatus": "glacier.dag.result",
    "PulumiCompiler": "glacier.compiler",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'glacier' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "Bucket",
    "Executor",
    "Pipeline",
    "Provider",
    "PulumiCompiler",
    "RunResult",
    "Serverless",
    "Task",
    "TaskStatus",
    "__version__",
    "pipeline",
    "task",
]
