"""``GcpEmitter``: renders GCP providers, GCS buckets and service accounts (pulumi-gcp 10)."""

from __future__ import annotations

from typing import Any, ClassVar

from glacier.compiler.emitter import PulumiEmitter
from glacier.compiler.errors import CompilerError
from glacier.compiler.ir import IRBucket, IRCompute, IRProvider
from glacier.compiler.program import HookTarget, ProgramWriter
from glacier.compiler.pyrender import Call, Expr
from glacier_gcp.pulumi import compute as gcp_compute
from glacier_gcp.pulumi import storage
from glacier_gcp.pulumi.labels import account_id

READ_ROLE = "roles/storage.objectViewer"
WRITE_PERMISSIONS = ["storage.objects.create", "storage.objects.delete"]


def cel_string(text: str) -> str:
    """``text`` as a double-quoted CEL string literal: backslash and quote escaped, control
    characters as ``\\xHH``; other characters literal (CEL strings are Unicode). Lone
    surrogates cannot be expressed and are refused."""
    out = []
    for ch in text:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise CompilerError(
                f"Bucket path {text[:80]!r} contains a lone surrogate, which an IAM condition "
                "cannot express; rename the path."
            )
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


class GcpEmitter(PulumiEmitter):
    """GCP: explicit ``gcp.Provider`` per project/region, GCS buckets, service accounts."""

    cloud: ClassVar[str] = "gcp"
    label: ClassVar[str] = "GCP"
    imports: ClassVar[tuple[str, ...]] = ("import pulumi_gcp as gcp",)
    requirements: ClassVar[tuple[str, ...]] = ("pulumi-gcp>=10.0,<11",)

    @classmethod
    def provider_key(cls, config: object) -> str:
        return f"gcp-{getattr(config, 'project', '')}-{getattr(config, 'region', '')}"

    def emit_provider(self, provider: IRProvider, out: ProgramWriter) -> None:
        config = provider.config
        var = out.resource(
            "gcp.Provider",
            provider.key,
            {"project": config.project, "region": config.region},
            comment=f"Glacier provider {provider.key}: GCP {config.project} {config.region}",
            var_hint=provider.key,
        )
        out.set_ref(provider.key, var)

    def emit_bucket(self, bucket: IRBucket, out: ProgramWriter) -> None:
        storage.emit_bucket(self, bucket, out)

    def writer_role(self, provider: IRProvider, out: ProgramWriter) -> str:
        """Custom role with object create/delete only, once per project."""
        ref = f"writer-role:{provider.key}"
        if not out.has_ref(ref):
            var = out.resource(
                "gcp.projects.IAMCustomRole",
                f"{provider.key}-object-writer",
                {
                    "project": provider.config.project,
                    "role_id": "glacierObjectWriter",
                    "title": "Glacier object writer",
                    "description": "Create and delete objects; no read, no bucket admin",
                    "permissions": list(WRITE_PERMISSIONS),
                },
                comment="Custom role: object create/delete only (built-in roles bundle more)",
                provider=provider,
                var_hint=f"{provider.key}_object_writer",
            )
            out.set_ref(ref, var)
        return out.ref(ref)

    def grant_member(
        self,
        compute: IRCompute,
        sa: str,
        bucket: IRBucket,
        prefix: str,
        mode: str,
        out: ProgramWriter,
        name: str,
    ) -> str:
        """One ``BucketIAMMember``: ``mode`` access of ``sa`` to objects under ``prefix``."""
        bucket_var = out.ref(f"bucket:{bucket.key}")
        role: Any = (
            READ_ROLE if mode == "read" else Expr(f"{self.writer_role(bucket.provider, out)}.name")
        )
        condition = None
        if prefix:
            objects = cel_string(f"projects/_/buckets/{bucket.bucket_name}/objects/{prefix}")
            expression = f"resource.name.startsWith({objects})"
            if mode == "read":
                expression = f'resource.type == "storage.googleapis.com/Bucket" || {expression}'
            condition = Call(
                "gcp.storage.BucketIAMMemberConditionArgs",
                {
                    "title": f"glacier-{mode}-prefix",
                    "description": f"Objects under {prefix}"[:200],
                    "expression": expression,
                },
            )
        return out.resource(
            "gcp.storage.BucketIAMMember",
            name,
            {
                "bucket": Expr(f"{bucket_var}.name"),
                "role": role,
                "member": Expr(f"{sa}.member"),
                "condition": condition,
            },
            comment=f"{mode} {bucket.bucket_name}/{prefix}*",
            provider=compute.provider,
        )

    def emit_function_compute(self, function: IRCompute, identity: str, out: ProgramWriter) -> None:
        gcp_compute.emit_function(self, function, identity, out)

    def emit_executor_compute(self, executor: IRCompute, identity: str, out: ProgramWriter) -> None:
        gcp_compute.emit_executor(self, executor, identity, out)

    def emit_identity(self, compute: IRCompute, out: ProgramWriter) -> str:
        provider = compute.provider
        sa = out.resource(
            "gcp.serviceaccount.Account",
            f"{compute.name}-sa",
            {
                "account_id": account_id(compute.name),
                "display_name": f"Glacier {compute.kind} {compute.name}",
                "project": provider.config.project,
            },
            comment=f"Glacier {compute.kind} {compute.name!r}: its own service account",
            provider=provider,
            var_hint=f"{compute.name}_sa",
            target=HookTarget((compute.name,), provider, compute.tags),
        )
        out.set_ref(f"identity:{compute.name}", sa)
        for grant in compute.grants:
            bucket = self.ir.bucket(grant.bucket)
            self.check_same_cloud(compute, bucket)
            self.grant_member(
                compute,
                sa,
                bucket,
                grant.prefix,
                grant.mode,
                out,
                f"{compute.name}-{grant.mode}-{bucket.bucket_name}",
            )
        out.export(f"{compute.kind} {compute.name} service account", Expr(f"{sa}.email"))
        return sa
