"""The ``glacier_deployment`` stack output, assembled in core from what emit steps record.

Every emit step tells :attr:`ProgramWriter.deployment` what it created for a Glacier resource
(``out.deployment.resource("etl", "executor", name=Expr("etl_job.name"))``); the template
records what every cloud has in common (providers, buckets, identities, staging buckets). At
the end of the program the writer renders ONE export, ``pulumi.export("glacier_deployment",
{...})``, whose value is the :class:`~glacier.deploy.record.DeploymentRecord` as a dict with
Pulumi Outputs inside (Pulumi resolves them). So every cloud exports the record of
docs/deploy.md the same way, and ``record_from_stack_outputs`` reads it back.

Field values are literals (``str``/``bool``) or :class:`~glacier.compiler.pyrender.Expr`
(``role.arn``); unknown fields are refused here, at compile time, not after a deploy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glacier.compiler.errors import CompilerError
from glacier.compiler.pyrender import Call, Expr

#: The stack output (``glacier.deploy.record.STACK_OUTPUT``; kept literal: no import cost).
STACK_OUTPUT = "glacier_deployment"
_KINDS = ("bucket", "function", "executor", "driver")
_FIELDS = ("name", "id", "url", "identity", "staging_bucket", "region", "existing")
_ARTIFACT_FIELDS = ("uri", "sha256", "filename", "entry")


@dataclass
class DeploymentOutput:
    """The record a program exports, filled in while emitting."""

    pipeline: str
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    artifact: dict[str, Any] | None = None
    runs_uri: Any = None

    def provider(self, key: str, cloud: str, region: str | None = None, **extra: Any) -> None:
        """Where one provider of the pipeline deploys (``account`` may be an Expr)."""
        entry: dict[str, Any] = {"cloud": cloud}
        if region:
            entry["region"] = region
        for name, value in extra.items():
            if name != "account":
                raise CompilerError(f"Deployment record providers take no field {name!r}.")
            if value is not None:
                entry[name] = value
        self.providers[key] = entry

    def resource(
        self, name: str, kind: str, /, *, properties: dict[str, Any] | None = None, **fields: Any
    ) -> None:
        """Record (or add to) the entry of Glacier resource ``name``. ``None`` values are
        skipped; a field already set to another value is an error (two steps disagree)."""
        if kind not in _KINDS:
            raise CompilerError(f"Deployment record kind {kind!r} is not one of {_KINDS}.")
        entry = self.resources.setdefault(name, {"kind": kind})
        if entry["kind"] != kind:
            raise CompilerError(
                f"Glacier resource {name!r} is recorded as {entry['kind']} and as {kind}: give "
                "one of them another name."
            )
        for key, value in fields.items():
            if key not in _FIELDS:
                raise CompilerError(
                    f"Deployment record field {key!r} is unknown (fields: {', '.join(_FIELDS)}; "
                    "put engine-specific values in properties=)."
                )
            if value is None:
                continue
            _set(entry, key, value, name)
        if properties:
            props = entry.setdefault("properties", {})
            for key, value in properties.items():
                if value is not None:
                    _set(props, str(key), value, name)

    def set_artifact(self, **fields: Any) -> None:
        """The artifact entry: ``uri``, ``sha256``, ``filename``, ``entry`` (Exprs)."""
        unknown = set(fields) - set(_ARTIFACT_FIELDS)
        if unknown:
            raise CompilerError(f"Deployment record artifact takes no field {sorted(unknown)}.")
        self.artifact = dict(fields)

    def value(self) -> dict[str, Any]:
        """The record as a dict (Exprs inside), in the key order of docs/deploy.md."""
        out: dict[str, Any] = {
            "version": 1,
            "pipeline": self.pipeline,
            "stack": Expr("pulumi.get_stack()"),
            "project": Expr("pulumi.get_project()"),
            "providers": {k: self.providers[k] for k in sorted(self.providers)},
        }
        if self.artifact is not None:
            out["artifact"] = self.artifact
        if self.runs_uri is not None:
            out["runs_uri"] = self.runs_uri
        out["resources"] = {k: self.resources[k] for k in sorted(self.resources)}
        return out

    def export(self) -> Call:
        """``pulumi.export("glacier_deployment", {...})``."""
        return Call("pulumi.export", args=(STACK_OUTPUT, self.value()))


def _set(entry: dict[str, Any], key: str, value: Any, name: str) -> None:
    before = entry.get(key)
    if before is not None and repr(before) != repr(value):
        raise CompilerError(
            f"Deployment record of {name!r}: {key} is recorded as {before!r} and as {value!r}."
        )
    entry[key] = value
