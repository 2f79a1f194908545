"""``AwsEmitter``: renders AWS providers, S3 buckets and IAM identities (pulumi-aws 7)."""

from __future__ import annotations

from typing import Any, ClassVar

from glacier.compiler.emitter import PulumiEmitter
from glacier.compiler.ir import IRBucket, IRCompute, IRProvider
from glacier.compiler.program import HookTarget, ProgramWriter
from glacier.compiler.pyrender import Call, Expr
from glacier_aws.config import AwsConfig
from glacier_aws.pulumi import compute as aws_compute
from glacier_aws.pulumi import policy, storage

#: Services that assume an executor's role, by engine (other engines ask their own emitter).
ENGINE_SERVICES = {"glue": "glue.amazonaws.com"}


class AwsEmitter(PulumiEmitter):
    """AWS: explicit ``aws.Provider`` per account/region, S3 buckets, IAM roles."""

    cloud: ClassVar[str] = "aws"
    label: ClassVar[str] = "AWS"
    imports: ClassVar[tuple[str, ...]] = ("import pulumi_aws as aws",)
    requirements: ClassVar[tuple[str, ...]] = ("pulumi-aws>=7.0,<8",)

    def emit_provider(self, provider: IRProvider, out: ProgramWriter) -> None:
        self._provider(provider.key, provider.config, out, f"Glacier provider {provider.key}")

    def _provider(self, key: str, config: AwsConfig, out: ProgramWriter, comment: str) -> str:
        args: dict[str, Any] = {
            "region": config.region,
            "allowed_account_ids": [config.account_id] if config.account_id else None,
            "assume_roles": [Call("aws.ProviderAssumeRoleArgs", {"role_arn": config.role_arn})]
            if config.role_arn
            else None,
        }
        if config.endpoint_url:
            args["endpoints"] = [Call("aws.ProviderEndpointArgs", {"s3": config.endpoint_url})]
            args["s3_use_path_style"] = True
        var = out.resource(
            "aws.Provider", key, args, comment=f"{comment}: AWS {config.region}", var_hint=key
        )
        out.set_ref(key, var)
        return var

    def provider_for(self, config: AwsConfig, out: ProgramWriter) -> IRProvider:
        """The provider instance for ``config``: an existing one, or a new one."""
        for provider in self.ir.providers:
            if provider.config == config:
                return provider
        provider = IRProvider(self.provider_key(config), config)
        if not out.has_ref(provider.key):
            self._provider(provider.key, config, out, "Provider for replication")
        return provider

    def emit_bucket(self, bucket: IRBucket, out: ProgramWriter) -> None:
        storage.emit_bucket(self, bucket, out)

    def emit_identity(self, compute: IRCompute, out: ProgramWriter) -> str:
        service = self._trusted_service(compute)
        role = out.resource(
            "aws.iam.Role",
            f"{compute.name}-role",
            {
                "description": f"Glacier {compute.kind} {compute.name}",
                "assume_role_policy": policy.assume_role(service),
                "tags": compute.tags or None,
            },
            comment=f"Glacier {compute.kind} {compute.name!r}: its own role, assumed by {service}",
            provider=compute.provider,
            var_hint=f"{compute.name}_role",
            target=HookTarget((compute.name,), compute.provider, compute.tags),
        )
        out.set_ref(f"identity:{compute.name}", role)
        statements: list[dict[str, Any]] = []
        for n, grant in enumerate(compute.grants, start=1):
            bucket = self.ir.bucket(grant.bucket)
            self.check_same_cloud(compute, bucket)
            bucket_var = out.ref(f"bucket:{bucket.key}")
            sid = f"{grant.mode.title()}{n}"
            statements += policy.bucket_grant(bucket_var, grant.prefix, grant.mode, sid)
            if out.has_ref(f"kms:{bucket.key}"):
                key: Any = Expr(out.ref(f"kms:{bucket.key}") + ".arn")
                statements.append(policy.kms_grant(key, grant.mode, f"{sid}Key"))
        if statements:
            out.resource(
                "aws.iam.RolePolicy",
                f"{compute.name}-access",
                {"role": Expr(f"{role}.id"), "policy": policy.document(statements)},
                comment=[
                    f"Least-privilege access of {compute.name!r} derived from the DAG:",
                    *(
                        f"  {g.mode} {self.ir.bucket(g.bucket).bucket_name}/{g.prefix}*"
                        for g in compute.grants
                    ),
                ],
                provider=compute.provider,
            )
        out.export(f"{compute.kind} {compute.name} role", Expr(f"{role}.arn"))
        return role

    def emit_function_compute(self, function: IRCompute, identity: str, out: ProgramWriter) -> None:
        aws_compute.emit_function(self, function, identity, out)

    def emit_executor_compute(self, executor: IRCompute, identity: str, out: ProgramWriter) -> None:
        aws_compute.emit_executor(self, executor, identity, out)

    def _trusted_service(self, compute: IRCompute) -> str:
        if compute.kind == "function":
            return "lambda.amazonaws.com"
        engine = getattr(type(compute.config), "engine", "")
        if engine in ENGINE_SERVICES:
            return ENGINE_SERVICES[engine]
        emitter = self.engine_for(compute)
        service = emitter.trusted_service(self.cloud) if emitter else None
        if service is None:
            raise self.unsupported(
                f"An identity for the {engine or 'local'} executor {compute.name!r}",
                "run the task on a Glue or Databricks executor, or create the role with a "
                "PulumiCustomization hook",
            )
        return service
