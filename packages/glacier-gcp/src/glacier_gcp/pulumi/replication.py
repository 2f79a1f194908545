"""Replication on GCS: a destination bucket in the destination region and an event-driven
Storage Transfer Service replication job."""

from __future__ import annotations

from glacier.plugin import BucketHandle, Call, Expr, ProgramWriter, ReplicationConfig
from glacier_gcp.pulumi.labels import labels
from glacier_gcp.pulumi.regions import gcs_location
from glacier_gcp.pulumi.storage import GS, gcp_config, gcs_class, gcs_config, invoke_options


def emit_replication(handle: BucketHandle, rep: ReplicationConfig, out: ProgramWriter) -> None:
    """The replica bucket (secure defaults; a region written for another cloud is
    translated, stated in the compile notes), the transfer agent's grants and the job."""
    bucket = handle.bucket
    source = handle.var
    provider = bucket.provider
    project = gcp_config(provider).project
    where, note = gcs_location(
        rep.destination_region, "advanced_config.replication.destination_region"
    )
    if note:
        bucket.notes.append(f"{bucket.bucket_name}: {note}")
    storage_class = gcs_class(rep.storage_class, bucket.bucket_name) if rep.storage_class else None
    dest = out.resource(
        GS + "Bucket",
        rep.destination_bucket,
        {
            "name": rep.destination_bucket,
            "location": where,
            "project": project,
            "storage_class": storage_class or gcs_config(bucket).storage_class,
            "uniform_bucket_level_access": True,
            "public_access_prevention": "enforced",
            "labels": labels(bucket.tags),
        },
        comment=f"Replica of {bucket.bucket_name!r} in {where.lower()} "
        "(advanced_config.replication)",
        provider=provider,
        var_hint=rep.destination_bucket,
    )
    agent = out.value(
        f"{bucket.bucket_name}_transfer_agent",
        Call(
            GS + "get_transfer_project_service_account_output",
            {"project": project, "opts": invoke_options(provider, out)},
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
            "project": project,
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
