"""The intermediate resource graph (IR): what a pipeline needs, independent of any cloud.

Built from ``pipeline.build()`` by :class:`glacier.compiler.ir_builder.IRBuilder`: providers
(one per distinct provider config), cloud buckets (Glacier buckets sharing a ``bucket_name`` in
one provider are one cloud bucket), functions and executors with the exact grants their tasks
need, and each task's reads and writes. Emitters render it; nothing here knows a cloud. This
module holds the types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import SecretStr

from glacier.compiler.package import BuildPlan
from glacier.escape_hatch import AdvancedStorageConfig, LifecycleTier
from glacier.models import BucketConfig, ExecutorConfig, ProviderConfig, ServerlessConfig
from glacier.resources.executor import Executor
from glacier.resources.serverless import Serverless

Mode = Literal["read", "write"]


@dataclass(frozen=True)
class IRProvider:
    """One cloud account/region: becomes one explicit Pulumi provider instance."""

    key: str
    config: ProviderConfig

    @property
    def cloud(self) -> str:
        return type(self.config).cloud or type(self.config).__name__

    def environment(self) -> dict[str, Any]:
        """Non-secret config fields (``None`` included) plus ``cloud``, for hook contexts."""
        out: dict[str, Any] = {"cloud": self.cloud}
        for name in type(self.config).model_fields:
            value = getattr(self.config, name)
            if isinstance(value, SecretStr):
                continue
            out[name] = value
        return out


@dataclass(frozen=True)
class Grant:
    """``mode`` access to objects under ``prefix`` ("" = the whole bucket) of one bucket."""

    bucket: str
    prefix: str
    mode: Mode


@dataclass(frozen=True)
class IRBucketPart:
    """One Glacier bucket living in a cloud bucket, with the settings it was declared with."""

    name: str
    path: str
    config: BucketConfig | None
    advanced: AdvancedStorageConfig | None


@dataclass(frozen=True)
class TierRule:
    """Lifecycle tiers for objects under ``prefix`` (``""``: the whole bucket)."""

    prefix: str
    tiers: tuple[LifecycleTier, ...]
    #: The Glacier bucket the rule comes from (rule ids, comments).
    source: str


@dataclass
class IRBucket:
    """One cloud bucket (S3 bucket, Azure container, GCS bucket).

    ``config`` and ``advanced`` are the merged settings of every Glacier bucket in it (see
    :mod:`glacier.compiler.merge`); per-path settings are already scoped to their prefixes
    (``tier_rules``, and the cloud config's own per-path fields).
    """

    key: str
    bucket_name: str
    provider: IRProvider
    config: BucketConfig | None
    advanced: AdvancedStorageConfig | None
    tags: dict[str, str]
    #: Glacier resource names that live in this bucket, and their paths.
    names: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    readers: list[str] = field(default_factory=list)
    writers: list[str] = field(default_factory=list)
    #: The Glacier buckets in it, as declared.
    parts: list[IRBucketPart] = field(default_factory=list)
    #: Lifecycle tiers by prefix (from ``advanced_config.lifecycle_tiers``).
    tier_rules: list[TierRule] = field(default_factory=list)
    #: Referenced, not created: ``provider.bucket(..., existing=True)``.
    existing: bool = False
    #: What merging the parts decided, for the compile summary.
    notes: list[str] = field(default_factory=list)

    kind: str = "bucket"

    @property
    def name(self) -> str:
        return self.bucket_name

    def describe(self) -> str:
        """``'raw' (raw/), 'out' (/)``: the Glacier buckets in it, for comments."""
        return ", ".join(f"{n!r} ({p or '/'})" for n, p in zip(self.names, self.paths, strict=True))


@dataclass
class IRCompute:
    """A function or executor: gets its own identity with exactly ``grants``."""

    kind: Literal["function", "executor"]
    name: str
    provider: IRProvider
    resource: Serverless | Executor
    tags: dict[str, str]
    grants: list[Grant] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)

    @property
    def config(self) -> ServerlessConfig | ExecutorConfig | None:
        return self.resource.config


@dataclass(frozen=True)
class IRTask:
    """One task call: where it runs and which Glacier buckets it reads and writes."""

    node_id: str
    runs_on: str | None
    reads: tuple[str, ...]
    writes: tuple[str, ...]


@dataclass
class IRGraph:
    """The whole IR of one pipeline."""

    pipeline: str
    providers: list[IRProvider]
    buckets: list[IRBucket]
    functions: list[IRCompute]
    executors: list[IRCompute]
    tasks: list[IRTask]
    #: Glacier bucket name -> cloud bucket key.
    bucket_of: dict[str, str] = field(default_factory=dict)
    #: Function packages and build files emitters add; written by ``export_pulumi``.
    build: BuildPlan = field(default_factory=BuildPlan)
    #: requirements.txt lines emitters add while emitting (e.g. an engine's Pulumi SDK).
    program_requirements: list[str] = field(default_factory=list)

    @property
    def resources(self) -> list[IRBucket | IRCompute]:
        """Buckets, functions and executors, in emission order."""
        return [*self.buckets, *self.functions, *self.executors]

    def bucket(self, key: str) -> IRBucket:
        return next(b for b in self.buckets if b.key == key)

    def glacier_names(self) -> set[str]:
        names = {n for b in self.buckets for n in b.names}
        return names | {c.name for c in (*self.functions, *self.executors)}
