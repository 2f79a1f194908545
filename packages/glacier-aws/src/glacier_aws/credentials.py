"""AWS credentials and client options for S3, from :class:`~glacier_aws.config.AwsConfig`
and the environment, by one rule (docs/clouds/aws.md, "Credentials"): explicit config fields
win, the environment fills the rest, and reads and writes get the same resolved settings.

Order: explicit keys in the config; else ``role_arn`` (assumed once through STS, from the
profile or the default chain); else the config's ``profile``; else keys from the environment
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); else the standard AWS chain
(``AWS_PROFILE`` / ``~/.aws``, web identity, instance or container role), resolved by botocore
and by Polars themselves. The endpoint: ``endpoint_url``, else AWS_ENDPOINT_URL_S3, else
AWS_ENDPOINT_URL.

Every function that configures a client installs :mod:`glacier_aws.log_redaction` and
registers the secrets it hands over, so DEBUG logs of botocore, aiobotocore and s3fs never
show a secret key, session token or request signature.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from glacier_aws import log_redaction
from glacier_aws.config import AwsConfig

#: Attempts per request (botocore "standard" mode retries throttling, 5xx and resets).
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class StaticCredentials:
    """An access key pair, with a session token for temporary credentials."""

    access_key_id: str
    secret_access_key: SecretStr = field(repr=False)
    session_token: SecretStr | None = field(default=None, repr=False)

    def options(
        self,
        key: str = "aws_access_key_id",
        secret: str = "aws_secret_access_key",
        token: str = "aws_session_token",
    ) -> dict[str, str]:
        """The pair (and token) as keyword arguments under the client's names (boto3's and
        Polars' by default)."""
        out = {key: self.access_key_id, secret: self.secret_access_key.get_secret_value()}
        if self.session_token is not None:
            out[token] = self.session_token.get_secret_value()
        return out


def resolve_credentials(
    config: AwsConfig, environ: Mapping[str, str] | None = None
) -> StaticCredentials | None:
    """Keys from the config, from assuming ``role_arn``, or (when the config names neither
    keys, a role nor a profile) from the environment; ``None`` means the default chain."""
    log_redaction.install()
    log_redaction.remember(secret_values(config, None))
    if config.access_key_id and config.secret_access_key is not None:
        return StaticCredentials(
            config.access_key_id, config.secret_access_key, config.session_token
        )
    if config.role_arn:
        return _assume_role(config)
    if config.profile:
        return None  # the profile wins over keys in the environment (as in botocore)
    env = os.environ if environ is None else environ
    key_id, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    if key_id and secret:
        token = env.get("AWS_SESSION_TOKEN")
        log_redaction.remember([v for v in (secret, token) if v])
        return StaticCredentials(key_id, SecretStr(secret), SecretStr(token) if token else None)
    return None


