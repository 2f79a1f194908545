"""Least-privilege GCS grants: one ``BucketIAMMember`` per grant, limited to the grant's
prefix by an IAM condition (CEL), reads with ``roles/storage.objectViewer``, writes with a
custom role that can only create and delete objects (emitted once per project)."""

from __future__ import annotations

from typing import Any

from glacier.plugin import (
    BucketGrant,
    Call,
    CompilerError,
    Expr,
    IdentityHandle,
    IRProvider,
    ProgramWriter,
)
from glacier_gcp.pulumi.roles import role_id_expr
from glacier_gcp.pulumi.storage import GS, gcp_config

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


def prefix_condition(bucket_name: str, prefix: str, mode: str) -> Call | None:
    """The IAM condition limiting a grant to objects under ``prefix`` (``None``: the whole
    bucket). Reads also match the bucket itself, so listing works."""
    if not prefix:
        return None
    objects = cel_string(f"projects/_/buckets/{bucket_name}/objects/{prefix}")
    expression = f"resource.name.startsWith({objects})"
    if mode == "read":
        expression = f'resource.type == "storage.googleapis.com/Bucket" || {expression}'
    return Call(
        GS + "BucketIAMMemberConditionArgs",
        {
            "title": f"glacier-{mode}-prefix",
            "description": f"Objects under {prefix}"[:200],
            "expression": expression,
        },
    )


def writer_role(provider: IRProvider, out: ProgramWriter) -> str:
    """Custom role with object create/delete only, emitted once per project (providers of
    one project in two regions share it); its id names the pipeline and stack
    (:mod:`glacier_gcp.pulumi.roles`)."""
    project = gcp_config(provider).project

    def emit() -> str:
        return out.resource(
            "gcp.projects.IAMCustomRole",
            f"{provider.key}-object-writer",
            {
                "project": project,
                "role_id": role_id_expr("glacierObjectWriter", out),
                "title": "Glacier object writer",
                "description": "Create and delete objects; no read, no bucket admin",
                "permissions": list(WRITE_PERMISSIONS),
            },
            comment="Custom role: object create/delete only (built-in roles bundle more)",
            provider=provider,
            var_hint=f"{provider.key}_object_writer",
        )

    return out.handles.once(("gcp-writer-role", project), emit)


def grant_member(
    identity: IdentityHandle, grant: BucketGrant, name: str, out: ProgramWriter
) -> str:
    """One ``BucketIAMMember``: ``grant.mode`` access of the identity to objects under
    ``grant.prefix`` of ``grant.bucket``."""
    bucket = grant.bucket.bucket
    role: Any = (
        READ_ROLE if grant.mode == "read" else Expr(f"{writer_role(bucket.provider, out)}.name")
    )
    return out.resource(
        GS + "BucketIAMMember",
        name,
        {
            "bucket": Expr(f"{grant.bucket.var}.name"),
            "role": role,
            "member": Expr(f"{identity.var}.member"),
            "condition": prefix_condition(bucket.bucket_name, grant.prefix, grant.mode),
        },
        comment=f"{grant.mode} {bucket.bucket_name}/{grant.prefix}*",
        provider=identity.compute.provider,
    )
