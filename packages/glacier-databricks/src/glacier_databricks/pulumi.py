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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from glacier.plugin import Call, EngineEmitter, Expr
from glacier_databricks.config import DatabricksConfig

if TYPE_CHECKING:
    from glacier.plugin import BucketHandle, IdentityHandle, IRCompute, ProgramWriter

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
    ) -> None:
        """Provider, identity binding for the executor's cloud, and the cluster."""
        identity = handle.var
        cfg = executor.config
        assert isinstance(cfg, DatabricksConfig)
        out.add_import(IMPORT)
        if REQUIREMENT not in self.ir.program_requirements:
            self.ir.program_requirements.append(REQUIREMENT)
        provider = self.workspace_provider(cfg, out)
        cloud = executor.provider.cloud
        attributes: dict[str, Any] = {}
        deps: list[str] = []
        if cloud == "aws":
            profile = self._aws_instance_profile(executor, identity, provider, out)
            deps.append(profile)
            attributes["aws_attributes"] = Call(
                "databricks.ClusterAwsAttributesArgs",
                {"instance_profile_arn": Expr(f"{profile}.instance_profile_arn")},
            )
        elif cloud == "azure":
            self._azure_access_connector(executor, identity, provider, out)
        elif cloud == "gcp":
            attributes["gcp_attributes"] = Call(
                "databricks.ClusterGcpAttributesArgs",
                {"google_service_account": Expr(f"{identity}.email")},
            )
        if cfg.existing_cluster_id:
            return
        self._cluster(executor, cfg, attributes, provider, deps, out)

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
        node_type = cfg.node_type_for(executor.provider.config)
        autoscale = None
        if cfg.autoscale_min_workers is not None and cfg.autoscale_max_workers is not None:
            autoscale = Call(
                "databricks.ClusterAutoscaleArgs",
                {
                    "min_workers": cfg.autoscale_min_workers,
                    "max_workers": cfg.autoscale_max_workers,
                },
            )
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
                "spark_version": cfg.spark_version,
                "node_type_id": node_type,
                "num_workers": None if autoscale else cfg.num_workers,
                "autoscale": autoscale,
                "autotermination_minutes": AUTOTERMINATION_MINUTES,
                "policy_id": cfg.policy_id,
                "spark_conf": dict(cfg.spark_conf) or None,
                "libraries": libraries or None,
                "custom_tags": executor.tags or None,
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
