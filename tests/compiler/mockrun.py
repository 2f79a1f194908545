"""Run an exported Pulumi program under Pulumi's unit-test mocks and record the graph.

No Pulumi CLI or provider plugin is needed: ``pulumi.runtime.set_mocks`` + ``runpy``.
Under mocks wrong types pass silently, so tests assert inputs themselves.
"""

from __future__ import annotations

import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks


@dataclass
class Registered:
    """One resource the program registered."""

    type: str
    name: str
    inputs: dict[str, Any]
    urn: str = ""
    provider: str = ""
    dependencies: list[str] = field(default_factory=list)
    #: The id of an existing resource the program read (``Type.get``); "" when created.
    read_id: str = ""

    @property
    def provider_name(self) -> str:
        """Logical name of the explicit provider (``aws-us-east-1``), from its reference."""
        urn = self.provider.split("::")
        return urn[-2] if len(urn) >= 2 else ""


class RecordingMocks(pulumi.runtime.Mocks):
    """Returns plausible outputs (``name``, ``arn``, ``id``) and records every resource."""

    def __init__(self) -> None:
        self.resources: list[Registered] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        outputs.setdefault("name", args.name)
        if args.typ.startswith("aws:"):
            service = args.typ.split(":")[1].split("/")[0]
            outputs.setdefault("arn", f"arn:aws:{service}:::{args.name}")
            if args.typ == "aws:s3/bucket:Bucket":
                outputs.setdefault("bucket", args.inputs.get("bucket", args.name))
        identity = outputs.get("identity")
        if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
            # input is a list of ids, output a map id -> details
            ids = identity["userAssignedIdentities"]
            outputs["identity"] = {**identity, "userAssignedIdentities": {i: {} for i in ids}}
        if args.typ == "azure-native:keyvault:Vault":
            outputs.setdefault("properties", {})["vaultUri"] = (
                f"https://{args.name}.vault.azure.net/"
            )
        if args.typ == "azure-native:managedidentity:UserAssignedIdentity":
            outputs["principalId"] = f"principal-{args.name}"
            outputs["clientId"] = f"client-{args.name}"
        if args.typ == "gcp:serviceaccount/account:Account":
            outputs["email"] = f"{args.inputs.get('accountId')}@project.iam.gserviceaccount.com"
            outputs["member"] = f"serviceAccount:{outputs['email']}"
        if args.typ == "gcp:kms/keyRing:KeyRing":
            outputs["id"] = f"projects/p/locations/l/keyRings/{args.name}"
        if args.typ == "gcp:kms/cryptoKey:CryptoKey":
            outputs["id"] = f"projects/p/locations/l/keyRings/r/cryptoKeys/{args.name}"
        if args.typ == "gcp:projects/iAMCustomRole:IAMCustomRole":
            outputs["name"] = f"projects/p/roles/{args.inputs.get('roleId')}"
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        self.calls.append((args.token, dict(args.args)))
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": "123456789012",
                "arn": "arn:aws:iam::123456789012:user/glacier-test",
                "userId": "AIDAGLACIERTEST",
                "id": "123456789012",
            }
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "tenantId": "tenant-0",
                "subscriptionId": "sub-0",
                "objectId": "obj-0",
                "clientId": "client-0",
            }
        if args.token == "gcp:storage/getProjectServiceAccount:getProjectServiceAccount":
            return {
                "emailAddress": "service-1@gs-project-accounts.iam.gserviceaccount.com",
                "member": "serviceAccount:service-1@gs-project-accounts.iam.gserviceaccount.com",
            }
        if (
            args.token
            == "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount"
        ):
            return {
                "email": "project-1@storage-transfer-service.iam.gserviceaccount.com",
                "member": "serviceAccount:project-1@storage-transfer-service.iam.gserviceaccount.com",
            }
        return {}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """Also records each registration's provider reference and dependencies."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording = mocks

    def ReadResource(self, request: Any) -> Any:
        """``Type.get(name, id)``: an existing resource, read not created."""
        response = super().ReadResource(request)
        self.recording.resources.append(
            Registered(
                type=request.type,
                name=request.name,
                inputs={},
                urn=response.urn,
                provider=request.provider,
                read_id=request.id,
            )
        )
        return response

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            found = self.recording.resources
            inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
            found.append(
                Registered(
                    type=request.type,
                    name=request.name,
                    inputs=inputs,
                    urn=response.urn,
                    provider=request.provider,
                    dependencies=sorted(request.dependencies),
                )
            )
        return response


@dataclass
class Graph:
    """The registered resources of one program run."""

    resources: list[Registered]
    calls: list[tuple[str, dict[str, Any]]]

    def of_type(self, type_: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> Registered:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {type_} {name or ''}, got {[r.name for r in found]}"
        return found[0]

    def by_urn(self, urn: str) -> Registered:
        return next(r for r in self.resources if r.urn == urn)

    def depends_on(self, res: Registered, other: Registered) -> bool:
        return other.urn in res.dependencies

    def types(self) -> set[str]:
        return {r.type for r in self.resources}


def run_program(directory: str | Path, extra_path: list[str] | None = None) -> Graph:
    """Run ``directory/__main__.py`` under mocks; return every registered resource."""
    mocks = RecordingMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project="glacier-test", stack="test", preview=False, monitor=monitor
    )
    main = str(Path(directory) / "__main__.py")
    added = [p for p in extra_path or [] if p not in sys.path]
    sys.path[:0] = added

    @pulumi.runtime.test
    def run() -> None:
        runpy.run_path(main, run_name="__main__")

    try:
        run()
    finally:
        for p in added:
            sys.path.remove(p)
    return Graph(mocks.resources, mocks.calls)
