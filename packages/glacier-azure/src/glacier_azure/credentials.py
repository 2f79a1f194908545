"""Azure Blob credentials and client options, from :class:`~glacier_azure.config.AzureConfig`
and the environment, by one rule (docs/clouds/azure.md, "Credentials"):

* **Explicit config fields win; the environment fills the rest.** Each field left unset in
  the config is read from its variable (:data:`ENVIRONMENT`).
* **A credential in the config is used alone.** When the config holds a connection string,
  an account key or a client secret, no credential is taken from the environment. Otherwise
  the environment's, in the same order: ``AZURE_STORAGE_CONNECTION_STRING``, then
  ``AZURE_STORAGE_KEY``, then a service principal (``AZURE_CLIENT_SECRET``), else
  ``DefaultAzureCredential`` (managed identity, workload identity, ``az login``).
* **A credential belongs to its account.** A connection string or key from the environment
  is used only for the account it names (its ``AccountName``, or ``AZURE_STORAGE_ACCOUNT``):
  when the config names another account, it is ignored.
* **Reads and writes use the same resolved settings.** Both clients (adlfs for streamed
  writes and listings, Polars for reads and DataFrame writes) are given everything
  explicitly, so neither falls back to the environment on its own.

Executor workers rebuild the config from its non-secret fields only (a job spec carries no
secret): they take the credential from their own environment by the names above.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from glacier.plugin import AccessDeniedError
from glacier_azure.config import AzureConfig
from glacier_azure.connection import (  # noqa: F401  (DEV_*: their old home)
    DEV_ACCOUNT,
    DEV_ENDPOINT,
    DEV_KEY,
    account_of,
    parse_connection_string,
)

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

#: The variable that fills each AzureConfig field the config leaves unset.
ENVIRONMENT = {
    "storage_account": "AZURE_STORAGE_ACCOUNT",
    "account_key": "AZURE_STORAGE_KEY",
    "connection_string": "AZURE_STORAGE_CONNECTION_STRING",
    "endpoint": "AZURE_STORAGE_ENDPOINT",
    "tenant_id": "AZURE_TENANT_ID",
    "client_id": "AZURE_CLIENT_ID",
    "client_secret": "AZURE_CLIENT_SECRET",
}


class AzureSettings:
    """Everything the adapter needs, resolved once from the config and the environment
    (``environ``, default ``os.environ``) by the module's rule. Secrets stay here."""

    def __init__(self, config: AzureConfig, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.config = config

        def from_env(field: str) -> str | None:
            return env.get(ENVIRONMENT[field]) or None

        own_conn = config.connection_string.get_secret_value() if config.connection_string else None
        own_key = config.account_key.get_secret_value() if config.account_key else None
        own_secret = config.client_secret.get_secret_value() if config.client_secret else None
        own_parts = parse_connection_string(own_conn) if own_conn else {}
        #: Explicit fields first, then what the config's own connection string says.
        account = config.storage_account or account_of(own_parts)
        endpoint = config.endpoint or own_parts.get("blobendpoint")
        #: Every reason an environment credential was not used (for error messages).
        self.ignored: list[str] = []

        conn = own_conn
        key = own_key or own_parts.get("accountkey")
        sas = own_parts.get("sharedaccesssignature")
        secret = own_secret
        if not (own_conn or own_key or own_secret):  # no credential in the config
            env_account = from_env("storage_account")
            account = account or env_account
            env_conn = from_env("connection_string")
            if env_conn:
                parts = parse_connection_string(env_conn)
                named = account_of(parts)
                if account and named and named != account:
                    self.ignored.append(
                        f"{ENVIRONMENT['connection_string']} is for account {named!r}, not "
                        f"{account!r}"
                    )
                else:
                    if not (account or named):
                        self.ignored.append(
                            f"{ENVIRONMENT['connection_string']} names no account (no "
                            "AccountName or BlobEndpoint)"
                        )
                    conn, account = env_conn, account or named
                    key, sas = parts.get("accountkey"), parts.get("sharedaccesssignature")
                    endpoint = endpoint or parts.get("blobendpoint")
            if conn is None and from_env("account_key"):
                if account and env_account and env_account != account:
                    self.ignored.append(
                        f"{ENVIRONMENT['account_key']} is for account {env_account!r} "
                        f"({ENVIRONMENT['storage_account']}), not {account!r}"
                    )
                else:
                    key = from_env("account_key")
            secret = from_env("client_secret")
        else:
            account = account or from_env("storage_account")
        self.account: str | None = account
        self.endpoint: str | None = (endpoint or from_env("endpoint") or "").rstrip("/") or None
        self._conn: str | None = conn
        self._key: str | None = key
        self._sas: str | None = sas
        self.tenant_id: str | None = config.tenant_id or from_env("tenant_id")
        self.client_id: str | None = config.client_id or from_env("client_id")
        self._client_secret: str | None = secret

    @property
    def service_principal(self) -> tuple[str, str, str] | None:
        """(tenant id, client id, client secret) when a service principal is configured (for
        storage it comes after a connection string or key; Synapse always uses it)."""
        if self._client_secret and self.tenant_id and self.client_id:
            return self.tenant_id, self.client_id, self._client_secret
        return None

    def require_account(self, uri: str) -> str:
        if not self.account:
            raise AccessDeniedError(
                f"Cannot reach {uri}: no storage account is configured. Set "
                "AzureConfig.storage_account (or AZURE_STORAGE_ACCOUNT), or a connection string "
                "naming its AccountName (AzureConfig.connection_string / "
                "AZURE_STORAGE_CONNECTION_STRING)."
                + (f" ({'; '.join(self.ignored)}.)" if self.ignored else ""),
                uri=uri,
            )
        return self.account

    def _connection_string(self, account: str) -> str | None:
        """A connection string for the resolved credential when it is a key or a SAS (so
        adlfs gets it explicitly and never reads AZURE_STORAGE_CONNECTION_STRING itself)."""
        if self._conn:
            return self._conn
        if not self._key:
            return None
        endpoint = self.endpoint
        protocol = "http" if endpoint and endpoint.startswith("http://") else "https"
        where = f"BlobEndpoint={endpoint};" if endpoint else "EndpointSuffix=core.windows.net;"
        return (
            f"DefaultEndpointsProtocol={protocol};AccountName={account};"
            f"AccountKey={self._key};{where}"
        )

    def adlfs_options(self, uri: str) -> dict[str, Any]:
        """Keyword arguments for ``adlfs.AzureBlobFileSystem``."""
        base: dict[str, Any] = {"use_listings_cache": False}
        account = self.require_account(uri)
        conn = self._connection_string(account)
        if conn:
            return {**base, "connection_string": conn}
        options: dict[str, Any] = {**base, "account_name": account}
        if self.endpoint:
            options["account_host"] = self.endpoint.split("://", 1)[-1].split("/", 1)[0]
        principal = self.service_principal
        if principal is not None:
            options["tenant_id"], options["client_id"], options["client_secret"] = principal
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
        principal = self.service_principal
        if self._key:
            storage["account_key"] = self._key
            options["credential_provider"] = None
        elif self._sas:
            storage["sas_token"] = self._sas
            options["credential_provider"] = None
        elif principal is not None:
            tenant, client, secret = principal
            storage["azure_client_id"] = client
            storage["azure_client_secret"] = secret
            storage["azure_tenant_id"] = tenant
            options["credential_provider"] = None
        return options

    def delta_options(self, uri: str) -> dict[str, str]:
        """deltalake (delta-rs) storage options: the same object_store keys as Polars'
        (delta-rs commits with put-if-absent, which Azure Blob supports natively)."""
        storage = self.polars_options(uri)["storage_options"]
        return {k: str(v) for k, v in storage.items() if k != "max_retries"}

    def secrets(self) -> list[str]:
        """Every secret string that must never appear in a message."""
        return [v for v in (self._conn, self._key, self._sas, self._client_secret) if v]


def blob_filesystem(settings: AzureSettings, uri: str) -> AbstractFileSystem:
    """An ``adlfs.AzureBlobFileSystem`` for ``settings``.

    adlfs reads AZURE_STORAGE_CONNECTION_STRING by itself whenever it is not given a
    connection string, and lets it win over every other credential. When the settings
    resolved another credential (the config's own service principal, or the variable names
    another account), the file system connects again without it."""
    from adlfs import AzureBlobFileSystem

    options = settings.adlfs_options(uri)
    fs = AzureBlobFileSystem(**options)
    if "connection_string" not in options and fs.connection_string:
        fs.connection_string = None
        if fs.credential is None and not fs.anon:
            if settings.service_principal is not None:
                fs.credential, fs.sync_credential = fs._get_credential_from_service_principal()
            else:
                fs.credential, fs.sync_credential = fs._get_default_azure_credential()
        fs.do_connect()
    result: AbstractFileSystem = fs
    return result
