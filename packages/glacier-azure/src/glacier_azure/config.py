"""Azure configs: provider (AzureConfig), container (BlobConfig), function
(AzureFunctionConfig), executor (SynapseConfig)."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, SecretStr, field_validator

from glacier.plugin import (
    BucketConfig,
    ExecutorConfig,
    ProviderConfig,
    ServerlessConfig,
    check_include,
    check_requirement,
)
from glacier_azure.connection import account_of, parse_connection_string

#: Azure's resource group rule: 1-90 letters, digits, '_', '-', '.', '(' and ')' (Unicode
#: letters and digits included), not ending with '.'. Used with ``fullmatch``.
_RESOURCE_GROUP = re.compile(r"[-\w.()]{1,90}")
#: Ranges Azure storage IP rules do not take (private, shared, loopback, link-local,
#: multicast, reserved).
_NOT_PUBLIC = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/3",
    )
)


class AzureConfig(ProviderConfig):
    """An Azure subscription / resource group / storage account.

    Credentials: ``connection_string``, or ``storage_account`` + ``account_key``, or a service
    principal (``tenant_id``/``client_id``/``client_secret``), else DefaultAzureCredential.
    ``from_env()`` reads AZURE_RESOURCE_GROUP, AZURE_LOCATION, AZURE_SUBSCRIPTION_ID,
    AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_STORAGE_ACCOUNT,
    AZURE_STORAGE_KEY, AZURE_STORAGE_CONNECTION_STRING and AZURE_STORAGE_ENDPOINT.
    """

    cloud: ClassVar[str] = "azure"

    resource_group: str | None = Field(default=None, description="Resource group name.")
    location: str = Field(default="eastus", description="Azure region, e.g. eastus.")
    subscription_id: str | None = None
    tenant_id: str | None = None
    storage_account: str | None = Field(
        default=None,
        description="Storage account holding the containers (3-24 a-z0-9). The compiler puts "
        "containers whose account-level settings differ from the defaults in accounts named "
        "after it (see docs/clouds/azure.md).",
    )
    account_key: SecretStr | None = None
    connection_string: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    endpoint: str | None = Field(
        default=None,
        description="Blob endpoint override (Azurite: http://127.0.0.1:10000/devstoreaccount1).",
    )

    @field_validator("storage_account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z0-9]{3,24}", value):
            raise ValueError(
                "storage_account must be 3-24 lowercase letters and digits (Azure's rule)"
            )
        return value

    @field_validator("resource_group")
    @classmethod
    def _resource_group(cls, value: str | None) -> str | None:
        if value is not None and (not _RESOURCE_GROUP.fullmatch(value) or value.endswith(".")):
            raise ValueError(
                f"{value[:100]!r} is not an Azure resource group name: 1-90 letters, digits, "
                "'_', '-', '.', '(' or ')', not ending with '.'"
            )
        return value

    @field_validator("location")
    @classmethod
    def _location(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9]+", value):
            raise ValueError(f"{value!r} is not an Azure location name; use the form 'eastus'")
        return value

    def job_fields(self) -> dict[str, Any]:
        """Non-secret fields for a job spec; the account and endpoint a connection string
        names travel too (so a worker reaches the same account), the secret does not. A
        service principal's client id stays behind with its secret (a managed identity's
        client id, without a secret, travels)."""
        fields = super().job_fields()
        if self.client_secret is not None:
            fields.pop("client_id", None)
        if self.connection_string is not None:
            parts = parse_connection_string(self.connection_string.get_secret_value())
            account = account_of(parts)
            if "storage_account" not in fields and account:
                fields["storage_account"] = account
            if "endpoint" not in fields and parts.get("blobendpoint"):
                fields["endpoint"] = parts["blobendpoint"]
        return fields

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ

        def secret(name: str) -> SecretStr | None:
            value = env.get(name)
            return SecretStr(value) if value else None

        conn = env.get("AZURE_STORAGE_CONNECTION_STRING")
        account = env.get("AZURE_STORAGE_ACCOUNT") or (
            account_of(parse_connection_string(conn)) if conn else None
        )
        return cls(
            resource_group=env.get("AZURE_RESOURCE_GROUP"),
            location=env.get("AZURE_LOCATION", "eastus"),
            subscription_id=env.get("AZURE_SUBSCRIPTION_ID"),
            tenant_id=env.get("AZURE_TENANT_ID"),
            storage_account=account,
            account_key=secret("AZURE_STORAGE_KEY"),
            connection_string=secret("AZURE_STORAGE_CONNECTION_STRING"),
            client_id=env.get("AZURE_CLIENT_ID"),
            client_secret=secret("AZURE_CLIENT_SECRET"),
            endpoint=env.get("AZURE_STORAGE_ENDPOINT"),
        )


class BlobConfig(BucketConfig):
    """Azure Blob container (and its storage account) settings.

    ``tier``, ``replication``, ``soft_delete_retention_days``, ``versioning``,
    ``hierarchical_namespace`` and ``allow_public_access`` are settings of the storage
    account: the compiler puts containers with different values in different accounts (see
    docs/clouds/azure.md). ``encryption_scope`` is the container's own.
    """

    tier: Literal["Hot", "Cool", "Cold"] = Field(default="Hot", description="Account access tier.")
    replication: Literal["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"] = "LRS"
    encryption_scope: str | None = Field(default=None, description="Default encryption scope.")
    soft_delete_retention_days: int | None = Field(default=7, ge=1, le=365)
    versioning: bool = False
    hierarchical_namespace: bool | None = Field(
        default=None,
        description="ADLS Gen2 (True) or a flat namespace (False). None: the compiler picks a "
        "flat namespace when the container's features need one (object replication), else "
        "ADLS Gen2.",
    )
    allow_public_access: bool = Field(default=False, description="Opt-out of the secure default.")
    allow_shared_key_access: bool = Field(
        default=False,
        description="Accept requests signed with the account key (and account-key SAS). Off "
        "by default: only Entra ID identities are accepted. Turn on only for a client that "
        "must use account_key or a connection string with a key.",
    )
    allowed_ip_ranges: tuple[str, ...] = Field(
        default=(),
        description="Public IPv4 addresses or CIDR ranges (/30 or wider) allowed to reach the "
        "account; when set, every other network is denied (Azure services bypass). Empty: "
        "reachable from any network, Entra ID and TLS still required.",
    )

    @field_validator("allowed_ip_ranges")
    @classmethod
    def _ip_ranges(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                net = ipaddress.IPv4Network(item, strict=True)
            except ValueError as exc:
                raise ValueError(
                    f"allowed_ip_ranges entry {item!r} is not an IPv4 address or CIDR range "
                    f"({exc}); Azure storage IP rules take IPv4 only"
                ) from None
            if any(net.overlaps(blocked) for blocked in _NOT_PUBLIC):
                raise ValueError(
                    f"allowed_ip_ranges entry {item!r} is not a public range; Azure storage IP "
                    "rules ignore private networks (use a private endpoint or VNet rule)"
                )
            if "/" in item and net.prefixlen > 30:
                raise ValueError(
                    f"allowed_ip_ranges entry {item!r}: Azure takes /31 and /32 only as single "
                    f"addresses; write {str(net.network_address)!r} for one address"
                )
        return value


class AzureFunctionConfig(ServerlessConfig):
    """Azure Functions (Linux, Python) settings."""

    plan: Literal["FlexConsumption", "Consumption", "Premium"] = "FlexConsumption"
    instance_memory_mb: Literal[512, 2048, 4096] = 2048
    timeout_seconds: int = Field(default=300, ge=1, le=3600)
    max_instances: int | None = Field(default=None, ge=1, le=1000)
    python_version: Literal["3.10", "3.11", "3.12"] = "3.11"
    environment: dict[str, str] = {}
    app_insights: bool = True
    requirements: list[str] = []
    include: list[str] = Field(
        default=[],
        description="Globs of data files to pack with the handler's Python sources, relative "
        "to the folder holding its top-level module (e.g. 'mypkg/models/*.onnx'). Dotfiles "
        "and key/credential files are never packed.",
    )
    app_name: str | None = Field(
        default=None, description="Function app name (default: the function name)."
    )
    url: str | None = Field(
        default=None,
        description="Full HTTP trigger URL; default GLACIER_FUNCTION_URL_<NAME>, else "
        "https://<app_name>.azurewebsites.net/api/<function_name>.",
    )
    function_key: SecretStr | None = Field(
        default=None,
        description="Function key sent as x-functions-key; default GLACIER_FUNCTION_KEY_<NAME>, "
        "else AZURE_FUNCTIONS_KEY.",
    )

    @field_validator("requirements")
    @classmethod
    def _requirements(cls, value: list[str]) -> list[str]:
        return [check_requirement(v, "requirements entry") for v in value]

    @field_validator("include")
    @classmethod
    def _include(cls, value: list[str]) -> list[str]:
        return [check_include(v, "include pattern") for v in value]


class SynapseConfig(ExecutorConfig):
    """Azure Synapse Spark pool settings (Spark batch jobs)."""

    engine: ClassVar[str] = "synapse"
    #: Set: the executor references that existing pool (and workspace), never creates them.
    existing_fields: ClassVar[tuple[str, ...]] = ("existing_spark_pool",)

    workspace_name: str
    spark_pool_name: str = "glacierpool"
    existing_spark_pool: str | None = Field(
        default=None,
        description="An existing Spark pool of the existing workspace workspace_name: the "
        "compiled program references it (records its name) and creates no workspace or pool.",
    )
    node_size: Literal["Small", "Medium", "Large", "XLarge", "XXLarge"] = "Small"
    node_count: int = Field(default=3, ge=3, le=200)
    autoscale_max_nodes: int | None = Field(default=None, ge=3, le=200)
    spark_version: str = "3.4"
    auto_pause_minutes: int = Field(default=15, ge=5)
    endpoint: str | None = Field(
        default=None,
        description="Workspace development endpoint; default "
        "https://<workspace_name>.dev.azuresynapse.net.",
    )
    executor_count: int = Field(default=2, ge=1, description="Executors per batch.")
    entrypoint_uri: str | None = Field(
        default=None, description="abfss:// URI of Glacier's entry script (default: uploaded)."
    )
