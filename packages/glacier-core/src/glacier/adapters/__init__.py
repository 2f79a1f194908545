"""Adapter interfaces: what a plugin implements for each resource kind."""

from glacier.adapters.base import (
    Adapter,
    BucketAdapter,
    ExecutorAdapter,
    JobStatus,
    ServerlessAdapter,
    WriteResult,
)

__all__ = [
    "Adapter",
    "BucketAdapter",
    "ExecutorAdapter",
    "JobStatus",
    "ServerlessAdapter",
    "WriteResult",
]
