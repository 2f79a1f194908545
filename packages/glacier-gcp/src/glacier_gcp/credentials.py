"""GCS client options, from :class:`~glacier_gcp.config.GcpConfig`.

Credentials: ``credentials_path`` (a service-account JSON file, also read from
GOOGLE_APPLICATION_CREDENTIALS); else Application Default Credentials. With an emulator
``endpoint_url`` (STORAGE_EMULATOR_HOST) and no key file, requests are anonymous.
"""

from __future__ import annotations

from typing import Any

from glacier.plugin import NotSupportedError
from glacier_gcp.config import GcpConfig


def endpoint_of(config: GcpConfig) -> str | None:
    """The storage endpoint with a scheme (STORAGE_EMULATOR_HOST may omit it)."""
    endpoint = config.endpoint_url
    if not endpoint:
        return None
    endpoint = endpoint.rstrip("/")
    return endpoint if "://" in endpoint else f"http://{endpoint}"


def gcsfs_options(config: GcpConfig) -> dict[str, Any]:
    """Keyword arguments for ``gcsfs.GCSFileSystem``."""
    endpoint = endpoint_of(config)
    token: str
    if config.credentials_path:
        token = config.credentials_path
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
