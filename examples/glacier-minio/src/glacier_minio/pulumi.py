"""Pulumi emitter of the MinIO plugin: the steps of Glacier's emitter template.

MinIO speaks the S3 API, so the program manages its buckets with ``pulumi_aws`` through an
explicit ``aws.Provider`` pointed at the MinIO endpoint (path-style requests, none of the AWS
account checks). What MinIO cannot do through that API, or what this plugin leaves out
(identities and grants: MinIO users and policies are managed with ``mc admin``), keeps the
template's default: a clear unsupported-feature error at compile time.

Generates code as text; never imports Pulumi.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

from glacier.plugin import (
    BucketConfig,
    BucketGrant,
    BucketHandle,
    Call,
    Expr,
    HookTarget,
    IdentityHandle,
    IRBucket,
    IRCompute,
    IRProvider,
    MergeRule,
    ProgramWriter,
    ProviderConfig,
    PulumiEmitter,
    TierRule,
    all_true,
    any_true,
)
from glacier_minio.config import MinioBucketConfig, MinioConfig

S3 = "aws.s3."
#: The Pulumi config namespace of the keys the program's provider uses.
CONFIG_NAMESPACE = "glacier-minio"


class MinioEmitter(PulumiEmitter):
    """MinIO buckets through ``pulumi_aws``; no identities, grants, functions or engines."""

    cloud: ClassVar[str] = "minio"
    label: ClassVar[str] = "MinIO"
    imports: ClassVar[tuple[str, ...]] = ("import pulumi_aws as aws",)
    requirements: ClassVar[tuple[str, ...]] = ("pulumi-aws>=7.0,<8",)
    #: Several Glacier buckets on one MinIO bucket: versioning if any asks for it,
    #: force_destroy only if all allow it (the safer value wins).
    bucket_merge_rules: ClassVar[dict[str, MergeRule]] = {
        "versioning": any_true,
        "force_destroy": all_true,
    }
    bucket_per_path_fields: ClassVar[tuple[str, ...]] = ("expiration",)

    @classmethod
    def provider_key(cls, config: ProviderConfig) -> str:
        """``minio-<host>``: one explicit provider per server."""
        assert isinstance(config, MinioConfig)
        return f"{cls.cloud}-{urlsplit(config.endpoint).hostname}"

    @classmethod
    def scope_bucket_config(cls, config: BucketConfig, path: str) -> BucketConfig:
        """The expiry rules of ``config``, limited to objects under ``path``."""
        if not isinstance(config, MinioBucketConfig) or not config.expiration:
            return config
        rules = [
            rule.model_copy(update={"prefix": path + rule.prefix}) for rule in config.expiration
        ]
        return config.model_copy(update={"expiration": rules})

    # -- providers -------------------------------------------------------------------------
    def provider_resource(self, provider: IRProvider, out: ProgramWriter, comment: str) -> str:
        config = minio_config(provider)
        settings = out.handles.once(CONFIG_NAMESPACE, lambda: self._settings(out))
        return out.resource(
            "aws.Provider",
            provider.key,
            {
                "region": config.region,
                "access_key": Expr(f'{settings}.require_secret("accessKey")'),
                "secret_key": Expr(f'{settings}.require_secret("secretKey")'),
                "endpoints": [Call("aws.ProviderEndpointArgs", {"s3": config.endpoint})],
                "s3_use_path_style": True,
                "skip_credentials_validation": True,
                "skip_metadata_api_check": True,
                "skip_region_validation": True,
                "skip_requesting_account_id": True,
            },
            comment=f"{comment}: MinIO at {config.endpoint}",
            var_hint=provider.key,
        )

    def _settings(self, out: ProgramWriter) -> str:
        return out.value(
            "minio_settings",
            Call("pulumi.Config", args=(CONFIG_NAMESPACE,)),
            comment=[
                "MinIO keys, from the stack's secret config (never in this file):",
                f"pulumi config set --secret {CONFIG_NAMESPACE}:accessKey ...",
                f"pulumi config set --secret {CONFIG_NAMESPACE}:secretKey ...",
            ],
        )

    # -- buckets ---------------------------------------------------------------------------
    def bucket_resource(self, bucket: IRBucket, key: Any, out: ProgramWriter) -> BucketHandle:
        config = bucket_config(bucket)
        var = out.resource(
            S3 + "Bucket",
            bucket.bucket_name,
            {
                "bucket": bucket.bucket_name,
                "force_destroy": config.force_destroy or None,
                "tags": bucket.tags or None,
            },
            comment=[
                f"Glacier bucket {bucket.describe()} -> MinIO bucket {bucket.bucket_name!r}",
                "Private: MinIO grants no anonymous access without a bucket policy",
            ],
            provider=bucket.provider,
            var_hint=bucket.bucket_name,
            target=HookTarget(tuple(bucket.names), bucket.provider, bucket.tags),
        )
        return BucketHandle(var, bucket)

    def versioning_reason(self, bucket: IRBucket) -> str | None:
        return "MinioBucketConfig(versioning=True)" if bucket_config(bucket).versioning else None

    def bucket_versioning(self, handle: BucketHandle, reason: str, out: ProgramWriter) -> str:
        return out.resource(
            S3 + "BucketVersioning",
            f"{handle.bucket.bucket_name}-versioning",
            {
                "bucket": Expr(f"{handle.var}.id"),
                "versioning_configuration": Call(
                    S3 + "BucketVersioningVersioningConfigurationArgs", {"status": "Enabled"}
                ),
            },
            comment=f"Versioning ({reason})",
            provider=handle.provider,
        )

    def bucket_lifecycle(
        self, handle: BucketHandle, tiers: Sequence[TierRule], out: ProgramWriter
    ) -> None:
        super().bucket_lifecycle(handle, tiers, out)  # storage tiers: the template's error
        rules = bucket_config(handle.bucket).expiration or []
        if not rules:
            return
        out.resource(
            S3 + "BucketLifecycleConfiguration",
            f"{handle.bucket.bucket_name}-lifecycle",
            {
                "bucket": Expr(f"{handle.var}.id"),
                "rules": [
                    Call(
                        S3 + "BucketLifecycleConfigurationRuleArgs",
                        {
                            "id": f"expire-{n}",
                            "status": "Enabled",
                            "filter": Call(
                                S3 + "BucketLifecycleConfigurationRuleFilterArgs",
                                {"prefix": rule.prefix},
                            ),
                            "expiration": Call(
                                S3 + "BucketLifecycleConfigurationRuleExpirationArgs",
                                {"days": rule.days},
                            ),
                        },
                    )
                    for n, rule in enumerate(rules, start=1)
                ],
            },
            comment="Expiry rules (MinioBucketConfig.expiration)",
            provider=handle.provider,
            depends_on=[handle.versioning] if handle.versioning else (),
        )

    def existing_bucket(self, bucket: IRBucket, out: ProgramWriter) -> BucketHandle:
        var = out.reference(
            S3 + "Bucket",
            bucket.bucket_name,
            bucket.bucket_name,
            comment=[
                f"Glacier bucket {bucket.describe()} -> existing MinIO bucket "
                f"{bucket.bucket_name!r}",
                "Referenced (existing=True): read, never changed or deleted",
            ],
            provider=bucket.provider,
            var_hint=bucket.bucket_name,
        )
        return BucketHandle(var, bucket, existing=True)

    # -- identities: out of scope ------------------------------------------------------------
    def identity_resource(self, compute: IRCompute, out: ProgramWriter) -> IdentityHandle:
        raise self.unsupported(
            f"An identity for {compute.kind} {compute.name!r} on MinIO",
            "run the task where the pipeline runs (no executor, or a local one), with MinIO "
            "keys in MINIO_ACCESS_KEY/MINIO_SECRET_KEY; MinIO users and policies are managed "
            "with `mc admin`, outside Glacier",
        )

    def grant_access(
        self,
        identity: IdentityHandle,
        grants: Sequence[BucketGrant],
        purpose: str,
        out: ProgramWriter,
    ) -> list[str]:
        names = ", ".join(sorted({g.bucket.bucket.bucket_name for g in grants}))
        raise self.unsupported(
            f"Access grants on MinIO buckets ({names})",
            "a MinIO policy attached with `mc admin policy attach`, outside Glacier",
        )


def minio_config(provider: IRProvider) -> MinioConfig:
    """The provider's config, as the MinioConfig the registry routed here."""
    config = provider.config
    assert isinstance(config, MinioConfig)
    return config


def bucket_config(bucket: IRBucket) -> MinioBucketConfig:
    """The bucket's MinioBucketConfig (defaults when none was given)."""
    config = bucket.config
    return config if isinstance(config, MinioBucketConfig) else MinioBucketConfig()
