"""The job document (JSON) that carries one task to an engine, and bucket descriptors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from glacier.deploy.record import ArtifactRecord
from glacier.models import GlacierModel

if TYPE_CHECKING:
    from glacier.provider import Provider
    from glacier.resources.bucket import Bucket


class BucketSpec(GlacierModel):
    """Enough to rebuild a :class:`Bucket` in another process. Credentials are never
    included (:meth:`~glacier.models.ProviderConfig.job_fields`): the remote side takes them
    from its own environment."""

    provider_type: str
    provider: dict[str, Any]
    bucket_name: str
    path: str
    format: str

    @classmethod
    def of(cls, bucket: Bucket) -> BucketSpec:
        return cls(
            provider_type=type(bucket.provider.config).__name__,
            provider=bucket.provider.config.job_fields(),
            bucket_name=bucket.bucket_name,
            path="/" if bucket.explicit_root else bucket.path,
            format=bucket.format,
        )

    def provider_instance(self) -> Provider:
        import glacier.config
        from glacier.provider import Provider

        config_cls = getattr(glacier.config, self.provider_type)
        return Provider(config=config_cls(**self.provider))

    def owned_by(self, provider: Provider | None) -> Provider | None:
        """``provider`` if this spec was made from its config (same type and public fields):
        opening the spec with it keeps the credentials the spec omits. Else None."""
        if provider is None or type(provider.config).__name__ != self.provider_type:
            return None
        return provider if provider.config.job_fields() == self.provider else None

    def open(self, provider: Provider | None = None) -> Bucket:
        provider = provider or self.provider_instance()
        return provider.bucket(self.bucket_name, path=self.path, format=self.format)

    def child(self, name: str) -> BucketSpec:
        """A file directly under this (dataset-prefix) spec."""
        return self.model_copy(update={"path": f"{self.path.rstrip('/')}/{name}".lstrip("/")})


class JobInput(GlacierModel):
    """One argument of the task: a JSON literal, a bucket, or a frame staged in a bucket."""

    kind: Literal["literal", "bucket", "frame"]
    value: Any = None
    bucket: BucketSpec | None = None


class JobSpec(GlacierModel):
    """One task run remotely. The runner writes ``frame.parquet`` (a frame result) or
    ``value.parquet`` (a JSON result, one row, column ``json``) under ``result``.

    ``artifact``: the code artifact the engine installs before running the job (see
    :mod:`glacier.deploy.runtime`); ``task`` is then a module of it and ``python_path`` is
    empty. Without one the engine must already have the task's code importable."""

    version: Literal[1] = 1
    job_id: str
    task_name: str
    task: str
    args: list[JobInput] = []
    kwargs: dict[str, JobInput] = {}
    result: BucketSpec
    python_path: list[str] = []
    artifact: ArtifactRecord | None = None
