"""Configs that name an engine which already exists: reference it, never create it.

Each executor config lists the fields that name an existing engine in its
``existing_fields`` class variable (``GlueConfig.job_name``, ``DataprocConfig.cluster_name``,
``DatabricksConfig.existing_cluster_id``, ``EmrConfig.cluster_id``; a ``SparkConfig`` master is
always an existing cluster). The compiler asks :func:`is_existing` to decide between creating
the engine and referencing it (and says so in its summary); the runtime submits to the named
engine. No cloud names appear here: plugins declare their own fields.
"""

from __future__ import annotations

from typing import Any


def existing_reference(config: Any) -> dict[str, str]:
    """The ``existing_fields`` of ``config`` that are set, with their values."""
    fields: tuple[str, ...] = getattr(type(config), "existing_fields", ())
    out: dict[str, str] = {}
    for name in fields:
        value = getattr(config, name, None)
        if value:
            out[name] = str(value)
    return out


def is_existing(config: Any) -> bool:
    """Whether ``config`` names an engine that already exists (reference, do not create)."""
    return bool(existing_reference(config))


def describe_existing(name: str, config: Any) -> str | None:
    """A compile-summary line for an executor that references an existing engine."""
    ref = existing_reference(config)
    if not ref:
        return None
    fields = ", ".join(f"{k}={v!r}" for k, v in ref.items())
    return f"executor {name!r}: references the existing {type(config).__name__} engine ({fields})"
