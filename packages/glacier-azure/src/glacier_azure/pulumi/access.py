"""Azure RBAC for functions and executors: a user-assigned identity per compute, role
assignments scoped to each container, prefix-limited by ABAC conditions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from glacier.plugin import (
    BucketGrant,
    CompilerError,
    Expr,
    HookTarget,
    IdentityHandle,
    IRCompute,
    IRGraph,
    ProgramWriter,
)
from glacier_azure.pulumi.names import (
    BLOB_DATA,
    BLOB_READER_ROLE,
    WRITE_DATA_ACTIONS,
)
from glacier_azure.pulumi.provider import placement, role_id, writer_role

AZ = "azure_native."


def abac_string(text: str) -> str:
    """``text`` as a single-quoted ABAC string literal. Quotes, backslashes and control
    characters cannot be expressed there and are refused (never passed through); everything
    else, ``*`` and ``?`` included, is literal in ``StringStartsWith``."""
    bad = [ch for ch in text if ch in "'\\" or not ch.isprintable()]
    if bad:
        raise CompilerError(
            f"Bucket path {text[:80]!r} contains {bad[0]!r}, which an Azure role assignment "
            "condition cannot express; rename the path."
        )
    return f"'{text}'"


def prefix_condition(prefix: str, mode: str) -> str | None:
    """ABAC condition limiting blob data actions to names under ``prefix`` (None = all).
    Only ``StringStartsWith`` on a quoted literal (:func:`abac_string`): no wildcard."""
    if not prefix:
        return None
    literal = abac_string(prefix)
    path = f"@Resource[{BLOB_DATA}:path] StringStartsWith {literal}"
    if mode == "read":
        list_prefix = f"@Request[{BLOB_DATA}:prefix] StringStartsWith {literal}"
        read = f"ActionMatches{{'{BLOB_DATA}/read'}}"
        return (
            f"((!({read} AND NOT SubOperationMatches{{'Blob.List'}})) OR ({path})) AND "
            f"((!({read} AND SubOperationMatches{{'Blob.List'}})) OR ({list_prefix}))"
        )
    actions = " OR ".join(f"ActionMatches{{'{a}'}}" for a in WRITE_DATA_ACTIONS)
    return f"(!({actions})) OR ({path})"


def emit_identity(ir: IRGraph, compute: IRCompute, out: ProgramWriter) -> IdentityHandle:
    """The compute's own user-assigned identity; its client id is a stack output."""
    provider = compute.provider
    identity = out.resource(
        AZ + "managedidentity.UserAssignedIdentity",
        f"{compute.name}-identity",
        {**placement(ir, provider, out), "tags": compute.tags or None},
        comment=f"Glacier {compute.kind} {compute.name!r}: its own user-assigned identity",
        provider=provider,
        var_hint=f"{compute.name}_identity",
        target=HookTarget((compute.name,), provider, compute.tags),
    )
    out.export(f"{compute.kind} {compute.name} identity", Expr(f"{identity}.client_id"))
    return IdentityHandle(identity, compute)


def grant_access(
    ir: IRGraph,
    identity: IdentityHandle,
    grants: Sequence[BucketGrant],
    purpose: str,
    out: ProgramWriter,
) -> list[str]:
    """One role assignment per grant, scoped to the container and limited to the grant's
    prefix: Storage Blob Data Reader to read, Glacier's write-only role to write."""
    compute = identity.compute
    done = []
    for grant in grants:
        bucket = grant.bucket.bucket
        role: Any
        if grant.mode == "read":
            role = role_id(bucket.provider, BLOB_READER_ROLE, out)
            label = "Storage Blob Data Reader"
        else:
            role = Expr(f"{writer_role(ir, bucket.provider, out)}.id")
            label = "Glacier Blob Writer (write, add, delete only)"
        condition = prefix_condition(grant.prefix, grant.mode)
        where = f"{bucket.bucket_name}/{grant.prefix}*"
        if purpose == "staging":
            name = f"{compute.name}-staging-{grant.mode}"
            comment = f"Staging: {grant.mode} {where}"
        else:
            name = f"{compute.name}-{grant.mode}-{bucket.bucket_name}"
            comment = f"{grant.mode} {where}: {label}, container scope"
        done.append(
            out.resource(
                AZ + "authorization.RoleAssignment",
                name,
                {
                    "principal_id": Expr(f"{identity.var}.principal_id"),
                    "principal_type": "ServicePrincipal",
                    "role_definition_id": role,
                    "scope": Expr(f"{grant.bucket.var}.id"),
                    "condition": condition,
                    "condition_version": "2.0" if condition else None,
                },
                comment=comment,
                provider=compute.provider,
            )
        )
    return done
