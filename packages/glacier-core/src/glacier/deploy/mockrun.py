"""Run an exported Pulumi program under Pulumi's unit-test mocks and list what it registers:
how ``glacier deploy`` shows its plan without a cloud, credentials or state.

    python -m glacier.deploy.mockrun PROJECT_DIR [STACK]   → JSON on stdout

Runs in its own process (``glacier deploy`` starts it): Pulumi's mocks are process-global,
and the program imports the provider SDKs. Mocks answer with plausible outputs (a ``name``,
an ``arn`` for AWS, ids for a few types whose ids others parse) so dependent inputs resolve;
nothing is created. Needs ``pulumi`` and the program's provider SDKs (its requirements.txt).
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any


def _outputs(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    outputs = dict(inputs)
    outputs.setdefault("name", name)
    if typ.startswith("aws:"):
        service = typ.split(":")[1].split("/")[0]
        outputs.setdefault("arn", f"arn:aws:{service}:::{name}")
        if typ == "aws:s3/bucket:Bucket":
            outputs.setdefault("bucket", inputs.get("bucket", name))
    identity = outputs.get("identity")
    if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
        ids = identity["userAssignedIdentities"]
        outputs["identity"] = {**identity, "userAssignedIdentities": {i: {} for i in ids}}
    if typ == "azure-native:keyvault:Vault":
        outputs.setdefault("properties", {})["vaultUri"] = f"https://{name}.vault.azure.net/"
    if typ == "azure-native:managedidentity:UserAssignedIdentity":
        outputs["principalId"] = f"principal-{name}"
        outputs["clientId"] = f"client-{name}"
    if typ == "gcp:serviceaccount/account:Account":
        outputs["email"] = f"{inputs.get('accountId')}@project.iam.gserviceaccount.com"
        outputs["member"] = f"serviceAccount:{outputs['email']}"
    if typ == "gcp:kms/keyRing:KeyRing":
        outputs["id"] = f"projects/p/locations/l/keyRings/{name}"
    if typ == "gcp:kms/cryptoKey:CryptoKey":
        outputs["id"] = f"projects/p/locations/l/keyRings/r/cryptoKeys/{name}"
    if typ == "gcp:projects/iAMCustomRole:IAMCustomRole":
        outputs["name"] = f"projects/p/roles/{inputs.get('roleId')}"
    return outputs


_CALLS: dict[str, dict[str, Any]] = {
    "azure-native:authorization:getClientConfig": {
        "tenantId": "tenant-0",
        "subscriptionId": "sub-0",
        "objectId": "obj-0",
        "clientId": "client-0",
    },
    "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": {
        "emailAddress": "service-1@gs-project-accounts.iam.gserviceaccount.com",
        "member": "serviceAccount:service-1@gs-project-accounts.iam.gserviceaccount.com",
    },
    "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount": {
        "email": "project-1@storage-transfer-service.iam.gserviceaccount.com",
        "member": "serviceAccount:project-1@storage-transfer-service.iam.gserviceaccount.com",
    },
}


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def run(directory: str | Path, stack: str = "plan") -> dict[str, Any]:
    """Run ``directory/__main__.py`` under mocks: ``{"resources": [{type, name, inputs}],
    "outputs": {...}}`` (outputs as far as mocks resolve them)."""
    import pulumi
    from pulumi.runtime import mocks as pulumi_mocks

    found: list[dict[str, Any]] = []

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", _outputs(args.typ, args.name, dict(args.inputs))

        def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
            return _CALLS.get(args.token, {})

    class Monitor(pulumi_mocks.MockMonitor):
        def RegisterResource(self, request: Any) -> Any:
            response = super().RegisterResource(request)
            if request.type != "pulumi:pulumi:Stack":
                inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
                found.append(
                    {"type": request.type, "name": request.name, "inputs": _json_safe(inputs)}
                )
            return response

    mocks = Mocks()
    project = Path(directory).resolve()
    pulumi.runtime.set_mocks(
        mocks, project="glacier-plan", stack=stack, preview=False, monitor=Monitor(mocks)
    )
    sys.path.insert(0, str(project))
    exports: dict[str, Any] = {}
    original_export = pulumi.export

    def record_export(name: str, value: Any) -> None:
        exports[name] = value
        original_export(name, value)

    pulumi.export = record_export

    @pulumi.runtime.test
    def program() -> Any:
        runpy.run_path(str(project / "__main__.py"), run_name="__main__")
        names = sorted(exports)
        return pulumi.Output.all(*[exports[n] for n in names]).apply(
            lambda values: resolved.update(zip(names, values, strict=True))
        )

    resolved: dict[str, Any] = {}
    program()
    return {"resources": found, "outputs": _json_safe(resolved)}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m glacier.deploy.mockrun PROJECT_DIR [STACK]", file=sys.stderr)
        return 2
    result = run(args[0], args[1] if len(args) > 1 else "plan")
    sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
