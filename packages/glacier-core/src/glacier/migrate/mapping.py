"""The V2 → V3 mapping tables used by ``glacier migrate``, kept in one place.

Everything the codemod knows about the old API lives here: which V2 provider class becomes
which V3 config class, how V2 keyword arguments are renamed, which arguments stay on
``Provider(...)`` and which methods were renamed.  The transformer only reads these tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: Module that held the V2 provider classes (``glacier.providers`` and its submodules).
V2_PROVIDERS_MODULE = "glacier.providers"
#: Module and name of the single V3 provider class.
V3_PROVIDER_MODULE = "glacier"
V3_PROVIDER_CLASS = "Provider"
#: Module that holds the V3 config classes.
V3_CONFIG_MODULE = "glacier.config"

#: Prefix of every note the codemod writes into migrated code.
NOTE_PREFIX = "glacier-migrate:"


@dataclass(frozen=True)
class ProviderMapping:
    """How one V2 provider class maps onto ``Provider(config=<config_class>(...))``.

    :param v2_class: the V2 class name, e.g. ``AWSProvider``.
    :param config_class: the V3 config class name, e.g. ``AwsConfig``.
    :param fields: keyword arguments the V3 config class accepts.
    :param aliases: V2 keyword name → V3 config field name.
    :param positional: the V3 field that V2's first positional argument meant.
    """

    v2_class: str
    config_class: str
    fields: frozenset[str]
    aliases: Mapping[str, str] = field(default_factory=dict)
    positional: str = ""

    def field_for(self, keyword: str) -> str | None:
        """Return the V3 config field for a V2 keyword, or ``None`` if there is none."""
        if keyword in self.fields:
            return keyword
        return self.aliases.get(keyword)


AWS = ProviderMapping(
    v2_class="AWSProvider",
    config_class="AwsConfig",
    fields=frozenset(
        {
            "region",
            "profile",
            "account_id",
            "role_arn",
            "session_token",
            "access_key_id",
            "secret_access_key",
            "endpoint_url",
        }
    ),
    aliases=MappingProxyType(
        {
            "aws_access_key_id": "access_key_id",
            "aws_secret_access_key": "secret_access_key",
            "aws_session_token": "session_token",
            "region_name": "region",
            "profile_name": "profile",
            "endpoint": "endpoint_url",
        }
    ),
    positional="region",
)

AZURE = ProviderMapping(
    v2_class="AzureProvider",
    config_class="AzureConfig",
    fields=frozenset(
        {
            "resource_group",
            "location",
            "subscription_id",
            "tenant_id",
            "storage_account",
            "account_key",
            "connection_string",
            "client_id",
            "client_secret",
            "endpoint",
        }
    ),
    aliases=MappingProxyType(
        {
            "account_name": "storage_account",
            "storage_account_name": "storage_account",
            "region": "location",
        }
    ),
    positional="resource_group",
)

GCP = ProviderMapping(
    v2_class="GCPProvider",
    config_class="GcpConfig",
    fields=frozenset({"project", "region", "credentials_path", "endpoint_url"}),
    aliases=MappingProxyType(
        {
            "project_id": "project",
            "credentials": "credentials_path",
            "location": "region",
        }
    ),
    positional="project",
)

LOCAL = ProviderMapping(
    v2_class="LocalProvider",
    config_class="LocalConfig",
    fields=frozenset({"base_path"}),
    aliases=MappingProxyType({"root": "base_path", "path": "base_path", "base_dir": "base_path"}),
    positional="base_path",
)

#: V2 class name → its mapping.
PROVIDERS: Mapping[str, ProviderMapping] = MappingProxyType(
    {m.v2_class: m for m in (AWS, AZURE, GCP, LOCAL)}
)

#: Keyword arguments of a V2 provider that stay on ``Provider(...)`` rather than the config.
PROVIDER_KWARGS: frozenset[str] = frozenset({"tags"})

#: V2 keyword that already held a config object:
#: ``AWSProvider(config=c)`` → ``Provider(config=c)``.
V2_CONFIG_KWARG = "config"

#: V2 provider class methods that become a call on the V3 config class
#: (``AWSProvider.from_env()`` → ``Provider(config=AwsConfig.from_env())``).
CLASSMETHODS: frozenset[str] = frozenset({"from_env"})

#: Renamed provider methods: V2 name → V3 name (arguments unchanged but see below).
METHOD_RENAMES: Mapping[str, str] = MappingProxyType(
    {"bucket_source": "bucket", "bucket_sink": "bucket"}
)

#: Keyword arguments of the renamed methods that V3 calls differently.
METHOD_KWARG_ALIASES: Mapping[str, str] = MappingProxyType({"bucket": "bucket_name"})

#: Keyword arguments ``Provider.bucket(...)`` accepts in V3.
BUCKET_KWARGS: frozenset[str] = frozenset(
    {"bucket_name", "path", "format", "config", "name", "advanced_config"}
)


#: What to do with a ``bucket_source``/``bucket_sink`` keyword V3 ``bucket()`` does not take.
BUCKET_KWARG_HINT = (
    "remove it; provider.bucket() takes bucket_name, path, format, config, name, advanced_config"
)
