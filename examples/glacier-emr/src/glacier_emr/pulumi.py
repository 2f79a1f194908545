"""Pulumi emitter of the EMR plugin: an engine emitter (see ``glacier.plugin.EngineEmitter``).

The AWS emitter creates the executor's IAM role with its least-privilege bucket grants; this
emitter makes EC2 assume that role, wraps it in an instance profile and, when the config has
no ``cluster_id``, creates the EMR cluster that runs the steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from glacier.plugin import EngineEmitter, Expr
from glacier_emr.config import EmrConfig

if TYPE_CHECKING:
    from glacier.plugin import BucketHandle, IdentityHandle, IRCompute, ProgramWriter


class EmrEmitter(EngineEmitter):
    """EMR nodes assume the executor's identity through an EC2 instance profile."""

    trusted_services: ClassVar[dict[str, str]] = {"aws": "ec2.amazonaws.com"}

    def executor_resource(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> None:
        config = executor.config
        assert isinstance(config, EmrConfig)
        out.add_import("import pulumi_aws as aws")
        profile = out.resource(
            "aws.iam.InstanceProfile",
            f"{executor.name}-emr-profile",
            {"role": Expr(f"{identity.var}.name"), "tags": executor.tags or None},
            comment=f"Instance profile of EMR executor {executor.name!r} (its identity)",
            provider=executor.provider,
        )
        if config.cluster_id:
            out.export(f"{executor.name}_emr_cluster_id", config.cluster_id)
            return
        cluster = out.resource(
            "aws.emr.Cluster",
            f"{executor.name}-emr",
            {
                "release_label": config.release_label,
                "applications": ["Spark"],
                "service_role": config.service_role,
                "ec2_attributes": {"instance_profile": Expr(f"{profile}.arn")},
                "master_instance_group": {"instance_type": config.instance_type},
                "core_instance_group": {
                    "instance_type": config.instance_type,
                    "instance_count": max(config.instance_count - 1, 1),
                },
                "tags": executor.tags or None,
            },
            comment=f"EMR cluster of executor {executor.name!r} (pass its id as cluster_id)",
            provider=executor.provider,
        )
        out.export(f"{executor.name}_emr_cluster_id", Expr(f"{cluster}.id"))
