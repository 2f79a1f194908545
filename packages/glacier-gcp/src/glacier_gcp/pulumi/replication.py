"""Replication on GCS: a destination bucket in the destination region and an event-driven
Storage Transfer Service replication job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from glacier.compiler.ir import IRBucket
from glacier.compiler.program import ProgramWriter
from glacier.compiler.pyrender import Call, Expr
from glacier_gcp.config import GcsConfig
from glacier_gcp.pulumi.labels import labels
from glacier_gcp.pulumi.storage import GS, gcs_class

if TYPE_CHECKING:
    from glacier_gcp.pulumi.emitter import GcpEmitter


def emit_replication(
    emitter: GcpEmitter, bucket: IRBucket, source: str, cfg: GcsConfig, out: ProgramWriter
) -> None:
    rep = bucket.advanced.replication
    provider = bucket.provider
    dest_class = (
        gcs_class(emitter, rep.storage_class, bucket.bucket_name) if rep.storage_class else None
    )
    dest = out.resource(
        GS + "Bucket",
        rep.destination_bucket,
        {
            "name": rep.destination_bucket,
            "location": rep.destination_region.upper(),
            "project": provider.config.project,
            "storage_class": dest_class or cfg.storage_class,
            "uniform_bucket_level_access": True,
            "public_access_prevention": "enforced",
            "labels": labels(bucket.tags),
        },
        comment=f"Replica of {bucket.bucket_name!r} in {rep.destination_region} "
        "(advanced_config.replication)",
        provider=provider,
        var_hint=rep.destination_bucket,
    )
    agent = out.value(
        f"{bucket.bucket_name}_transfer_agent",
        Call(
            "gcp.storage.get_transfer_project_service_account_output",
            {
                "project": provider.config.project,
                "opts": Call(
                    "pulumi.InvokeOutputOptions", {"provider": Expr(out.ref(provider.key))}
                ),
            },
        ),
        comment="The Storage Transfer Service agent of the project",
    )
    member = Call("pulumi.Output.concat", args=("serviceAccount:", Expr(f"{agent}.email")))
    grants = []
    for role, target, what in (
        ("roles/storage.objectViewer", source, "read the source"),
        ("roles/storage.legacyBucketReader", source, "list the source"),
        ("roles/storage.legacyBucketWriter", dest, "write the replica"),
    ):
        grants.append(
            out.resource(
                GS + "BucketIAMMember",
                f"{bucket.bucket_name}-transfer-{role.rsplit('.', 1)[1]}",
                {"bucket": Expr(f"{target}.name"), "role": role, "member": member},
                comment=f"Transfer agent may {what}",
                provider=provider,
            )
        )
    out.resource(
        GS + "TransferJob",
        f"{bucket.bucket_name}-replication",
        {
            "description": f"Replicate {bucket.bucket_name} to {rep.destination_bucket}",
            "project": provider.config.project,
            "replication_spec": Call(
                GS + "TransferJobReplicationSpecArgs",
                {
                    "gcs_data_source": Call(
                        GS + "TransferJobReplicationSpecGcsDataSourceArgs",
                        {"bucket_name": Expr(f"{source}.name")},
                    ),
                    "gcs_data_sink": Call(
                        GS + "TransferJobReplicationSpecGcsDataSinkArgs",
                        {"bucket_name": Expr(f"{dest}.name")},
                    ),
                },
            ),
        },
        comment="Event-driven replication of every new object",
        provider=provider,
        depends_on=grants,
    )
