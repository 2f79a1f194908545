"""Cloud-agnostic resources: one class each, whatever the cloud."""

from glacier.resources.base import Resource
from glacier.resources.bucket import Bucket
from glacier.resources.executor import Executor
from glacier.resources.serverless import Serverless

__all__ = ["Bucket", "Executor", "Resource", "Serverless"]
