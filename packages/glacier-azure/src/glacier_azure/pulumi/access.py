"""Azure RBAC for functions and executors: a user-assigned identity per compute, role
assignments scoped to each container, prefix-limited by ABAC conditions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glacier.compiler.errors import CompilerError
from glacier.compiler.ir import IRCompute
from glacier.compiler.program import HookTarget, ProgramWriter
from glacier.compiler.pyrender import Call, Expr
from glacier_azure.pulumi.names import (
    BLOB_DATA,
    BLOB_READER_ROLE,
    WRITE_DATA_ACTIONS,
)

if TYPE_CHECKING:
    from glacier_azure.pulumi.emitter import AzureEmitter

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


def emit_identity(emitter: AzureEmitter, compute: IRCompute, out: ProgramWriter) -> str:
    provider = compute.provider
    rg = emitter.resource_group(provider, out)
    identity = out.resource(
        AZ + "managedidentity.UserAssignedIdentity",
        f"{compute.name}-identity",
        {
            "resource_group_name": Expr(f"{rg}.name"),
            "location": provider.config.location,
            "tags": compute.tags or None,
        },
        comment=f"Glacier {compute.kind} {compute.name!r}: its own user-assigned identity",
        provider=provider,
        var_hint=f"{compute.name}_identity",
        target=HookTarget((compute.name,), provider, compute.tags),
    )
    out.set_ref(f"identity:{compute.name}", identity)
    for grant in compute.grants:
        bucket = emitter.ir.bucket(grant.bucket)
        emitter.check_same_cloud(compute, bucket)
        container = out.ref(f"bucket:{bucket.key}")
        role: Any
        if grant.mode == "read":
            role = emitter.role_id(bucket.provider, BLOB_READER_ROLE, out)
            label = "Storage Blob Data Reader"
        else:
            role = Expr(f"{emitter.writer_role(bucket.provider, out)}.id")
            label = "Glacier Blob Writer (write, add, delete only)"
        condition = prefix_condition(grant.prefix, grant.mode)
        out.resource(
            AZ + "authorization.RoleAssignment",
            f"{compute.name}-{grant.mode}-{bucket.bucket_name}",
            {
                "principal_id": Expr(f"{identity}.principal_id"),
                "principal_type": "ServicePrincipal",
                "role_definition_id": role,
                "scope": Expr(f"{container}.id"),
                "condition": condition,
                "condition_version": "2.0" if condition else None,
            },
            comment=f"{grant.mode} {bucket.bucket_name}/{grant.prefix}*: {label}, container scope",
            provider=compute.provider,
        )
    out.export(f"{compute.kind} {compute.name} identity", Expr(f"{identity}.client_id"))
    return identity


def writer_role_args(rg: str) -> dict[str, Any]:
    return {
        "role_name": "Glacier Blob Writer",
        "description": "Write, add and delete blobs; no read, no management actions",
        "scope": Expr(f"{rg}.id"),
        "assignable_scopes": [Expr(f"{rg}.id")],
        "permissions": [
            Call(AZ + "authorization.PermissionArgs", {"data_actions": list(WRITE_DATA_ACTIONS)})
        ],
    }
