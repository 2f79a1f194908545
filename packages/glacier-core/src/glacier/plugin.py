"""The published plugin API: everything a Glacier plugin may import, from one module.

A plugin (``glacier-aws``, ``glacier-emr``, yours) imports only from here::

    from glacier.plugin import BucketBackend, ObjectStoreBucketAdapter, PulumiEmitter, hookimpl

Everything else under ``glacier.*`` is internal and may change in any release; the names
here follow semantic versioning (:data:`API_VERSION` changes on a breaking change). The
import contract in CI (``lint-imports``) enforces it for the built-in plugins.

Names load lazily (module ``__getattr__``), so a plugin's thin hooks module that imports
``hookimpl`` and the registration records pays for nothing else.

Groups (see ``docs/plugins.md`` for a worked example of each):

* **Registration**: :data:`hookimpl`, :class:`BucketBackend`, :class:`ServerlessBackend`,
  :class:`ExecutorBackend`, :class:`EnvDetector`, :class:`PulumiEmitterSpec`.
* **Configs**: :class:`GlacierModel` and the bases :class:`ProviderConfig`,
  :class:`BucketConfig`, :class:`ServerlessConfig`, :class:`ExecutorConfig`.
* **Adapters**: :class:`BucketAdapter`, :class:`ObjectStoreBucketAdapter` (an fsspec object
  store in a few hooks), :class:`ServerlessAdapter`, :class:`ExecutorAdapter`,
  :class:`JobStatus`, :class:`WriteResult`, :func:`http_result`.
* **Jobs**: :func:`stage_job` / :class:`StagedJob` (ship a task to an engine),
  :func:`entrypoint_source`, :func:`python_error`, :class:`JobSpec`, :class:`BucketSpec`.
* **Emitters**: the template :class:`PulumiEmitter` / :class:`EngineEmitter`, typed handles
  (:class:`BucketHandle`, :class:`KeyHandle`, :class:`IdentityHandle`,
  :class:`ProviderHandle`, :class:`BucketGrant`), the program writer
  (:class:`ProgramWriter`, :class:`HookTarget`, :class:`Call`, :class:`Expr`,
  :func:`py_literal`, :func:`py_comment`, :func:`py_ident`), the typed IR
  (:class:`IRGraph`, :class:`IRProvider`, :class:`IRBucket`, :class:`IRCompute`,
  :class:`TierRule`, :class:`Grant`; an engine's own job: :class:`IRJob`,
  :class:`IRJobTask`), merge rules for shared buckets (:func:`any_true`,
  :func:`all_true`, :func:`strongest`, :func:`longest`, :func:`one_of`, :func:`same`; a rule
  of your own returns :class:`Merged`), function packages
  (:func:`make_package`, :func:`loader_lines`, :class:`BuildFile`, :func:`safe_name`) and
  the escape-hatch models (:class:`AdvancedStorageConfig`, ...).
* **Errors**: every :mod:`glacier.errors` class and the compiler's errors.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from glacier._version import __version__

#: Version of this API (not of glacier-core): bumped on any breaking change here.
API_VERSION = 1

if TYPE_CHECKING:
    from glacier.adapters.base import (
        BucketAdapter,
        ExecutorAdapter,
        JobStatus,
        ServerlessAdapter,
        WriteResult,
    )
    from glacier.adapters.http import http_result
    from glacier.compiler.checks import check_include, check_requirement
    from glacier.compiler.deploy_ir import (
        DRIVER_CONTAINER,
        RUNS_ENV,
        DriverConfig,
        IRAlarm,
        IRArtifact,
        IRDriver,
        IRSchedule,
        IRTrigger,
    )
    from glacier.compiler.driver_image import CONTEXT, DOCKERFILE, dockerfile_text
    from glacier.compiler.emitter import STAGING_PREFIX, EngineEmitter, PulumiEmitter
    from glacier.compiler.errors import (
        CompilerError,
        ConflictingConfigError,
        UnsupportedFeatureError,
    )
    from glacier.compiler.handles import (
        ArtifactHandle,
        BucketGrant,
        BucketHandle,
        DriverHandle,
        ExecutorHandle,
        FunctionHandle,
        IdentityHandle,
        KeyHandle,
        ProviderHandle,
    )
    from glacier.compiler.ir import (
        Grant,
        IRBucket,
        IRBucketPart,
        IRCompute,
        IRGraph,
        IRProvider,
        IRTask,
        TierRule,
    )
    from glacier.compiler.job_ir import IRJob, IRJobTask
    from glacier.compiler.merge import (
        Merged,
        MergeRule,
        Part,
        all_true,
        any_true,
        longest,
        one_of,
        same,
        strongest,
    )
    from glacier.compiler.package import (
        BuildFile,
        PackageSpec,
        loader_lines,
        make_package,
        package_archive,
        safe_name,
    )
    from glacier.compiler.program import Helper, HookTarget, ProgramWriter
    from glacier.compiler.pyrender import Call, Expr, py_comment, py_ident, py_literal
    from glacier.deploy.record import RECORD_ENV, deployed, deployed_value
    from glacier.errors import (
        AccessDeniedError,
        BucketNotFoundError,
        ConfigError,
        FunctionInvocationError,
        GlacierError,
        JobError,
        NotSupportedError,
        ObjectNotFoundError,
        ResourceError,
        StorageError,
    )
    from glacier.escape_hatch import (
        TIER_LEVELS,
        AdvancedStorageConfig,
        EncryptionConfig,
        LifecycleTier,
        ObjectLockConfig,
        ReplicationConfig,
        tier_level,
    )
    from glacier.jobs.spec import BucketSpec, JobSpec
    from glacier.jobs.staging import staging_prefix
    from glacier.models import (
        BucketConfig,
        ExecutorConfig,
        GlacierModel,
        ProviderConfig,
        ServerlessConfig,
    )
    from glacier.plugins import (
        NAME,
        BucketBackend,
        EnvDetector,
        ExecutorBackend,
        PulumiEmitterSpec,
        ServerlessBackend,
        hookimpl,
    )
    from glacier.provider import Provider
    from glacier.resources.bucket import Bucket
    from glacier.resources.executor import Executor
    from glacier.resources.serverless import Serverless
    from glacier.spark.package import (
        ENTRY_NAME,
        StagedJob,
        entrypoint_source,
        prefix_uri,
        python_error,
        stage_job,
        write_spec_text,
    )
    from glacier.storage.object_store import ErrorKind, ObjectStoreBucketAdapter, Tagged

_GROUPS: dict[str, tuple[str, ...]] = {
    "glacier.plugins": (
        "BucketBackend",
        "EnvDetector",
        "ExecutorBackend",
        "NAME",
        "PulumiEmitterSpec",
        "ServerlessBackend",
        "hookimpl",
    ),
    "glacier.models": (
        "BucketConfig",
        "ExecutorConfig",
        "GlacierModel",
        "ProviderConfig",
        "ServerlessConfig",
    ),
    "glacier.adapters.base": (
        "BucketAdapter",
        "ExecutorAdapter",
        "JobStatus",
        "ServerlessAdapter",
        "WriteResult",
    ),
    "glacier.adapters.http": ("http_result",),
    "glacier.storage.object_store": (
        "ErrorKind",
        "ObjectStoreBucketAdapter",
        "Tagged",
    ),
    "glacier.provider": ("Provider",),
    "glacier.resources.bucket": ("Bucket",),
    "glacier.resources.executor": ("Executor",),
    "glacier.resources.serverless": ("Serverless",),
    "glacier.jobs.spec": (
        "BucketSpec",
        "JobSpec",
    ),
    "glacier.jobs.staging": ("staging_prefix",),
    "glacier.spark.package": (
        "ENTRY_NAME",
        "StagedJob",
        "entrypoint_source",
        "prefix_uri",
        "python_error",
        "stage_job",
        "write_spec_text",
    ),
    "glacier.compiler.emitter": (
        "EngineEmitter",
        "PulumiEmitter",
        "STAGING_PREFIX",
    ),
    "glacier.compiler.handles": (
        "ArtifactHandle",
        "BucketGrant",
        "BucketHandle",
        "DriverHandle",
        "ExecutorHandle",
        "FunctionHandle",
        "IdentityHandle",
        "KeyHandle",
        "ProviderHandle",
    ),
    "glacier.compiler.ir": (
        "Grant",
        "IRBucket",
        "IRBucketPart",
        "IRCompute",
        "IRGraph",
        "IRProvider",
        "IRTask",
        "TierRule",
    ),
    "glacier.compiler.job_ir": (
        "IRJob",
        "IRJobTask",
    ),
    "glacier.compiler.merge": (
        "MergeRule",
        "Merged",
        "Part",
        "all_true",
        "any_true",
        "longest",
        "one_of",
        "same",
        "strongest",
    ),
    "glacier.compiler.package": (
        "BuildFile",
        "PackageSpec",
        "loader_lines",
        "make_package",
        "package_archive",
        "safe_name",
    ),
    "glacier.compiler.program": (
        "Helper",
        "HookTarget",
        "ProgramWriter",
    ),
    "glacier.compiler.pyrender": (
        "Call",
        "Expr",
        "py_comment",
        "py_ident",
        "py_literal",
    ),
    "glacier.compiler.errors": (
        "CompilerError",
        "ConflictingConfigError",
        "UnsupportedFeatureError",
    ),
    "glacier.errors": (
        "AccessDeniedError",
        "BucketNotFoundError",
        "ConfigError",
        "FunctionInvocationError",
        "GlacierError",
        "JobError",
        "NotSupportedError",
        "ObjectNotFoundError",
        "ResourceError",
        "StorageError",
    ),
    "glacier.escape_hatch": (
        "AdvancedStorageConfig",
        "EncryptionConfig",
        "LifecycleTier",
        "ObjectLockConfig",
        "ReplicationConfig",
        "TIER_LEVELS",
        "tier_level",
    ),
    "glacier.compiler.checks": (
        "check_include",
        "check_requirement",
    ),
    "glacier.deploy.record": (
        "RECORD_ENV",
        "deployed",
        "deployed_value",
    ),
    "glacier.compiler.deploy_ir": (
        "DRIVER_CONTAINER",
        "DriverConfig",
        "IRAlarm",
        "IRArtifact",
        "IRDriver",
        "IRSchedule",
        "IRTrigger",
        "RUNS_ENV",
    ),
    "glacier.compiler.driver_image": (
        "CONTEXT",
        "DOCKERFILE",
        "dockerfile_text",
    ),
}
_EXPORTS = {name: module for module, names in _GROUPS.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(
            f"glacier.plugin has no name {name!r}: the published plugin API is listed in "
            "glacier.plugin.__all__ (see docs/plugins.md). Other glacier.* modules are "
            "internal."
        )
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "API_VERSION",
    "CONTEXT",
    "DOCKERFILE",
    "DRIVER_CONTAINER",
    "ENTRY_NAME",
    "NAME",
    "RECORD_ENV",
    "RUNS_ENV",
    "STAGING_PREFIX",
    "TIER_LEVELS",
    "AccessDeniedError",
    "AdvancedStorageConfig",
    "ArtifactHandle",
    "Bucket",
    "BucketAdapter",
    "BucketBackend",
    "BucketConfig",
    "BucketGrant",
    "BucketHandle",
    "BucketNotFoundError",
    "BucketSpec",
    "BuildFile",
    "Call",
    "CompilerError",
    "ConfigError",
    "ConflictingConfigError",
    "DriverConfig",
    "DriverHandle",
    "EncryptionConfig",
    "EngineEmitter",
    "EnvDetector",
    "ErrorKind",
    "Executor",
    "ExecutorAdapter",
    "ExecutorBackend",
    "ExecutorConfig",
    "ExecutorHandle",
    "Expr",
    "FunctionHandle",
    "FunctionInvocationError",
    "GlacierError",
    "GlacierModel",
    "Grant",
    "Helper",
    "HookTarget",
    "IRAlarm",
    "IRArtifact",
    "IRBucket",
    "IRBucketPart",
    "IRCompute",
    "IRDriver",
    "IRGraph",
    "IRJob",
    "IRJobTask",
    "IRProvider",
    "IRSchedule",
    "IRTask",
    "IRTrigger",
    "IdentityHandle",
    "JobError",
    "JobSpec",
    "JobStatus",
    "KeyHandle",
    "LifecycleTier",
    "MergeRule",
    "Merged",
    "NotSupportedError",
    "ObjectLockConfig",
    "ObjectNotFoundError",
    "ObjectStoreBucketAdapter",
    "PackageSpec",
    "Part",
    "ProgramWriter",
    "Provider",
    "ProviderConfig",
    "ProviderHandle",
    "PulumiEmitter",
    "PulumiEmitterSpec",
    "ReplicationConfig",
    "ResourceError",
    "Serverless",
    "ServerlessAdapter",
    "ServerlessBackend",
    "ServerlessConfig",
    "StagedJob",
    "StorageError",
    "Tagged",
    "TierRule",
    "UnsupportedFeatureError",
    "WriteResult",
    "__version__",
    "all_true",
    "any_true",
    "check_include",
    "check_requirement",
    "deployed",
    "deployed_value",
    "dockerfile_text",
    "entrypoint_source",
    "hookimpl",
    "http_result",
    "loader_lines",
    "longest",
    "make_package",
    "one_of",
    "package_archive",
    "prefix_uri",
    "py_comment",
    "py_ident",
    "py_literal",
    "python_error",
    "safe_name",
    "same",
    "stage_job",
    "staging_prefix",
    "strongest",
    "tier_level",
    "write_spec_text",
]