def endpoint_url(config: AwsConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """The S3 endpoint: ``endpoint_url``, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL."""
    env = os.environ if environ is None else environ
    return config.endpoint_url or env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")


def _assume_role(config: AwsConfig) -> StaticCredentials:
    import boto3

    session = boto3.Session(profile_name=config.profile, region_name=config.region)
    sts = session.client("sts", endpoint_url=config.endpoint_url)
    creds = sts.assume_role(RoleArn=config.role_arn, RoleSessionName="glacier")["Credentials"]
    log_redaction.remember([creds["SecretAccessKey"], creds["SessionToken"]])
    return StaticCredentials(
        creds["AccessKeyId"],
        SecretStr(creds["SecretAccessKey"]),
        SecretStr(creds["SessionToken"]),
    )


def boto3_session(config: AwsConfig) -> Any:
    """A boto3 session for ``config``: explicit keys, else the assumed ``role_arn``, else the
    profile / default chain (the same order the S3 adapter uses)."""
    import boto3

    kwargs: dict[str, Any] = {"region_name": config.region}
    creds = resolve_credentials(config)
    if creds is not None:
        kwargs.update(creds.options())
    elif config.profile:
        kwargs["profile_name"] = config.profile
    return boto3.Session(**kwargs)


def aws_client(config: AwsConfig, service: str, endpoint_url: str | None = None) -> Any:
    """A boto3 client for ``service`` (``lambda``, ``glue``, ``emr``, ...); ``endpoint_url``
    overrides the service endpoint (LocalStack, a test server)."""
    extra = {"endpoint_url": endpoint_url} if endpoint_url else {}
    return boto3_session(config).client(service, **extra)


def s3fs_options(config: AwsConfig, creds: StaticCredentials | None) -> dict[str, Any]:
    """Keyword arguments for ``s3fs.S3FileSystem``."""
    client: dict[str, Any] = {"region_name": config.region}
    endpoint = endpoint_url(config)
    if endpoint:
        client["endpoint_url"] = endpoint
    log_redaction.install()
    log_redaction.remember(secret_values(config, creds))
    options: dict[str, Any] = {
        "client_kwargs": client,
        "config_kwargs": {"retries": {"max_attempts": MAX_ATTEMPTS, "mode": "standard"}},
        "use_listings_cache": False,
    }
    if creds is not None:
        options.update(creds.options("key", "secret", "token"))
    elif config.profile:
        options["profile"] = config.profile
    return options


def polars_options(config: AwsConfig, creds: StaticCredentials | None) -> dict[str, Any]:
    """Keyword arguments for Polars' native S3 scans."""
    import polars as pl

    storage: dict[str, Any] = {"aws_region": config.region, "max_retries": MAX_ATTEMPTS}
    endpoint = endpoint_url(config)
    if endpoint:
        # Both keys: Polars lets AWS_ENDPOINT_URL_S3 in the environment override a given
        # aws_endpoint_url, but not a given aws_endpoint_url_s3.
        storage["aws_endpoint_url"] = storage["aws_endpoint_url_s3"] = endpoint
        if endpoint.startswith("http://"):
            storage["aws_allow_http"] = "true"
    options: dict[str, Any] = {"storage_options": storage}
    if creds is not None:
        storage.update(creds.options())
        options["credential_provider"] = None
    elif config.profile:
        options["credential_provider"] = pl.CredentialProviderAWS(
            profile_name=config.profile, region_name=config.region
        )
    return options


def delta_options(config: AwsConfig, creds: StaticCredentials | None) -> dict[str, str]:
    """deltalake (delta-rs) storage options: the keys and endpoint Polars uses, plus
    conditional-put commits (``If-None-Match``), which make concurrent writers safe without
    a DynamoDB lock (never ``AWS_S3_ALLOW_UNSAFE_RENAME``)."""
    options: dict[str, str] = {"aws_region": config.region, "aws_conditional_put": "etag"}
    endpoint = endpoint_url(config)  # the one rule: the config's, else the environment's
    if endpoint:
        options["aws_endpoint_url"] = endpoint
        if endpoint.startswith("http://"):
            options["aws_allow_http"] = "true"
    if creds is None:  # delta-rs reads neither profiles nor ~/.aws: resolve them here
        creds = _chain_credentials(config)
    if creds is not None:
        options.update(creds.options())
    return options


def _chain_credentials(config: AwsConfig) -> StaticCredentials | None:
    """Credentials of the profile or the default AWS chain, resolved by botocore (``None``:
    none found; delta-rs then tries the environment and instance metadata itself)."""
    found = boto3_session(config).get_credentials()
    if found is None:
        return None
    frozen = found.get_frozen_credentials()
    token = SecretStr(frozen.token) if frozen.token else None
    return StaticCredentials(frozen.access_key, SecretStr(frozen.secret_key), token)


def secret_values(config: AwsConfig, creds: StaticCredentials | None) -> list[str]:
    """Every secret string that must never appear in a message."""
    values = [s.get_secret_value() for s in (config.secret_access_key, config.session_token) if s]
    if creds is not None:
        values.append(creds.secret_access_key.get_secret_value())
        if creds.session_token is not None:
            values.append(creds.session_token.get_secret_value())
    return values
