"""Run history: one JSON record per pipeline run, in any bucket (see docs/operating.md)."""

from glacier.runs.record import ErrorInfo, RunRecord, TaskRecord
from glacier.runs.store import BucketRunStore, NullRunStore, RunStore

__all__ = ["BucketRunStore", "ErrorInfo", "NullRunStore", "RunRecord", "RunStore", "TaskRecord"]
