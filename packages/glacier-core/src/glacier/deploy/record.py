"""The deployment record: what a deployment created, for the runtime to find it again.

A record is a versioned JSON document (:class:`DeploymentRecord`). ``glacier deploy`` builds it
from the stack's outputs (:func:`record_from_stack_outputs`) and saves it next to the pipeline
as ``.glacier/deployments/<stack>.json``; the cloud driver gets it in its environment. The
runtime reads it from, in this order:

1. ``GLACIER_DEPLOYMENT``: inline JSON (starts with ``{``), a URI any installed fsspec
   filesystem opens (``s3://…``, ``gs://…``, ``abfss://…``, ``file://…``), or a file path;
2. ``GLACIER_STACK=<stack>``: ``.glacier/deployments/<stack>.json`` in the working directory
   or the nearest parent that has one, else in the pipeline's folder (on ``sys.path`` when it
   runs with ``glacier run FILE``).

With neither set there is no record and adapters use their configs alone (the development
loop). Adapters ask :func:`deployed` for their resource's entry and take its runtime names
before falling back to config fields, so a config that compiled an engine also finds it.

The compiled Pulumi program exports the record as ONE stack output, :data:`STACK_OUTPUT`,
whose value is the record's dict (Pulumi Outputs inside are resolved by Pulumi); see
docs/deploy.md for the exact shape.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, ValidationError, field_validator

from glacier.errors import DeploymentRecordError
from glacier.models import GlacierModel

if TYPE_CHECKING:
    from glacier.resources.base import Resource

#: Environment variable holding the record (inline JSON, a URI or a path).
RECORD_ENV = "GLACIER_DEPLOYMENT"
#: Environment variable naming a stack whose saved record applies.
STACK_ENV = "GLACIER_STACK"
#: Folder (next to the pipeline) where ``glacier deploy`` saves records.
RECORD_DIR = ".glacier/deployments"
#: The one stack output the compiled program exports: the record as a dict.
STACK_OUTPUT = "glacier_deployment"
#: The record format this version writes and reads.
RECORD_VERSION = 1

ResourceKind = Literal["bucket", "function", "executor", "driver"]
#: ``Resource.kind`` → the record's kind.
_KINDS: dict[str, ResourceKind] = {
    "bucket": "bucket",
    "serverless": "function",
    "function": "function",
    "executor": "executor",
    "driver": "driver",
}
_STACK = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ArtifactRecord(GlacierModel):
    """The code artifact every engine and the driver install (see
    :mod:`glacier.deploy.artifact`)."""

    uri: str = Field(description="Where engines fetch the wheel: s3://, gs://, abfss://, file://.")
    sha256: str = Field(description="Hex SHA-256 of the wheel's bytes.")
    filename: str | None = Field(default=None, description="The wheel's file name.")
    entry: str | None = Field(
        default=None, description="The pipeline the artifact runs: 'module:pipeline'."
    )

    @field_validator("sha256")
    @classmethod
    def _sha(cls, value: str) -> str:
        if not _SHA256.match(value):
            raise ValueError("sha256 must be 64 lowercase hex digits")
        return value


class ProviderRecord(GlacierModel):
    """Where one provider of the pipeline deployed."""

    cloud: str = Field(description="aws, azure, gcp, ...")
    region: str | None = None
    account: str | None = Field(
        default=None, description="AWS account id, Azure subscription id or GCP project id."
    )


class ResourceRecord(GlacierModel):
    """What the cloud created (or references) for one Glacier resource.

    Fields are the runtime names adapters need; which ones are set depends on the kind:

    - executor: ``name`` (Glue job, Dataproc cluster, Synapse pool, EMR cluster id or
      Databricks job name), ``id`` (Databricks cluster id), ``url`` (workspace / endpoint),
      ``identity`` (role / service account / managed identity), ``staging_bucket``.
    - function: ``name`` (the deployed function's name), ``url`` (its HTTPS trigger),
      ``id`` (ARN / resource id), ``identity``.
    - bucket: ``name`` (the cloud bucket or container), ``existing``.
    - driver: ``name`` (ECS task definition / Cloud Run job / Container Apps job), ``identity``.
    """

    kind: ResourceKind
    name: str | None = None
    id: str | None = None
    url: str | None = None
    identity: str | None = None
    staging_bucket: str | None = Field(
        default=None, description="Bucket (in the resource's provider) where jobs are staged."
    )
    region: str | None = None
    existing: bool = Field(default=False, description="Referenced, not created by the stack.")
    properties: dict[str, str] = Field(
        default_factory=dict, description="Engine-specific extras (string values)."
    )


class DeploymentRecord(GlacierModel):
    """Everything a deployment of one pipeline to one stack created, by Glacier name."""

    version: Literal[1] = 1
    pipeline: str
    stack: str
    project: str | None = None
    providers: dict[str, ProviderRecord] = Field(default_factory=dict)
    artifact: ArtifactRecord | None = None
    runs_uri: str | None = Field(
        default=None, description="Where run records go (a bucket prefix URI)."
    )
    resources: dict[str, ResourceRecord] = Field(default_factory=dict)

    @field_validator("stack")
    @classmethod
    def _stack(cls, value: str) -> str:
        check_stack_name(value)
        return value

    def resource(self, name: str, kind: str) -> ResourceRecord | None:
        """The entry of Glacier resource ``name``; None when the record has none.

        Raises :class:`DeploymentRecordError` when the entry is of another kind (the record
        belongs to another pipeline, or the pipeline renamed a resource)."""
        found = self.resources.get(name)
        if found is None:
            return None
        wanted = _KINDS.get(kind, kind)
        if found.kind != wanted:
            raise DeploymentRecordError(
                f"Deployment record of pipeline {self.pipeline!r} (stack {self.stack!r}) lists "
                f"{name!r} as {_a(found.kind)}, but the running pipeline uses it as {_a(wanted)}. "
                f"Deploy this pipeline again (glacier deploy FILE --stack {self.stack}) or unset "
                f"{RECORD_ENV}/{STACK_ENV}."
            )
        return found

    def to_json(self) -> str:
        """Stable JSON (sorted keys, indented): what ``glacier deploy`` saves."""
        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def check_stack_name(stack: str) -> str:
    """``stack`` if it is a Pulumi stack name (``prod``, ``org/project/prod``); else raise."""
    if not _STACK.match(stack):
        raise DeploymentRecordError(
            f"Stack name {stack!r} is invalid: use letters, digits, '-', '_' and '.', "
            "optionally qualified as org/project/stack."
        )
    return stack


# -- stack outputs -------------------------------------------------------------------------
def record_from_stack_outputs(
    outputs: Mapping[str, Any], *, stack: str | None = None
) -> DeploymentRecord:
    """The record a compiled program exported as :data:`STACK_OUTPUT`.

    ``outputs`` is what ``pulumi.automation.Stack.outputs()`` returns (values are
    ``OutputValue`` objects with ``.value``) or a plain ``{name: value}`` mapping (``pulumi
    stack output --json``). The value is the record's dict, or its JSON text. ``stack`` fills
    the record's stack when the program did not set it.
    """
    if STACK_OUTPUT not in outputs:
        raise DeploymentRecordError(
            f"The stack exported no {STACK_OUTPUT!r} output (outputs: "
            f"{', '.join(sorted(outputs)) or 'none'}). Recompile the pipeline with this Glacier "
            "version (glacier compile) and deploy again."
        )
    value = outputs[STACK_OUTPUT]
    value = getattr(value, "value", value)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise DeploymentRecordError(
                f"Stack output {STACK_OUTPUT!r} is not JSON: {exc}"
            ) from None
    if not isinstance(value, Mapping):
        raise DeploymentRecordError(
            f"Stack output {STACK_OUTPUT!r} must be the record's dict; got {type(value).__name__}."
        )
    data = dict(value)
    if stack is not None:
        data.setdefault("stack", stack)
    return parse_record(data, f"stack output {STACK_OUTPUT!r}")


# -- reading and saving --------------------------------------------------------------------
def parse_record(data: Any, source: str) -> DeploymentRecord:
    """Validate ``data`` (a dict or JSON text) as a record; errors name ``source``."""
    try:
        if isinstance(data, str | bytes):
            return DeploymentRecord.model_validate_json(data)
        return DeploymentRecord.model_validate(data)
    except ValidationError as exc:
        version = _version_of(data)
        if version is not None and version != RECORD_VERSION:
            raise DeploymentRecordError(
                f"Deployment record from {source} has version {version!r}; this Glacier reads "
                f"version {RECORD_VERSION}. Deploy again with this Glacier version."
            ) from None
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise DeploymentRecordError(
            f"Deployment record from {source} is invalid: {problems}"
        ) from None


def _version_of(data: Any) -> Any:
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    return data.get("version") if isinstance(data, Mapping) else None


def load_record(source: str) -> DeploymentRecord:
    """Read a record from inline JSON, a URI (fsspec) or a file path."""
    text = source.strip()
    if text.startswith("{"):
        return parse_record(text, f"{RECORD_ENV} (inline JSON)")
    return parse_record(_read(text), text)


def _read(location: str) -> str:
    from glacier.jobs.entrypoint import local_path

    path = local_path(location)
    try:
        if path is not None:
            return Path(path).read_text(encoding="utf-8")
        import fsspec

        with fsspec.open(location, "rt", encoding="utf-8") as fh:
            return str(fh.read())
    except FileNotFoundError:
        raise DeploymentRecordError(
            f"No deployment record at {location}: deploy first (glacier deploy FILE --stack "
            f"NAME) or point {RECORD_ENV} at the saved record."
        ) from None
    except (OSError, ImportError, ValueError) as exc:
        raise DeploymentRecordError(
            f"Cannot read the deployment record at {location}: {type(exc).__name__}: {exc}"
        ) from exc


def record_path(stack: str, root: str | Path) -> Path:
    """``root/.glacier/deployments/<stack>.json`` (``/`` in qualified names becomes ``--``)."""
    check_stack_name(stack)
    return Path(root) / RECORD_DIR / f"{stack.replace('/', '--')}.json"


def save_record(record: DeploymentRecord, root: str | Path) -> Path:
    """Write the record atomically to :func:`record_path`; returns the path."""
    target = record_path(record.stack, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(record.to_json(), encoding="utf-8")
    os.replace(tmp, target)
    return target


def find_saved_record(stack: str, start: str | Path | None = None) -> Path | None:
    """The saved record of ``stack`` in ``start`` (default: the working directory) or the
    nearest parent folder holding one, else in a folder on ``sys.path`` (``glacier run FILE``
    and ``python FILE`` put the pipeline's folder there, where ``glacier deploy`` saved it)."""
    import sys

    here = Path(start or Path.cwd()).resolve()
    folders = [here, *here.parents]
    folders += [Path(p) for p in sys.path if p and Path(p).is_dir()]
    for folder in folders:
        candidate = record_path(stack, folder)
        if candidate.is_file():
            return candidate
    return None


# -- the record in force -------------------------------------------------------------------
_cache: dict[tuple[str, ...], DeploymentRecord] = {}
_lock = threading.Lock()


def current_deployment(environ: Mapping[str, str] | None = None) -> DeploymentRecord | None:
    """The record in force for this process (see the module docstring), or None.

    Cached per source (a saved file is re-read when it changes), so adapters may call this
    on every job."""
    env = os.environ if environ is None else environ
    source = env.get(RECORD_ENV, "").strip()
    stack = env.get(STACK_ENV, "").strip()
    if source:
        key: tuple[str, ...] = (RECORD_ENV, source)
        if not source.startswith("{") and "://" not in source:
            path = Path(source)
            key = (RECORD_ENV, str(path.resolve()), str(_mtime(path)))
        return _cached(key, lambda: load_record(source))
    if stack:
        found = find_saved_record(stack)
        if found is None:
            raise DeploymentRecordError(
                f"{STACK_ENV}={stack}, but no {RECORD_DIR}/{stack.replace('/', '--')}.json was "
                f"found in {Path.cwd()}, its parents or the pipeline's folder. Deploy it "
                f"(glacier deploy FILE --stack {stack}) or set {RECORD_ENV}."
            )
        key = (STACK_ENV, str(found), str(_mtime(found)))
        return _cached(key, lambda: load_record(str(found)))
    return None


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _cached(key: tuple[str, ...], load: Any) -> DeploymentRecord:
    with _lock:
        found = _cache.get(key)
    if found is None:
        found = load()
        with _lock:
            _cache[key] = found
    return found


def deployed(resource: Resource) -> ResourceRecord | None:
    """The record's entry for ``resource`` (by its Glacier name and kind), or None when no
    record is in force or it does not list the resource.

    This is the one accessor adapters use: ``(deployed(r) and deployed(r).name) or
    config.field or default``.
    """
    record = current_deployment()
    if record is None:
        return None
    return record.resource(resource.name, resource.kind)


def deployed_value(resource: Resource, field: str) -> str | None:
    """One string field of :func:`deployed` (``name``, ``id``, ``url``, ``identity``,
    ``staging_bucket``, ``region``) or a key of its ``properties``; None when unset."""
    entry = deployed(resource)
    if entry is None:
        return None
    if field in ResourceRecord.model_fields and field not in ("kind", "existing", "properties"):
        value = getattr(entry, field)
        return str(value) if value else None
    return entry.properties.get(field) or None
