"""GCS client options, from :class:`~glacier_gcp.config.GcpConfig`.

Credentials: ``credentials_path`` (a service-account JSON file, also read from
GOOGLE_APPLICATION_CREDENTIALS); else Application Default Credentials. With an emulator
``endpoint_url`` (STORAGE_EMULATOR_HOST) and no key file, requests are anonymous.
"""

from __future__ import annotations

from typing import Any

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
