"""Pipeline parameters: ``def sales(day: date, n: int = 3)`` called with checked values.

One set of rules for ``Pipeline.run(day=...)``, ``build``/``graph``/``compile`` and the CLI's
``-p day=2026-11-01``: every parameter the function requires is given, no unknown name is
given, and each value converts to the parameter's annotation. Conversion is pydantic's lax
mode (``"2026-11-01"`` -> ``date``, ``"3"`` -> ``int``, ``"yes"`` -> ``True``, an Enum by
value), so text from a command line and Python values follow the same rules. On top of it,
for text: an Enum also by member name, ``none``/``null`` for an optional parameter, and JSON
for list, tuple, set and dict parameters. Unannotated parameters take any value.
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from glacier.errors import PipelineParameterError

#: Keywords of ``Pipeline.run`` itself; a pipeline parameter cannot share them.
RESERVED = frozenset({"max_workers", "raise_on_failure", "progress"})
_CONTAINERS = (list, tuple, set, frozenset, dict)
_NONE_TEXT = frozenset({"none", "null"})


class PipelineParams:
    """The parameters of one pipeline function, with their annotations."""

    def __init__(self, pipeline: str, fn: Callable[..., Any]) -> None:
        self.pipeline = pipeline
        self.fn = fn
        self.signature = inspect.signature(fn)
        self.named = {
            name: p
            for name, p in self.signature.parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }
        self.open = any(p.kind is p.VAR_KEYWORD for p in self.signature.parameters.values())
        clash = sorted(RESERVED & set(self.named))
        if clash:
            raise PipelineParameterError(
                f"Pipeline {pipeline!r}: parameter {clash[0]!r} has the name of a "
                f"Pipeline.run() option ({', '.join(sorted(RESERVED))}); rename it."
            )

    @cached_property
    def hints(self) -> dict[str, Any]:
        """Resolved annotations (string annotations too); unresolvable ones become Any."""
        try:
            return typing.get_type_hints(self.fn)
        except Exception:  # a forward reference that does not resolve: check what we can
            return {
                n: p.annotation
                for n, p in self.named.items()
                if p.annotation is not p.empty and not isinstance(p.annotation, str)
            }

    def describe(self) -> str:
        """``day: date, n: int = 3`` (for messages and ``--help``)."""
        parts = []
        for name, param in self.named.items():
            hint = self.hints.get(name)
            text = name if hint is None else f"{name}: {_type_name(hint)}"
            if param.default is not param.empty:
                text += f" = {_default_text(param.default)}"
            parts.append(text)
        return ", ".join(parts) or "none"

    def bind(self, values: Mapping[str, Any], *, text: bool = False) -> dict[str, Any]:
        """Check and convert ``values``; raise :class:`PipelineParameterError` naming the
        parameter. With ``text=True`` the values are strings from a command line."""
        if not values and not self.named:
            return {}
        for name in values:
            if name not in self.named and not self.open:
                import difflib

                # swapped letters first (dya -> day, not dry), then difflib's similarity
                close = [n for n in self.named if sorted(n) == sorted(name)]
                close = close or difflib.get_close_matches(name, list(self.named), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise PipelineParameterError(
                    f"Pipeline {self.pipeline!r} has no parameter {name!r}.{hint} "
                    f"Its parameters: {self.describe()}."
                )
        missing = [n for n, p in self.named.items() if p.default is p.empty and n not in values]
        if missing:
            name = missing[0]
            wanted = self.hints.get(name)
            kind = f" ({_type_name(wanted)})" if wanted is not None else ""
            raise PipelineParameterError(
                f"Pipeline {self.pipeline!r} needs parameter {name!r}{kind}: pass it with "
                f"-p {name}=VALUE on the command line, or {self.fn.__name__}.run({name}=...). "
                f"Its parameters: {self.describe()}."
            )
        return {name: self.convert(name, value, text=text) for name, value in values.items()}

    def convert(self, name: str, value: Any, *, text: bool = False) -> Any:
        """One parameter's value checked and converted to its annotation (``text=True``:
        ``value`` is command-line or stored text); :class:`PipelineParameterError` naming
        the parameter otherwise. The one conversion rule of ``run``, ``backfill``,
        ``--resume`` and serve."""
        hint = self.hints.get(name)
        if hint is None or hint is Any:
            return value
        from pydantic import TypeAdapter, ValidationError

        try:
            adapter: TypeAdapter[Any] = TypeAdapter(hint)
        except Exception:  # an annotation pydantic cannot check (an arbitrary class)
            if isinstance(hint, type) and not isinstance(value, hint):
                raise self._bad(name, hint, value, f"expected {hint.__name__}") from None
            return value
        try:
            if text and isinstance(value, str):
                return self._from_text(adapter, hint, value)
            return adapter.validate_python(value)
        except ValidationError as exc:
            reason = "; ".join(e["msg"] for e in exc.errors()[:3])
            raise self._bad(name, hint, value, reason) from None

    def _from_text(self, adapter: Any, hint: Any, value: str) -> Any:
        if value.strip().lower() in _NONE_TEXT and _allows_none(hint):
            return None
        enum_cls = _enum_of(hint)
        if enum_cls is not None and value in enum_cls.__members__:
            return enum_cls.__members__[value]
        if _is_container(hint):
            return adapter.validate_json(value)
        return adapter.validate_python(value)

    def _bad(self, name: str, hint: Any, value: Any, reason: str) -> PipelineParameterError:
        expected = _type_name(hint)
        extra = _format_hint(hint)
        enum_cls = _enum_of(hint)
        if enum_cls is not None:
            extra = f" (one of {', '.join(str(m.value) for m in enum_cls)})"
        return PipelineParameterError(
            f"Pipeline {self.pipeline!r}: parameter {name!r} expects {expected}{extra}, got "
            f"{value!r}: {reason}."
        )


def _format_hint(hint: Any) -> str:
    """What text a parameter of this type accepts (shown in errors)."""
    import datetime as dt
    import pathlib

    formats: dict[Any, str] = {
        dt.date: " (YYYY-MM-DD)",
        dt.datetime: " (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM])",
        bool: " (true/false, yes/no, 1/0)",
        pathlib.Path: " (a path)",
    }
    return formats.get(hint, "") if isinstance(hint, type) else ""


def _type_name(hint: Any) -> str:
    if isinstance(hint, type) and typing.get_origin(hint) is None:
        return hint.__name__
    return str(hint).replace("typing.", "").replace("datetime.", "").replace("pathlib.", "")


def _default_text(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    import pathlib

    return repr(str(value)) if isinstance(value, pathlib.PurePath) else repr(value)


def _allows_none(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    return origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)


def _is_container(hint: Any) -> bool:
    """list/tuple/set/dict, also inside ``X | None``: given as JSON on a command line."""
    candidates = typing.get_args(hint) if _allows_none(hint) else (hint,)
    return any(c in _CONTAINERS or typing.get_origin(c) in _CONTAINERS for c in candidates)


def _enum_of(hint: Any) -> type[enum.Enum] | None:
    candidates = typing.get_args(hint) if _allows_none(hint) else (hint,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
            return candidate
    return None
