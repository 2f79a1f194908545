"""Base classes of every Glacier config model (pydantic v2).

Configs are data, not behaviour: strict (``extra="forbid"``), frozen (hashable) and validated.
Cloud plugins subclass these bases; core never imports a cloud config.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, SecretStr


class GlacierModel(BaseModel):
    """Strict, immutable base model: unknown fields are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, defer_build=True)


class ProviderConfig(GlacierModel):
    """Where resources live: a cloud account/region, or the local machine.

    Subclasses: ``LocalConfig`` (core), ``AwsConfig``, ``AzureConfig``, ``GcpConfig`` (plugins).
    """

    #: Short cloud key used in names, docs and generated code ("aws", "local", ...).
    cloud: ClassVar[str] = ""

    #: Fields that are not secrets but name or go with a credential (a profile, a key file,
    #: the id paired with a secret): like secrets, they never go into a job spec.
    credential_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Build the config from this cloud's standard environment variables
        (``environ`` defaults to ``os.environ``)."""
        raise NotImplementedError(f"{cls.__name__}.from_env() is not implemented")

    def job_fields(self) -> dict[str, Any]:
        """The fields that rebuild this config in a job process (an executor worker): every
        field that is set, except secrets (``SecretStr``) and :attr:`credential_fields`.
        A job spec carries nothing else: the worker takes its credentials from its own
        environment, by the variable names each cloud documents. Paths become strings."""
        out: dict[str, Any] = {}
        for key, value in self:
            if value is None or isinstance(value, SecretStr) or key in self.credential_fields:
                continue
            out[key] = str(value) if isinstance(value, PurePath) else value
        return out

    def describe(self) -> dict[str, Any]:
        """Fields for display; secrets stay masked (pydantic ``SecretStr``)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class ResourceConfig(GlacierModel):
    """Base of resource configs (bucket, serverless, executor)."""


class BucketConfig(ResourceConfig):
    """Cloud-specific bucket settings (``S3Config``, ``BlobConfig``, ``GcsConfig``)."""


class ServerlessConfig(ResourceConfig):
    """Cloud-specific function settings (``LambdaConfig``, ...)."""


class ExecutorConfig(ResourceConfig):
    """Engine-specific executor settings (``DatabricksConfig``, ``GlueConfig``, ...)."""

    #: Short engine key ("local", "databricks", "glue", ...).
    engine: ClassVar[str] = ""

    #: Fields that name an engine which already exists (a job, a cluster): when any is set
    #: the compiler references that engine instead of creating one, and the runtime uses it
    #: (see :func:`glacier.deploy.existing.is_existing`).
    existing_fields: ClassVar[tuple[str, ...]] = ()

    #: Bucket (in the executor's provider) where job packages, inputs and results are staged.
    staging_bucket: str | None = None

    def validate_instance_type(self, provider_config: ProviderConfig) -> None:
        """Raise ``glacier.errors.ConfigError`` when this config cannot run on a provider with
        ``provider_config`` (e.g. a node type of another cloud). Called by
        ``Provider.executor()``; engines with per-cloud instance types override it."""
