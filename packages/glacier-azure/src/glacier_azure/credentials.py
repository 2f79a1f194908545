"""Azure Blob credentials and client options, from :class:`~glacier_azure.config.AzureConfig`.

Order: ``connection_string``; else ``storage_account`` + ``account_key`` (with ``endpoint``
for Azurite or sovereign clouds); else a service principal (``tenant_id``, ``client_id``,
``client_secret``); else ``DefaultAzureCredential`` (managed identity, Azure CLI, env vars).
"""

from __future__ import annotations

from typing import Any

from glacier.plugin import AccessDeniedError
from glacier_azure.config import AzureConfig

#: Azurite's documented development account (``UseDevelopmentStorage=true``).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DEV_ENDPOINT = "http://127.0.0.1:10000/devstoreaccount1"


def parse_connection_string(value: str) -> dict[str, str]:
    """``Key=Value;...`` pairs with lower-cased keys (values may contain ``=``)."""
    pairs: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, val = part.partition("=")
        if sep and key.strip():
            pairs[key.strip().lower()] = val.strip()
    if pairs.get("usedevelopmentstorage", "").lower() == "true":
        pairs.setdefault("accountname", DEV_ACCOUNT)
        pairs.setdefault("accountkey", DEV_KEY)
        pairs.setdefault("blobendpoint", DEV_ENDPOINT)
    return pairs


class AzureSettings:
    """Everything the adapter needs, derived once from the config (secrets stay here)."""

    def __init__(self, config: AzureConfig) -> None:
        self.config = config
        conn = config.connection_string.get_secret_value() if config.connection_string else None
        self._conn = conn
        parts = parse_connection_string(conn) if conn else {}
        self.account: str | None = config.storage_account or parts.get("accountname")
        key = config.account_key.get_secret_value() if config.account_key else None
        self._key: str | None = key or parts.get("accountkey")
        self._sas: str | None = parts.get("sharedaccesssignature")
        self.endpoint: str | None = (config.endpoint or parts.get("blobendpoint") or "").rstrip(
            "/"
        ) or None

    def require_account(self, uri: str) -> str:
        if not self.account:
            raise AccessDeniedError(
                f"Cannot reach {uri}: no storage account is configured. Set "
                "AzureConfig.storage_account (or AZURE_STORAGE_ACCOUNT), or a connection string "
                "(AzureConfig.connection_string / AZURE_STORAGE_CONNECTION_STRING).",
                uri=uri,
            )
        return self.account

    def adlfs_options(self, uri: str) -> dict[str, Any]:
        """Keyword arguments for ``adlfs.AzureBlobFileSystem``."""
        base: dict[str, Any] = {"use_listings_cache": False}
        config = self.config
        if self._conn:
            return {**base, "connection_string": self._conn}
        account = self.require_account(uri)
        if self._key and self.endpoint:
            protocol = "http" if self.endpoint.startswith("http://") else "https"
            conn = (
                f"DefaultEndpointsProtocol={protocol};AccountName={account};"
                f"AccountKey={self._key};BlobEndpoint={self.endpoint};"
            )
            return {**base, "connection_string": conn}
        options: dict[str, Any] = {**base, "account_name": account}
        if self.endpoint:
            options["account_host"] = self.endpoint.split("://", 1)[-1].split("/", 1)[0]
        if self._key:
            options["account_key"] = self._key
        elif config.client_secret is not None and config.client_id and config.tenant_id:
            options["tenant_id"] = config.tenant_id
            options["client_id"] = config.client_id
            options["client_secret"] = config.client_secret.get_secret_value()
        else:
            options["anon"] = False  # DefaultAzureCredential
        return options

    def polars_options(self, uri: str) -> dict[str, Any]:
        """Keyword arguments for Polars' native Azure scans."""
        storage: dict[str, Any] = {"account_name": self.require_account(uri), "max_retries": 8}
        if self.endpoint:
            storage["endpoint"] = self.endpoint
            if self.endpoint.startswith("http://"):
                storage["allow_http"] = "true"
        options: dict[str, Any] = {"storage_options": storage}
        config = self.config
        if self._key:
            storage["account_key"] = self._key
            options["credential_provider"] = None
        elif self._sas:
            storage["sas_token"] = self._sas
            options["credential_provider"] = None
        elif config.client_secret is not None and config.client_id and config.tenant_id:
            storage["azure_client_id"] = config.client_id
            storage["azure_client_secret"] = config.client_secret.get_secret_value()
            storage["azure_tenant_id"] = config.tenant_id
            options["credential_provider"] = None
        return options

    def delta_options(self, uri: str) -> dict[str, str]:
        """deltalake (delta-rs) storage options: the same object_store keys as Polars'
        (delta-rs commits with put-if-absent, which Azure Blob supports natively)."""
        storage = self.polars_options(uri)["storage_options"]
        return {k: str(v) for k, v in storage.items() if k != "max_retries"}

    def secrets(self) -> list[str]:
        """Every secret string that must never appear in a message."""
        config = self.config
        values = [self._conn, self._key, self._sas]
        if config.client_secret is not None:
            values.append(config.client_secret.get_secret_value())
        return [v for v in values if v]
