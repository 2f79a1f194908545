"""Run an exported Pulumi program under Pulumi's unit-test mocks and list what it registers:
how ``glacier deploy`` shows its plan without a cloud, credentials or state.

    python -m glacier.deploy.mockrun PROJECT_DIR [STACK]   → JSON on stdout

Runs in its own process (``glacier deploy`` starts it): Pulumi's mocks are process-global,
and the program imports the provider SDKs. Mocks answer with plausible outputs (a ``name``,
an ``arn`` for AWS, ids for a few types whose ids others parse) so dependent inputs resolve;
nothing is created. Needs ``pulumi`` and the program's provider SDKs (its requirements.txt).

:func:`run_program` is the same run in this process, returning every registration (inputs,
provider, dependencies, reads of existing resources) and the resolved outputs: what the
tests assert on (``tests/compiler/mockrun.py`` re-exports it).
"""

from __future__ import annotations

import asyncio
import json
import os
import runpy
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def mock_outputs(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Plausible outputs of a created resource: its inputs plus what dependent inputs read
    (a ``name``; an ``arn`` on AWS; ids and e-mails some types' consumers parse)."""
    outputs = dict(inputs)
    outputs.setdefault("name", name)
    if typ.startswith("aws:"):
        service = typ.split(":")[1].split("/")[0]
        outputs.setdefault("arn", f"arn:aws:{service}:::{name}")
        if typ == "aws:s3/bucket:Bucket":
            outputs.setdefault("bucket", inputs.get("bucket", name))
        if typ == "aws:ecr/repository:Repository":
            outputs.setdefault("repositoryUrl", f"123456789012.dkr.ecr.mock.amazonaws.com/{name}")
            outputs.setdefault("registryId", "123456789012")
    if typ == "docker-build:index:Image":
        tags = inputs.get("tags") or [name]
        outputs.setdefault("ref", f"{tags[0].split(':')[0]}@sha256:{'0' * 64}")
        outputs.setdefault("digest", f"sha256:{'0' * 64}")
    identity = outputs.get("identity")
    if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
        # input is a list of ids, output a map id -> details
        ids = identity["userAssignedIdentities"]
        outputs["identity"] = {**identity, "userAssignedIdentities": {i: {} for i in ids}}
    if typ == "azure-native:keyvault:Vault":
        outputs.setdefault("properties", {})["vaultUri"] = f"https://{name}.vault.azure.net/"
    if typ == "azure-native:managedidentity:UserAssignedIdentity":
        outputs["principalId"] = f"principal-{name}"
        outputs["clientId"] = f"client-{name}"
    if typ == "azure-native:containerregistry:Registry":
        outputs.setdefault("loginServer", f"{inputs.get('registryName', name)}.azurecr.io")
    if typ == "azure-native:web:WebApp":
        outputs.setdefault("defaultHostName", f"{inputs.get('name', name)}.azurewebsites.net")
    if typ == "azure-native:operationalinsights:Workspace":
        outputs.setdefault("customerId", f"customer-{name}")
    if typ == "azure-native:eventgrid:SystemTopic" and isinstance(identity, dict):
        outputs["identity"] = {**identity, "principalId": f"principal-{name}"}
    if typ == "gcp:serviceaccount/account:Account":
        outputs["email"] = f"{inputs.get('accountId')}@project.iam.gserviceaccount.com"
        outputs["member"] = f"serviceAccount:{outputs['email']}"
    if typ == "gcp:cloudfunctionsv2/function:Function":
        # the URL callers use, and the Cloud Run service the driver is granted invoke on
        function = inputs.get("name", name)
        outputs.setdefault("url", f"https://{function}-mock.a.run.app")
        config = dict(outputs.get("serviceConfig") or {})
        config.setdefault("service", f"projects/p/locations/l/services/{function}")
        outputs["serviceConfig"] = config
    if typ == "gcp:kms/keyRing:KeyRing":
        outputs["id"] = f"projects/p/locations/l/keyRings/{name}"
    if typ == "gcp:kms/cryptoKey:CryptoKey":
        outputs["id"] = f"projects/p/locations/l/keyRings/r/cryptoKeys/{name}"
    if typ == "databricks:index/cluster:Cluster":
        outputs.setdefault("clusterId", f"{name}-cluster-id")
    if typ == "databricks:index/job:Job":
        outputs.setdefault("url", f"https://workspace.mock/jobs/{name}-id")
    if typ == "gcp:projects/iAMCustomRole:IAMCustomRole":
        outputs["name"] = f"projects/p/roles/{inputs.get('roleId')}"
    return outputs


#: Answers of invokes (``aws.get_caller_identity()``, ...), by token.
MOCK_CALLS: dict[str, dict[str, Any]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": {
        "accountId": "123456789012",
        "arn": "arn:aws:iam::123456789012:user/glacier-test",
        "userId": "AIDAGLACIERTEST",
        "id": "123456789012",
    },
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
        "authorizationToken": "bW9jazptb2Nr",
        "userName": "AWS",
        "password": "mock-password",
        "proxyEndpoint": "https://123456789012.dkr.ecr.mock.amazonaws.com",
        "id": "mock",
        "expiresAt": "2099-01-01T00:00:00Z",
    },
    "aws:ec2/getVpc:getVpc": {"id": "vpc-mock", "arn": "arn:aws:ec2:::vpc/vpc-mock"},
    "aws:ec2/getSubnets:getSubnets": {"ids": ["subnet-mock-a", "subnet-mock-b"], "id": "mock"},
    "azure-native:authorization:getClientConfig": {
        "tenantId": "tenant-0",
        "subscriptionId": "sub-0",
        "objectId": "obj-0",
        "clientId": "client-0",
    },
    "azure-native:containerregistry:listRegistryCredentials": {
        "username": "mock-registry",
        "passwords": [{"name": "password", "value": "mock-password"}],
    },
    "azure-native:operationalinsights:getSharedKeys": {"primarySharedKey": "mock-log-key"},
    "azure-native:web:listWebAppHostKeys": {
        "masterKey": "mock-master-key",
        "functionKeys": {"default": "mock-function-key"},
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


@dataclass
class Registered:
    """One resource the program registered (or read, for ``Type.get``)."""

    type: str
    name: str
    inputs: dict[str, Any]
    urn: str = ""
    provider: str = ""
    dependencies: list[str] = field(default_factory=list)
    #: The id of an existing resource the program read (``Type.get``); "" when created.
    read_id: str = ""
    #: Resource options the program set (``retain_on_delete``, ...), as far as sent.
    retain_on_delete: bool = False

    @property
    def provider_name(self) -> str:
        """Logical name of the explicit provider (``aws-us-east-1``), from its reference."""
        urn = self.provider.split("::")
        return urn[-2] if len(urn) >= 2 else ""


def _mocks_and_monitor() -> tuple[Any, Any]:
    import pulumi
    from pulumi.runtime import mocks as pulumi_mocks

    class RecordingMocks(pulumi.runtime.Mocks):
        """Returns plausible outputs and records every resource and invoke."""

        def __init__(self) -> None:
            self.resources: list[Registered] = []
            self.calls: list[tuple[str, dict[str, Any]]] = []

        def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", mock_outputs(args.typ, args.name, dict(args.inputs))

        def call(self, args: Any) -> Any:
            self.calls.append((args.token, dict(args.args)))
            return MOCK_CALLS.get(args.token, {})

    class RecordingMonitor(pulumi_mocks.MockMonitor):
        """Also records each registration's provider reference, dependencies, options."""

        def __init__(self, mocks: RecordingMocks) -> None:
            super().__init__(mocks)
            self.recording = mocks

        def ReadResource(self, request: Any) -> Any:
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
                inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
                self.recording.resources.append(
                    Registered(
                        type=request.type,
                        name=request.name,
                        inputs=inputs,
                        urn=response.urn,
                        provider=request.provider,
                        dependencies=sorted(request.dependencies),
                        retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
                    )
                )
            return response

    mocks = RecordingMocks()
    return mocks, RecordingMonitor(mocks)


@dataclass
class Graph:
    """The registered resources, invokes and resolved stack outputs of one program run."""

    resources: list[Registered]
    calls: list[tuple[str, dict[str, Any]]]
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Registered]:
        """Every resource of a Pulumi type token (``aws:s3/bucket:Bucket``)."""
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> Registered:
        """The one resource of ``type_`` (and logical ``name``); AssertionError otherwise."""
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise AssertionError(
                f"expected one {type_} {name or ''}, got {[r.name for r in found]}"
            )
        return found[0]

    def by_urn(self, urn: str) -> Registered:
        return next(r for r in self.resources if r.urn == urn)

    def depends_on(self, res: Registered, other: Registered) -> bool:
        """Whether ``res`` was registered with an explicit dependency on ``other``."""
        return other.urn in res.dependencies

    def types(self) -> set[str]:
        return {r.type for r in self.resources}


@contextmanager
def own_event_loop() -> Iterator[None]:
    """A fresh event loop for this thread while a program runs under mocks, then the
    previous one again. Pulumi pumps "the" loop of the thread; another library (an async
    storage client, a file watcher) may have left one here that runs in another thread, and
    Pulumi then fails with "no running event loop" or futures "attached to a different
    loop". Set before Pulumi's settings create their futures."""
    try:
        previous: asyncio.AbstractEventLoop | None = (
            asyncio.get_event_loop_policy().get_event_loop()
        )
    except RuntimeError:
        previous = None
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(previous)
        loop.close()


def run_program(
    directory: str | Path,
    extra_path: list[str] | None = None,
    *,
    stack: str = "test",
    project: str = "glacier-test",
) -> Graph:
    """Run ``directory/__main__.py`` under Pulumi's mocks (in this process: mocks are
    process-global); every registered resource, invoke and the resolved stack outputs."""
    with own_event_loop():
        return _run_program(directory, extra_path, stack, project)


def _run_program(
    directory: str | Path, extra_path: list[str] | None, stack: str, project: str
) -> Graph:
    import pulumi

    mocks, monitor = _mocks_and_monitor()
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    project_dir = Path(directory).resolve()
    main = str(project_dir / "__main__.py")
    added = [p for p in [str(project_dir), *(extra_path or [])] if p not in sys.path]
    sys.path[:0] = added
    exports: dict[str, Any] = {}
    resolved: dict[str, Any] = {}
    original_export = pulumi.export

    def record_export(name: str, value: Any) -> None:
        exports[name] = value
        original_export(name, value)

    @pulumi.runtime.test
    def program() -> Any:
        runpy.run_path(main, run_name="__main__")
        names = sorted(exports)
        return pulumi.Output.all(*[exports[n] for n in names]).apply(
            lambda values: resolved.update(zip(names, values, strict=True))
        )

    cwd = os.getcwd()
    pulumi.export = record_export
    try:
        os.chdir(project_dir)  # Pulumi runs programs in their project folder
        program()
    finally:
        pulumi.export = original_export
        os.chdir(cwd)
        for p in added:
            if p in sys.path:
                sys.path.remove(p)
    return Graph(mocks.resources, mocks.calls, resolved)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    text = getattr(value, "text", None)  # a pulumi.StringAsset: its content
    if isinstance(text, str):
        return {"asset": type(value).__name__, "text": text}
    path = getattr(value, "path", None)  # a pulumi.FileAsset: its path
    if isinstance(path, str):
        return {"asset": type(value).__name__, "path": path}
    return str(value)


def run(directory: str | Path, stack: str = "plan") -> dict[str, Any]:
    """Run ``directory/__main__.py`` under mocks: ``{"resources": [{type, name, inputs}],
    "outputs": {...}}`` (outputs as far as mocks resolve them), JSON-safe."""
    graph = run_program(directory, stack=stack, project="glacier-plan")
    found = [
        {"type": r.type, "name": r.name, "inputs": _json_safe(r.inputs)}
        for r in graph.resources
        if not r.read_id
    ]
    return {"resources": found, "outputs": _json_safe(graph.outputs)}


def run_isolated(directory: str | Path, stack: str = "test", python: str | None = None) -> Graph:
    """:func:`run_program` in a child process (Pulumi's runtime keeps per-process state that
    other libraries' event loops and threads can disturb): the same :class:`Graph`, with
    values made JSON-safe (unknown Outputs as text)."""
    import subprocess

    proc = subprocess.run(
        [
            python or sys.executable,
            "-W",
            "ignore",
            "-m",
            "glacier.deploy.mockrun",
            "--graph",
            str(directory),
            stack,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the program failed under Pulumi mocks:\n{proc.stderr[-4000:]}")
    data = json.loads(proc.stdout)
    resources = [Registered(**r) for r in data["resources"]]
    calls = [(token, args) for token, args in data["calls"]]
    return Graph(resources, calls, data["outputs"])


def _graph_json(graph: Graph) -> dict[str, Any]:
    return {
        "resources": [
            {
                "type": r.type,
                "name": r.name,
                "inputs": _json_safe(r.inputs),
                "urn": r.urn,
                "provider": r.provider,
                "dependencies": list(r.dependencies),
                "read_id": r.read_id,
                "retain_on_delete": r.retain_on_delete,
            }
            for r in graph.resources
        ],
        "calls": [[token, _json_safe(args)] for token, args in graph.calls],
        "outputs": _json_safe(graph.outputs),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    full = bool(args) and args[0] == "--graph"
    args = args[1:] if full else args
    if not args:
        print(
            "usage: python -m glacier.deploy.mockrun [--graph] PROJECT_DIR [STACK]",
            file=sys.stderr,
        )
        return 2
    stack = args[1] if len(args) > 1 else ("test" if full else "plan")
    result = _graph_json(run_program(args[0], stack=stack)) if full else run(args[0], stack)
    sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
