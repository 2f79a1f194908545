"""Abstract adapters. Users never see these: resources delegate to them.

An adapter is created lazily, once per resource, by :meth:`glacier.Provider.get_adapter`,
and receives the resource and the provider (dependency injection).
"""

from __future__ import annotations

import builtins
import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import polars as pl

    from glacier.jobs.spec import BucketSpec
    from glacier.provider import Provider
    from glacier.resources.bucket import Bucket  # noqa: F401 - in Adapter["Bucket"] bases
    from glacier.resources.executor import Executor  # noqa: F401 - likewise
    from glacier.resources.serverless import Serverless  # noqa: F401 - likewise
    from glacier.storage.blobs import Blobs

R = TypeVar("R")


class Adapter(ABC, Generic[R]):
    """Base adapter: holds the resource it serves and the provider."""

    def __init__(self, resource: R, provider: Provider) -> None:
        self.resource = resource
        self.provider = provider


@dataclass(frozen=True)
class WriteResult:
    """What a write produced."""

    uri: str
    rows: int | None = None
    files: int = 1


class BucketAdapter(Adapter["Bucket"]):
    """Storage operations of one :class:`~glacier.resources.bucket.Bucket`.

    Writes must be atomic: a reader never sees a half-written object at the target, and a
    failed or interrupted write leaves the previous object intact.
    """

    @abstractmethod
    def scan(self) -> pl.LazyFrame:
        """Lazily scan the object or dataset (projection/predicate pushdown preserved)."""

    @abstractmethod
    def write(
        self, data: pl.DataFrame | pl.LazyFrame, *, partition_by: list[str] | None = None
    ) -> WriteResult:
        """Atomically write ``data``; a LazyFrame streams to its sink where possible."""

    def _check_single_object_write(self, partition_by: list[str] | None) -> None:
        """``partition_by`` only makes sense for a dataset prefix (a path ending in '/')."""
        if partition_by:
            from glacier.errors import ResourceError

            raise ResourceError(
                f"partition_by needs a dataset bucket (a path ending in '/'); "
                f"{self.resource.name!r} has path {self.resource.path!r}."
            )

    @abstractmethod
    def exists(self) -> bool:
        """Whether the object (or any object under a dataset prefix) exists."""

    @abstractmethod
    def get_uri(self) -> str:
        """The cloud URI of the object or prefix (``s3://...``, ``file://...``)."""

    def get_engine_uri(self) -> str:
        """The URI distributed engines (Spark, Databricks, ...) read this location by;
        usually :meth:`get_uri`. Adapters whose engines spell the scheme differently
        override it (ADLS Gen2: ``abfss://``)."""
        return self.get_uri()

    @abstractmethod
    def list(self) -> list[str]:
        """URIs of the objects under the bucket's path, sorted."""

    @abstractmethod
    def delete(self) -> None:
        """Delete the object (or every object under a dataset prefix). Missing is not an error."""

    def gc(self, older_than: timedelta | None, *, dry_run: bool = False) -> builtins.list[str]:
        """Remove what failed or killed writers left under this bucket's path (never a
        committed version), untouched for ``older_than`` (``None``: the backend's safe
        default); ``dry_run`` only lists it. Returns what was (or would be)
        removed. Backends with nothing to collect keep this default: nothing."""
        return []

    def blobs(self) -> Blobs:
        """Small byte objects under this bucket's path (its dataset prefix, or the folder of
        its object), for run records, scheduler state and trigger polling (see
        :mod:`glacier.storage.blobs`). Adapters that are not built on the local or the
        object-store base override it, or run records and triggers cannot use their
        buckets."""
        from glacier.errors import NotSupportedError

        raise NotSupportedError(
            f"Bucket {self.resource.name!r} uses {type(self).__name__}, which does not "
            "provide blobs(); run records and bucket triggers need it. Use a bucket of a "
            "local, S3, Azure or GCS provider, or implement blobs() in the adapter."
        )


class ServerlessAdapter(Adapter["Serverless"]):
    """Invocation and deployment of one :class:`~glacier.resources.serverless.Serverless`."""

    @abstractmethod
    def invoke(self, payload: dict[str, Any]) -> Any:
        """Call the function with a JSON payload and return its JSON result."""

    @abstractmethod
    def deploy(self) -> None:
        """Make the function callable (a no-op where compile/`pulumi up` deploys it)."""


class JobStatus(enum.StrEnum):
    """Normalised job states across engines."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class ExecutorAdapter(Adapter["Executor"]):
    """Job submission to one engine (chosen by the executor's config type)."""

    @abstractmethod
    def submit_job(self, job: dict[str, Any]) -> str:
        """Submit a job (see :mod:`glacier.jobs`) and return its id."""

    @abstractmethod
    def get_job_status(self, job_id: str) -> JobStatus:
        """Current state of a job."""

    @abstractmethod
    def cancel_job(self, job_id: str) -> None:
        """Cancel a job; cancelling a finished job is not an error."""

    def staging_location(self, job_id: str) -> BucketSpec | None:
        """Where job ``job_id`` is staged, when this engine decides it itself (e.g. a local
        folder); ``None`` (the default) stages under the executor's staging bucket (see
        :func:`glacier.jobs.staging.staging_prefix`, which callers use)."""
        return None

    def get_job_error(self, job_id: str) -> str | None:
        """The engine's error text for a failed job, if any."""
        return None

    def get_run_url(self, job_id: str) -> str | None:
        """A link to the job in the engine's UI, if any."""
        return None
