"""What kind of value a pipeline parameter takes, from its annotation.

Schedules hand over a logical date, triggers a URI (or a bucket), backfills a range of
values; each converts to what the parameter is annotated with. Kept small and separate so it
can be routed through the typed-parameter converter of ``glacier run -p`` later.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

Kind = Literal["date", "datetime", "int", "float", "bool", "str", "bucket", "any"]

_BY_NAME: dict[str, Kind] = {
    "date": "date",
    "datetime.date": "date",
    "datetime": "datetime",
    "datetime.datetime": "datetime",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "Bucket": "bucket",
    "glacier.Bucket": "bucket",
}


def accepts(fn: Callable[..., Any], name: str) -> bool:
    """Whether ``fn`` can be called with the keyword argument ``name``."""
    params = inspect.signature(fn).parameters
    if name in params:
        return params[name].kind not in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.VAR_POSITIONAL,
        )
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def kind_of(fn: Callable[..., Any], name: str) -> Kind:
    """The kind of parameter ``name`` of ``fn`` (``any`` when unannotated or unusual)."""
    try:
        hints = typing.get_type_hints(fn)
        annotation: Any = hints.get(name, inspect.Parameter.empty)
    except Exception:  # unresolvable forward references: use the raw text
        param = inspect.signature(fn).parameters.get(name)
        annotation = param.annotation if param is not None else inspect.Parameter.empty
    return _kind(annotation)


def _kind(annotation: Any) -> Kind:
    if annotation is inspect.Parameter.empty or annotation is None:
        return "any"
    if isinstance(annotation, str):
        return _BY_NAME.get(annotation.strip().strip("'\""), "any")
    origin = typing.get_origin(annotation)
    if origin is not None:  # Optional[date], date | None
        kinds = {_kind(a) for a in typing.get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "any"
    if isinstance(annotation, type):
        if issubclass(annotation, datetime):
            return "datetime"
        if issubclass(annotation, date):
            return "date"
        if annotation is bool:
            return "bool"
        if annotation is int:
            return "int"
        if annotation is float:
            return "float"
        if annotation is str:
            return "str"
        from glacier.resources.bucket import Bucket

        if issubclass(annotation, Bucket):
            return "bucket"
    return "any"


def from_text(kind: Kind, text: str, name: str) -> Any:
    """Convert command-line or stored text to the parameter's kind (``ValueError`` naming
    the parameter on bad text)."""
    try:
        if kind == "date":
            return date.fromisoformat(text[:10]) if "T" in text else date.fromisoformat(text)
        if kind == "datetime":
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            lowered = text.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true or false")
    except ValueError as exc:
        raise ValueError(f"parameter {name!r}: cannot read {text!r} as {kind} ({exc})") from None
    return text
