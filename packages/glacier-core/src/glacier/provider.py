"""Provider: one class for every cloud. A registry/factory that injects itself into resources.

Adapters come from the plugin host (:mod:`glacier.plugins.host`): bucket and serverless
adapters are chosen by the provider's config type, executor adapters by the executor's config
type. A ``LocalConfig`` provider needs no installed plugin, so none is loaded for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from glacier.errors import (
    AdapterNotFoundError,
    ConfigError,
    InvalidBucketNameError,
    MissingPluginError,
)
from glacier.models import ExecutorConfig, ProviderConfig, ResourceConfig
from glacier.plugins.host import get_host
from glacier.plugins.known import KNOWN_CONFIGS, KNOWN_ENV_VARS, install_hint
from glacier.plugins.specs import ClassRef, is_subclass_of, load_ref, short_name
from glacier.resources.base import Resource
from glacier.resources.bucket import Bucket
from glacier.resources.executor import Executor
from glacier.resources.serverless import Serverless


class Provider:
    """Single provider class configured with a cloud-specific config.

    >>> from glacier import Provider
    >>> from glacier.config import LocalConfig
    >>> provider = Provider(config=LocalConfig(base_path="./data"))
    >>> raw = provider.bucket("lake", path="raw/sales.parquet")

    ``config`` defaults to ``LocalConfig.from_env()`` (the embedded default), and ``tags`` are
    applied to every taggable resource the compiler generates.
    """

    def __init__(
        self, config: ProviderConfig | None = None, tags: Mapping[str, str] | None = None
    ) -> None:
        if config is None:
            from glacier.config import LocalConfig

            config = LocalConfig.from_env()
        if not isinstance(config, ProviderConfig):
            raise ConfigError(
                f"Provider(config=...) needs a provider config such as LocalConfig, AwsConfig, "
                f"AzureConfig or GcpConfig; got {type(config).__name__}." + _misplaced_hint(config)
            )
        tags = dict(tags or {})
        for key, value in tags.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise ConfigError(
                    f"Provider tags must map str to str; tag {key!r} has value {value!r} "
                    f"({type(value).__name__}). Convert it with str()."
                )
        self.config = config
        self.tags = tags
        self._resources: list[Resource] = []

    # -- factories -----------------------------------------------------------------------
    def bucket(
        self,
        bucket_name: str,
        path: str = "",
        format: str | None = None,
        config: ResourceConfig | None = None,
        name: str | None = None,
        advanced_config: Any | None = None,
        existing: bool = False,
    ) -> Bucket:
        """Create a :class:`Bucket` in this provider (a folder under ``base_path`` locally).

        Args:
            bucket_name: Bucket (S3, GCS) or container (Azure) name; checked against the
                cloud's naming rules.
            path: Object path, or a prefix ending in ``/`` for a dataset of many files.
            format: ``parquet`` (default), ``csv`` or ``ndjson``; inferred from the suffix.
            config: Cloud-specific settings (``S3Config``, ``BlobConfig``, ``GcsConfig``).
            name: Resource name (defaults to ``bucket_path``); used by the compiler.
            advanced_config: ``glacier.escape_hatch.AdvancedStorageConfig`` for the compiler.
            existing: The cloud bucket exists already (where your data lives): the compiled
                program references it and never creates, changes or deletes it; grants to it
                are still scoped to the paths the DAG uses. No effect on the local backend.
        """
        backend = get_host().bucket_backend(type(self.config))
        self._check_resource_config("bucket", config, backend.config if backend else None)
        if not isinstance(bucket_name, str) or not bucket_name:
            raise InvalidBucketNameError("Provider.bucket() needs a non-empty bucket_name.")
        if backend is not None and backend.validate_name is not None:
            validate: Callable[[str], None] = load_ref(backend.validate_name)
            try:
                validate(bucket_name)
            except ValueError as exc:
                raise InvalidBucketNameError(
                    f"Invalid bucket name {bucket_name!r} for {type(self.config).__name__}: {exc}"
                ) from exc
        bucket = Bucket(
            bucket_name=bucket_name,
            path=path,
            format=format,
            provider=self,
            config=config,  # type: ignore[arg-type]
            name=name,
            advanced_config=advanced_config,
            existing=existing,
        )
        self._resources.append(bucket)
        return bucket

    def serverless(
        self,
        function_name: str,
        handler: Callable[..., Any] | str,
        runtime: str = "python3.11",
        config: ResourceConfig | None = None,
        name: str | None = None,
    ) -> Serverless:
        """Create a :class:`Serverless` function (a subprocess locally)."""
        backend = get_host().serverless_backend(type(self.config))
        self._check_resource_config("serverless", config, backend.config if backend else None)
        fn = Serverless(
            function_name=function_name,
            handler=handler,
            runtime=runtime,
            provider=self,
            config=config,  # type: ignore[arg-type]
            name=name,
        )
        self._resources.append(fn)
        return fn

    def executor(
        self, name: str, config: ExecutorConfig | None = None, runtime: str | None = None
    ) -> Executor:
        """Create an :class:`Executor`. The engine follows ``config``'s type; none = local."""
        if config is None:
            from glacier.config import LocalExecutorConfig

            config = LocalExecutorConfig()
        if not isinstance(config, ExecutorConfig):
            raise ConfigError(
                f"Provider.executor({name!r}, config=...) needs an executor config such as "
                f"DatabricksConfig or GlueConfig; got {type(config).__name__}."
            )
        backend = get_host().executor_backend(type(config))
        if (
            backend is not None
            and backend.provider_configs
            and not is_subclass_of(type(self.config), backend.provider_configs)
        ):
            allowed = ", ".join(short_name(c) for c in backend.provider_configs)
            raise ConfigError(
                f"Executor {name!r}: {type(config).__name__} runs on a provider with {allowed}, "
                f"not {type(self.config).__name__}."
            )
        config.validate_instance_type(self.config)  # e.g. Databricks node types per cloud
        executor = Executor(name=name, provider=self, config=config, runtime=runtime)
        self._resources.append(executor)
        return executor

    # -- registry ------------------------------------------------------------------------
    def get_resources(self) -> list[Resource]:
        """Every resource created through this provider, in creation order."""
        return self._resources.copy()

    def get_adapter(self, resource: Resource) -> Any:
        """The adapter for a resource: by the executor's config for executors, else by the
        provider's config."""
        if isinstance(resource, Executor):
            key: type = type(resource.config)
        elif isinstance(resource, Bucket | Serverless):
            key = type(self.config)
        else:
            raise AdapterNotFoundError(f"No adapter kind for {type(resource).__name__}")
        # A PluginError names the plugin when its adapter cannot be imported or is not a
        # subclass of the kind's adapter base.
        adapter_cls = get_host().adapter_class(resource.kind, key)
        if adapter_cls is None:
            dist = KNOWN_CONFIGS.get(key.__name__)
            fix = f" Install it: {install_hint(dist)}." if dist else ""
            raise AdapterNotFoundError(
                f"No {resource.kind} adapter is registered for {key.__name__}.{fix} "
                f"Run `glacier plugins` to see what is installed."
            )
        return adapter_cls(resource, self)

    @classmethod
    def from_env(
        cls, tags: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
    ) -> Provider:
        """A provider for the cloud named by the environment (design order):
        ``AWS_REGION`` → AwsConfig, ``AZURE_RESOURCE_GROUP``/``AZURE_STORAGE_ACCOUNT`` →
        AzureConfig, ``GCP_PROJECT``/``GOOGLE_CLOUD_PROJECT`` → GcpConfig, else LocalConfig.
        """
        env = os.environ if environ is None else environ
        host = get_host()
        claimed = {v for d in host.registry().detectors for v in d.item.variables}
        for var, dist in KNOWN_ENV_VARS:  # design order: the first variable set decides
            if env.get(var):
                if var not in claimed:
                    raise MissingPluginError(
                        f"{var} is set, which selects a cloud served by {dist}, but {dist} is "
                        f"not installed: {install_hint(dist)} (or unset {var})."
                    )
                break
        config = host.detect(env)
        if config is None:
            raise ConfigError("No environment detector matched (is glacier-core installed?)")
        return cls(config=config, tags=tags)

    # -- helpers -------------------------------------------------------------------------
    def _check_resource_config(self, kind: str, config: object, expected: ClassRef | None) -> None:
        if config is None:
            return
        if not isinstance(config, ResourceConfig):
            raise ConfigError(
                f"Provider.{kind}(config=...) takes a {kind} config model, "
                f"got {type(config).__name__}."
            )
        if expected is not None and not is_subclass_of(type(config), [expected]):
            raise ConfigError(
                f"{type(config).__name__} does not apply to a {kind} of a provider with "
                f"{type(self.config).__name__}; use {short_name(expected)} (or no config)."
            )
        if expected is None:
            raise ConfigError(
                f"{type(self.config).__name__} takes no {kind} config; "
                f"remove config={type(config).__name__}(...)."
            )

    def __repr__(self) -> str:
        return f"Provider(config={self.config!r})"


def _misplaced_hint(config: object) -> str:
    from glacier.models import ResourceConfig

    if isinstance(config, ResourceConfig):
        return (
            f" {type(config).__name__} is a resource config: pass it to provider.bucket(), "
            "provider.serverless() or provider.executor() instead."
        )
    return ""
