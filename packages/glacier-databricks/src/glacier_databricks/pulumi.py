"""Pulumi emitter of the Databricks plugin (``glacier_databricks.pulumi:DatabricksEmitter``).

Databricks runs on any cloud: the cloud's emitter creates the executor's identity and its
least-privilege grants (and the staging access); this engine emitter binds that identity to
Databricks compute (pulumi-databricks 1.x) and creates the cluster:

* AWS: ``aws.iam.InstanceProfile`` of the role, registered as ``databricks.InstanceProfile``,
  used by the cluster (``aws_attributes.instance_profile_arn``);
* Azure: an ``azure_native.databricks.AccessConnector`` with the user-assigned identity and a
  Unity Catalog ``databricks.StorageCredential`` for it;
* GCP: the cluster runs as the service account (``gcp_attributes.google_service_account``).

The cluster's node type, workers/autoscale, Spark version, Spark conf, policy and libraries
come from :class:`DatabricksConfig`; with ``existing_cluster_id`` no cluster is created. The
workspace token is never written to the program: the ``databricks.Provider`` takes ``host``
and ``profile`` only, and authenticates from DATABRICKS_TOKEN / ``pulumi config``.

With ``DatabricksConfig(orchestrate="job")`` on every executor of a pipeline, the pipeline
compiles to ONE ``databricks.Job`` instead of a cloud driver, on job clusters instead of the
all-purpose cluster (:mod:`glacier_databricks.job`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from glacier.plugin import Call, EngineEmitter, Expr
from glacier_databricks.config import DatabricksConfig
from glacier_databricks.job import emit_job

if TYPE_CHECKING:
    from glacier.plugin import (
        ArtifactHandle,
        BucketHandle,
        IdentityHandle,
        IRCompute,
        IRJob,
        ProgramWriter,
    )

IMPORT = "import pulumi_databricks as databricks"
REQUIREMENT = "pulumi-databricks>=1.100,<2"
#: Minutes of inactivity after which the cluster terminates (it restarts on the next job).
AUTOTERMINATION_MINUTES = 30


class DatabricksEmitter(EngineEmitter):
    """Databricks executors: on AWS clusters assume the role through an EC2 instance profile."""

    trusted_services: ClassVar[dict[str, str]] = {"aws": "ec2.amazonaws.com"}

    def executor_resource(
        self,
        executor: IRCompute,
        handle: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> str | None:
        """Provider, identity binding for the executor's cloud, and the cluster (its variable
        is returned; None with ``existing_cluster_id``)."""
        identity = handle.var
        cfg = executor.config
        assert isinstance(cfg, DatabricksConfig)
        out.add_import(IMPORT)
        if REQUIREMENT not in self.ir.program_requirements:
            self.ir.program_requirements.append(REQUIREMENT)
        provider = self.workspace_provider(cfg, out)
        if executor.provider.cloud == "azure":
            self._azure_access_connector(executor, identity, provider, out)
        attributes, deps = self.node_attributes(executor, identity, provider, "Cluster", out)
        if cfg.existing_cluster_id or cfg.orchestrate == "job":
            return None  # job mode: the Job starts a job cluster per run (job_resource)
        return self._cluster(executor, cfg, attributes, provider, deps, out)

    def node_attributes(
        self, executor: IRCompute, identity: str, provider: str, kind: str, out: ProgramWriter
    ) -> tuple[dict[str, Any], list[str]]:
        """How the executor's nodes take its identity, as arguments of a ``kind``
        (``Cluster`` or ``JobJobClusterNewCluster``), and the resources they need first."""
        cloud = executor.provider.cloud
        if cloud == "aws":
            profile = self._aws_instance_profile(executor, identity, provider, out)
            attributes = Call(
                f"databricks.{kind}AwsAttributesArgs",
                {"instance_profile_arn": Expr(f"{profile}.instance_profile_arn")},
            )
            return {"aws_attributes": attributes}, [profile]
        if cloud == "gcp":
            attributes = Call(
                f"databricks.{kind}GcpAttributesArgs",
                {"google_service_account": Expr(f"{identity}.email")},
            )
            return {"gcp_attributes": attributes}, []
        return {}, []  # Azure: the access connector / storage credential

    # -- the pipeline as one Databricks Job ---------------------------------------------
    def orchestrates(self, executor: IRCompute) -> bool:
        """``DatabricksConfig(orchestrate="job")``: the pipeline compiles to one Job."""
        cfg = executor.config
        return isinstance(cfg, DatabricksConfig) and cfg.orchestrate == "job"

    def job_resource(self, job: IRJob, artifact: ArtifactHandle, out: ProgramWriter) -> str:
        """The pipeline as one ``databricks.Job`` (:func:`glacier_databricks.job.emit_job`)."""
        return emit_job(self, job, artifact, out)

    # -- pieces --------------------------------------------------------------------------
    def workspace_provider(self, cfg: DatabricksConfig, out: ProgramWriter) -> str:
        """One explicit ``databricks.Provider`` per (host, profile); never a token."""

        def emit() -> str:
            return out.resource(
                "databricks.Provider",
                "databricks",
                {"host": cfg.host, "profile": cfg.profile},
                comment=(
                    "Databricks workspace (token from DATABRICKS_TOKEN or `pulumi config set "
                    "--secret databricks:token`, never from the program)"
                ),
                var_hint="databricks_workspace",
            )

        return out.handles.once(("databricks-provider", cfg.host, cfg.profile), emit)

    def _aws_instance_profile(
        self, executor: IRCompute, role: str, provider: str, out: ProgramWriter
    ) -> str:
        return out.handles.once(
            ("databricks-instance-profile", executor.name),
            lambda: self._emit_instance_profile(executor, role, provider, out),
        )

    def _emit_instance_profile(
        self, executor: IRCompute, role: str, provider: str, out: ProgramWriter
    ) -> str:
        profile = out.resource(
            "aws.iam.InstanceProfile",
            f"{executor.name}-profile",
            {"role": Expr(f"{role}.name"), "tags": executor.tags or None},
            comment=f"Instance profile of {executor.name!r}'s role (Databricks cluster nodes)",
            provider=executor.provider,
            var_hint=f"{executor.name}_instance_profile",
        )
        return out.resource(
            "databricks.InstanceProfile",
            f"{executor.name}-profile",
            {
                "instance_profile_arn": Expr(f"{profile}.arn"),
                "iam_role_arn": Expr(f"{role}.arn"),
            },
            comment="Registered in the workspace so clusters can use it",
            extra_opts={"provider": Expr(provider)},
            var_hint=f"{executor.name}_databricks_profile",
        )

    def _azure_access_connector(
        self, executor: IRCompute, identity: str, provider: str, out: ProgramWriter
    ) -> str:
        connector = out.resource(
            "azure_native.databricks.AccessConnector",
            f"{executor.name}-connector",
            {
                **self.host.placement(executor.provider, out),
                "identity": Call(
                    "azure_native.databricks.ManagedServiceIdentityArgs",
                    {
                        "type": "UserAssigned",
                        "user_assigned_identities": [Expr(f"{identity}.id")],
                    },
                ),
                "tags": executor.tags or None,
            },
            comment=f"Access connector: Databricks uses {executor.name!r}'s identity",
            provider=executor.provider,
            var_hint=f"{executor.name}_connector",
        )
        return out.resource(
            "databricks.StorageCredential",
            f"{executor.name}-credential",
            {
                "name": f"glacier-{executor.name}",
                "azure_managed_identity": Call(
                    "databricks.StorageCredentialAzureManagedIdentityArgs",
                    {
                        "access_connector_id": Expr(f"{connector}.id"),
                        "managed_identity_id": Expr(f"{identity}.id"),
                    },
                ),
                "comment": f"Glacier executor {executor.name}: its own identity",
            },
            comment="Unity Catalog storage credential of the identity",
            extra_opts={"provider": Expr(provider)},
            var_hint=f"{executor.name}_credential",
        )

    def _cluster(
        self,
        executor: IRCompute,
        cfg: DatabricksConfig,
        attributes: dict[str, Any],
        provider: str,
        deps: list[str],
        out: ProgramWriter,
    ) -> str:
        spec = self.nodes(executor, cfg, attributes, "Cluster")
        node_type, autoscale = spec["node_type_id"], spec["autoscale"]
        libraries = [
            Call(
                "databricks.ClusterLibraryArgs",
                {"pypi": Call("databricks.ClusterLibraryPypiArgs", {"package": lib})},
            )
            for lib in cfg.libraries
        ]
        workers = (
            f"{cfg.autoscale_min_workers}-{cfg.autoscale_max_workers}"
            if autoscale
            else str(cfg.num_workers)
        )
        var = out.resource(
            "databricks.Cluster",
            executor.name,
            {
                "cluster_name": f"glacier-{executor.name}",
                "spark_version": spec["spark_version"],
                "node_type_id": node_type,
                "num_workers": spec["num_workers"],
                "autoscale": autoscale,
                "autotermination_minutes": AUTOTERMINATION_MINUTES,
                "policy_id": spec["policy_id"],
                "spark_conf": spec["spark_conf"],
                "libraries": libraries or None,
                "custom_tags": spec["custom_tags"],
                **attributes,
            },
            comment=[
                f"Glacier executor {executor.name!r}: Databricks cluster, {workers} x {node_type}",
                f"Spark {cfg.spark_version}, terminates after {AUTOTERMINATION_MINUTES} idle "
                "minutes; set DatabricksConfig(existing_cluster_id=...) to the exported id",
            ],
            depends_on=deps,
            extra_opts={"provider": Expr(provider)},
            var_hint=f"{executor.name}_cluster",
        )
        out.export(f"executor {executor.name} databricks cluster", Expr(f"{var}.cluster_id"))
        return var

    def nodes(
        self, executor: IRCompute, cfg: DatabricksConfig, attributes: dict[str, Any], kind: str
    ) -> dict[str, Any]:
        """The compute of an all-purpose cluster or a job cluster (``kind``): Spark version,
        node type, workers or autoscale, policy, Spark conf, tags, identity attributes."""
        autoscale = None
        if cfg.autoscale_min_workers is not None and cfg.autoscale_max_workers is not None:
            autoscale = Call(
                f"databricks.{kind}AutoscaleArgs",
                {
                    "min_workers": cfg.autoscale_min_workers,
                    "max_workers": cfg.autoscale_max_workers,
                },
            )
        return {
            "spark_version": cfg.spark_version,
            "node_type_id": cfg.node_type_for(executor.provider.config),
            "num_workers": None if autoscale else cfg.num_workers,
            "autoscale": autoscale,
            "policy_id": cfg.policy_id,
            "spark_conf": dict(cfg.spark_conf) or None,
            "custom_tags": executor.tags or None,
            **attributes,
        }
