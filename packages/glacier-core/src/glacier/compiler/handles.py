"""Typed handles: what one emitted resource tells the rest of the program about itself.

Emitters used to pass values to each other through string keys (``"bucket:" + key``,
``"kms:" + key`` and ``.code.removesuffix(".arn")``). A handle is the typed result of an emit
step instead: the variable of the Pulumi resource in the generated program, the IR object it
stands for, and the related resources other steps need (the bucket's encryption key and
versioning resource, the identity's principal). :class:`Handles` is the program-wide table
of them, plus :meth:`Handles.once` for resources emitted once per program (a custom role per
project, a resource group per provider).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from glacier.compiler.errors import CompilerError
from glacier.compiler.pyrender import Expr

if TYPE_CHECKING:
    from glacier.compiler.deploy_ir import IRArtifact, IRDriver
    from glacier.compiler.ir import IRBucket, IRCompute, IRProvider

T = TypeVar("T")


@dataclass(frozen=True)
class ProviderHandle:
    """An explicit Pulumi provider instance (one per account/region/project)."""

    var: str
    provider: IRProvider


@dataclass(frozen=True)
class KeyHandle:
    """A customer-managed encryption key.

    ``ref`` is the value that names the key where other resources use it (an expression
    such as the key's ARN on AWS or id on GCP, or the literal id of a key the user gave).
    ``var`` is the key resource, or ``None`` when Glacier did not create the key.
    """

    var: str | None
    ref: Expr | str


@dataclass
class BucketHandle:
    """One emitted (or referenced) cloud bucket.

    Attributes:
        var: Variable of the bucket resource (S3 bucket, Azure container, GCS bucket).
        bucket: The IR bucket it stands for.
        key: Its customer-managed key, when one encrypts it.
        versioning: Variable of a separate versioning resource, when the cloud has one
            (others depend on it, e.g. S3 object lock and replication).
        parent: Variable of the resource that holds the bucket, when there is one (the
            Azure storage account of a container).
        existing: True when the bucket is referenced, not created (``existing=True``).
    """

    var: str
    bucket: IRBucket
    key: KeyHandle | None = None
    versioning: str | None = None
    parent: str | None = None
    existing: bool = False

    @property
    def provider(self) -> IRProvider:
        return self.bucket.provider


@dataclass(frozen=True)
class IdentityHandle:
    """The identity a function, executor or the driver runs as (IAM role, managed identity,
    service account)."""

    var: str
    compute: IRCompute | IRDriver


@dataclass(frozen=True)
class FunctionHandle:
    """An emitted function. ``var`` is the function resource (``None`` when the cloud step
    returned none); the driver's identity is granted invoke on it."""

    var: str | None
    compute: IRCompute
    identity: IdentityHandle


@dataclass(frozen=True)
class ExecutorHandle:
    """An emitted (or referenced) executor: its identity, staging bucket and engine resource
    (``var``: the job/cluster created; ``None`` when referenced or the engine returned none).
    ``existing`` holds the config fields naming an existing engine (``GlueConfig.job_name``)."""

    var: str | None
    compute: IRCompute
    identity: IdentityHandle
    staging: BucketHandle | None
    existing: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ArtifactHandle:
    """The uploaded artifact. ``info`` is the program variable holding the local wheel's
    ``path``, ``filename``, ``sha256`` and ``entry`` (read when the program runs); ``var`` is
    the uploaded object; ``uri`` the expression engines and the driver read it from."""

    var: str
    info: str
    uri: Expr
    bucket: BucketHandle
    artifact: IRArtifact


@dataclass(frozen=True)
class DriverHandle:
    """The emitted driver: ``var`` is what schedules and triggers start (an ECS task
    definition, a Cloud Run job, a Container Apps job), ``identity`` its identity.
    ``extra`` holds cloud-specific variables later steps need (cluster, roles)."""

    var: str
    driver: IRDriver
    identity: IdentityHandle
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BucketGrant:
    """``mode`` access of an identity to objects under ``prefix`` of one emitted bucket."""

    bucket: BucketHandle
    prefix: str
    mode: str


@dataclass
class Handles:
    """Every handle of one program, by IR key; filled in emission order."""

    providers: dict[str, ProviderHandle] = field(default_factory=dict)
    buckets: dict[str, BucketHandle] = field(default_factory=dict)
    identities: dict[str, IdentityHandle] = field(default_factory=dict)
    functions: dict[str, FunctionHandle] = field(default_factory=dict)
    executors: dict[str, ExecutorHandle] = field(default_factory=dict)
    artifact: ArtifactHandle | None = None
    driver: DriverHandle | None = None
    _once: dict[Hashable, Any] = field(default_factory=dict)

    def provider(self, key: str) -> ProviderHandle:
        """The provider emitted for IR provider ``key``."""
        return _get(self.providers, key, "provider")

    def bucket(self, key: str) -> BucketHandle:
        """The bucket emitted for IR bucket ``key`` (``<provider key>/<bucket name>``)."""
        return _get(self.buckets, key, "bucket")

    def identity(self, name: str) -> IdentityHandle:
        """The identity emitted for the function or executor ``name``."""
        return _get(self.identities, name, "identity")

    def once(self, key: Hashable, factory: Callable[[], T]) -> T:
        """``factory()`` the first time ``key`` is asked for, the same value afterwards:
        for resources a program needs once (a custom role per project, a client-config
        invoke per provider)."""
        if key not in self._once:
            self._once[key] = factory()
        value: T = self._once[key]
        return value

    def has_once(self, key: Hashable) -> bool:
        return key in self._once


def _get(table: dict[str, T], key: str, what: str) -> T:
    try:
        return table[key]
    except KeyError:
        known = ", ".join(sorted(table)) or "none yet"
        raise CompilerError(
            f"No {what} {key!r} has been emitted (emitted: {known}). An emitter asked for it "
            "before the compiler emitted it: emit order is providers, buckets, functions, "
            "executors, artifact, driver, schedules, triggers, alarms."
        ) from None
