"""``GcpEmitter``: the GCP steps of Glacier's emitter template (pulumi-gcp 10).

Providers, GCS buckets (:mod:`.storage`, :mod:`.replication`), service accounts and
prefix-limited grants (:mod:`.iam`), Cloud Functions and Dataproc (:mod:`.compute`).
Generates code as text; never imports Pulumi.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from glacier.plugin import (
    BucketConfig,
    BucketGrant,
    BucketHandle,
    EncryptionConfig,
    Expr,
    HookTarget,
    IdentityHandle,
    IRBucket,
    IRCompute,
    IRProvider,
    KeyHandle,
    MergeRule,
    ObjectLockConfig,
    ProgramWriter,
    ProviderConfig,
    PulumiEmitter,
    ReplicationConfig,
    TierRule,
    all_true,
    any_true,
    longest,
    one_of,
)
from glacier_gcp.config import DataprocConfig, GcsConfig
from glacier_gcp.pulumi import compute, iam, replication, storage
from glacier_gcp.pulumi.labels import account_id


class GcpEmitter(PulumiEmitter):
    """GCP: explicit ``gcp.Provider`` per project/region, GCS buckets, service accounts."""

    cloud: ClassVar[str] = "gcp"
    label: ClassVar[str] = "GCP"
    imports: ClassVar[tuple[str, ...]] = ("import pulumi_gcp as gcp",)
    requirements: ClassVar[tuple[str, ...]] = ("pulumi-gcp>=10.0,<11",)
    #: GcsConfig fields of a shared bucket: the stronger value wins (unlisted:
    #: ``storage_class`` must be equal); ``location`` set on one part applies to all.
    bucket_merge_rules: ClassVar[dict[str, MergeRule]] = {
        "versioning": any_true,
        "public_access_prevention": any_true,
        "uniform_bucket_level_access": any_true,
        "soft_delete_retention_days": longest,
        "force_destroy": all_true,
        "location": one_of,
    }
    bucket_per_path_fields: ClassVar[tuple[str, ...]] = ("lifecycle_rules",)

    @classmethod
    def provider_key(cls, config: ProviderConfig) -> str:
        return f"gcp-{getattr(config, 'project', '')}-{getattr(config, 'region', '')}"

    @classmethod
    def scope_bucket_config(cls, config: BucketConfig, path: str) -> BucketConfig:
        return storage.scope_lifecycle(config, path) if isinstance(config, GcsConfig) else config

    # -- providers -------------------------------------------------------------------------
    def provider_resource(self, provider: IRProvider, out: ProgramWriter, comment: str) -> str:
        config = storage.gcp_config(provider)
        return out.resource(
            "gcp.Provider",
            provider.key,
            {"project": config.project, "region": config.region},
            comment=f"{comment}: GCP {config.project} {config.region}",
            var_hint=provider.key,
        )

    def placement(self, provider: IRProvider, out: ProgramWriter) -> dict[str, Any]:
        """Every GCP resource names its project."""
        return {"project": storage.gcp_config(provider).project}

    # -- buckets ---------------------------------------------------------------------------
    def bucket_key(
        self, bucket: IRBucket, encryption: EncryptionConfig, out: ProgramWriter
    ) -> KeyHandle:
        return storage.emit_key(bucket, encryption, out)

    def bucket_resource(
        self, bucket: IRBucket, key: KeyHandle | None, out: ProgramWriter
    ) -> BucketHandle:
        return storage.emit_bucket(bucket, key, out)

    def versioning_reason(self, bucket: IRBucket) -> str | None:
        return "GcsConfig(versioning=True)" if storage.gcs_config(bucket).versioning else None

    def bucket_versioning(self, handle: BucketHandle, reason: str, out: ProgramWriter) -> str:
        return storage.amend_versioning(handle, out)

    def bucket_lifecycle(
        self, handle: BucketHandle, tiers: Sequence[TierRule], out: ProgramWriter
    ) -> None:
        storage.amend_lifecycle(handle, tiers, out)

    def bucket_lock(self, handle: BucketHandle, lock: ObjectLockConfig, out: ProgramWriter) -> None:
        storage.amend_retention(handle, lock, out)

    def bucket_replication(
        self, handle: BucketHandle, rep: ReplicationConfig, out: ProgramWriter
    ) -> None:
        replication.emit_replication(handle, rep, out)

    def bucket_extras(self, handle: BucketHandle, out: ProgramWriter) -> None:
        storage.amend_soft_delete(handle, out)

    def existing_bucket(self, bucket: IRBucket, out: ProgramWriter) -> BucketHandle:
        return storage.reference_bucket(bucket, out)

    def bucket_outputs(self, handle: BucketHandle, out: ProgramWriter) -> None:
        out.export(f"{handle.provider.key}/{handle.bucket.bucket_name}", Expr(f"{handle.var}.name"))

    # -- identities ------------------------------------------------------------------------
    def identity_resource(self, compute: IRCompute, out: ProgramWriter) -> IdentityHandle:
        provider = compute.provider
        sa = out.resource(
            "gcp.serviceaccount.Account",
            f"{compute.name}-sa",
            {
                "account_id": account_id(compute.name),
                "display_name": f"Glacier {compute.kind} {compute.name}",
                "project": storage.gcp_config(provider).project,
            },
            comment=f"Glacier {compute.kind} {compute.name!r}: its own service account",
            provider=provider,
            var_hint=f"{compute.name}_sa",
            target=HookTarget((compute.name,), provider, compute.tags),
        )
        out.export(f"{compute.kind} {compute.name} service account", Expr(f"{sa}.email"))
        return IdentityHandle(sa, compute)

    def grant_access(
        self,
        identity: IdentityHandle,
        grants: Sequence[BucketGrant],
        purpose: str,
        out: ProgramWriter,
    ) -> list[str]:
        """One prefix-limited ``BucketIAMMember`` per grant (``<name>-<mode>-<bucket>`` for
        the DAG's grants, ``<name>-<purpose>-<mode>`` for others such as staging)."""
        name = identity.compute.name
        return [
            iam.grant_member(
                identity,
                grant,
                f"{name}-{grant.mode}-{grant.bucket.bucket.bucket_name}"
                if purpose == "access"
                else f"{name}-{purpose}-{grant.mode}",
                out,
            )
            for grant in grants
        ]

    # -- functions and executors -----------------------------------------------------------
    def function_resource(
        self, function: IRCompute, identity: IdentityHandle, out: ProgramWriter
    ) -> None:
        sources = compute.sources_bucket(function.provider)
        handle = out.handles.buckets.get(sources.key) or self.emit_bucket(sources, out)
        compute.emit_function(self.ir, function, identity, handle, out)

    def executor_resource(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> None:
        if not isinstance(executor.config, DataprocConfig):
            super().executor_resource(executor, identity, staging, out)
            return
        compute.emit_dataproc(executor, identity, executor.config, staging, out)
