"""Which run store a run writes to.

In order: the pipeline's ``runs=`` setting (a dataset bucket, a URI, a :class:`RunStore`, or
False to turn recording off), else the ``GLACIER_RUNS_URI`` environment variable (a URI, or
``off``), else ``<local base path>/_glacier/runs/`` (``GLACIER_LOCAL_BASE_PATH``, default
``./data``).

URIs: a local path or ``file:///...``; ``s3://bucket/prefix/``, ``gs://bucket/prefix/``,
``az://container/prefix/`` (or ``abfs://``) use ``Provider.from_env()``, which must select
the matching cloud.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from glacier.errors import ConfigError
from glacier.runs.store import BucketRunStore, NullRunStore, RunStore

ENV_VAR = "GLACIER_RUNS_URI"
_OFF = frozenset({"off", "none", "false", "0", "no", "disabled"})
#: URI scheme -> (cloud of the provider config, what to set).
_SCHEMES = {
    "s3": ("aws", "AWS_REGION (and credentials)"),
    "gs": ("gcp", "GCP_PROJECT"),
    "gcs": ("gcp", "GCP_PROJECT"),
    "az": ("azure", "AZURE_STORAGE_ACCOUNT"),
    "abfs": ("azure", "AZURE_STORAGE_ACCOUNT"),
    "abfss": ("azure", "AZURE_STORAGE_ACCOUNT"),
}
_cache: dict[tuple[str, ...], RunStore] = {}


def is_off(value: str) -> bool:
    return value.strip().lower() in _OFF


def default_store(environ: Mapping[str, str] | None = None) -> RunStore:
    """The store named by ``GLACIER_RUNS_URI``, else the local default. Cached per
    environment and working directory (resolving costs nothing on later runs)."""
    env = os.environ if environ is None else environ
    uri = env.get(ENV_VAR, "").strip()
    key = (uri, env.get("GLACIER_LOCAL_BASE_PATH", ""))
    store = _cache.get(key)
    if store is None:
        if uri:
            store = store_from_uri(uri, environ=env, source=ENV_VAR)
        else:  # relative base paths stay relative: they follow the working directory
            from glacier.config import LocalConfig

            base = Path(LocalConfig.from_env(env).base_path)
            store = _local_store(base / "_glacier" / "runs")
        _cache[key] = store
    return store


def _local_store(folder: Path) -> RunStore:
    from glacier.runs.blobs import LocalBlobs

    return BucketRunStore(blobs=LocalBlobs(folder))


def store_from_uri(
    uri: str, *, environ: Mapping[str, str] | None = None, source: str = "runs"
) -> RunStore:
    """A run store for a URI (see the module docstring); ``off`` gives the disabled store."""
    if is_off(uri):
        return NullRunStore()
    parsed = urlparse(uri)
    scheme = parsed.scheme.lower()
    if scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
        path = unquote(parsed.path) if scheme == "file" else uri
        return _local_store(Path(path).expanduser())
    if scheme not in _SCHEMES:
        raise ConfigError(
            f"{source}={uri!r}: unknown URI scheme {scheme!r}. Use a local path, file://, "
            "s3://bucket/prefix/, gs://bucket/prefix/, az://container/prefix/ or 'off'."
        )
    cloud, needs = _SCHEMES[scheme]
    from glacier.provider import Provider

    provider = Provider.from_env(environ=environ)
    have = getattr(provider.config, "cloud", "")
    if have != cloud:
        raise ConfigError(
            f"{source}={uri!r} needs a {cloud} provider, but the environment selects "
            f"{type(provider.config).__name__}. Set {needs} so Provider.from_env() picks "
            f"the {cloud} config, or point {source} at a local folder."
        )
    container, prefix = parsed.netloc, parsed.path.lstrip("/")
    if "@" in container:  # abfs://container@account.dfs.core.windows.net/prefix
        container = container.split("@", 1)[0]
    if not container:
        raise ConfigError(f"{source}={uri!r} names no bucket: use {scheme}://BUCKET/prefix/.")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return BucketRunStore(provider.bucket(container, path=prefix))


def resolve(setting: Any) -> RunStore:
    """The store of a pipeline's (already checked) ``runs=`` setting."""
    if setting is None or setting is True:
        return default_store()
    if setting is False:
        return NullRunStore()
    if isinstance(setting, RunStore):
        return setting
    if isinstance(setting, str):
        key = ("uri", setting)
        store = _cache.get(key)
        if store is None:
            store = _cache[key] = store_from_uri(setting, source="runs")
        return store
    key = ("bucket", str(id(setting)))
    cached = _buckets.get(key)
    if cached is None or cached[0] is not setting:
        cached = _buckets[key] = (setting, BucketRunStore(setting))
    return cached[1]


_buckets: dict[tuple[str, str], tuple[Any, RunStore]] = {}


def check_setting(setting: Any, pipeline: str) -> Any:
    """Validate ``@pipeline(runs=...)`` when the pipeline is defined."""
    if setting is None or isinstance(setting, bool | RunStore):
        return setting
    from glacier.errors import PipelineDefinitionError
    from glacier.resources.bucket import Bucket

    if isinstance(setting, str):
        if not setting.strip():
            raise PipelineDefinitionError(
                f"Pipeline {pipeline!r}: runs='' is empty; pass a URI, a bucket, or False."
            )
        return setting
    if isinstance(setting, Bucket):
        if not setting.is_dataset:
            raise PipelineDefinitionError(
                f"Pipeline {pipeline!r}: runs= needs a bucket prefix (a path ending in '/'), "
                f"got path {setting.path!r}. Use provider.bucket({setting.bucket_name!r}, "
                "path='_glacier/runs/')."
            )
        return setting
    raise PipelineDefinitionError(
        f"Pipeline {pipeline!r}: runs= takes a bucket prefix "
        "(provider.bucket('lake', path='_glacier/runs/')), a URI, a RunStore, or False to turn "
        f"run records off; got {type(setting).__name__}."
    )
