"""GCS client options, from :class:`~glacier_gcp.config.GcpConfig` and the environment, by
one rule (docs/clouds/gcp.md, "Credentials"): explicit config fields win, the environment
fills the rest; reads and writes both go through the one gcsfs file system built here.

Credentials: ``credentials_path``, else GOOGLE_APPLICATION_CREDENTIALS (a service-account
JSON file); else Application Default Credentials. The endpoint: ``endpoint_url``, else
STORAGE_EMULATOR_HOST; with an emulator endpoint and no key file, requests are anonymous.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from glacier.plugin import NotSupportedError
from glacier_gcp.config import GcpConfig


def endpoint_of(config: GcpConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """The storage endpoint with a scheme (STORAGE_EMULATOR_HOST may omit it)."""
    env = os.environ if environ is None else environ
    endpoint = config.endpoint_url or env.get("STORAGE_EMULATOR_HOST")
    if not endpoint:
        return None
    endpoint = endpoint.rstrip("/")
    return endpoint if "://" in endpoint else f"http://{endpoint}"


def gcsfs_options(config: GcpConfig, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for ``gcsfs.GCSFileSystem``."""
    env = os.environ if environ is None else environ
    endpoint = endpoint_of(config, env)
    key_file = config.credentials_path or env.get("GOOGLE_APPLICATION_CREDENTIALS")
    token: str
    if key_file:
        token = key_file
    elif endpoint:
        token = "anon"
    else:
        token = "google_default"
    options: dict[str, Any] = {
        "project": config.project,
        "token": token,
        "use_listings_cache": False,
    }
    if endpoint:
        options["endpoint_url"] = endpoint
    return options


def delta_options(config: GcpConfig, uri: str) -> dict[str, str]:
    """deltalake (delta-rs) storage options: the service-account key file, else Application
    Default Credentials (resolved by delta-rs itself).

    delta-rs speaks GCS's XML API, which the local GCS emulators do not serve (tested:
    gcp-storage-emulator has no XML listing; fake-gcs-server rejects XML uploads), so a
    Delta table on an emulator endpoint is refused with this explanation.
    """
    if endpoint_of(config):
        raise NotSupportedError(
            f"format='delta' on GCS cannot use the emulator endpoint {config.endpoint_url!r} "
            f"({uri}): delta-rs needs GCS's XML API, which local GCS emulators do not "
            "implement. Use format='parquet' (transactional through Glacier's manifest) on "
            "the emulator, or a real GCS bucket for Delta tables."
        )
    options: dict[str, str] = {}
    if config.credentials_path:
        options["google_service_account_path"] = config.credentials_path
    return options
