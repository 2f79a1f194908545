"""Render Python source text safely: the ONE place user data becomes code.

Every user-supplied value (names, tags, paths, policies) reaches generated code through
:func:`py_literal`; identifiers through :func:`py_ident`; comments through :func:`py_comment`.
Trusted code fragments written by emitters are wrapped in :class:`Expr`, nested calls in
:class:`Call`, so the renderer never concatenates untrusted strings into code.

The layout follows ruff/black: a value that fits on its line stays on one line, otherwise it
is exploded one element per line with a trailing ("magic") comma.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LINE_LENGTH = 100
INDENT = "    "


@dataclass(frozen=True)
class Expr:
    """A trusted Python expression written by an emitter (never user data)."""

    code: str


@dataclass(frozen=True)
class Call:
    """``func(*args, **kwargs)`` where ``func`` is trusted and the arguments are values.

    Keyword arguments whose value is ``None`` are left out (Pulumi's default).
    """

    func: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    args: Sequence[Any] = ()


class UnrenderableValueError(TypeError):
    """A value of a type the renderer cannot express as a Python literal."""


def py_ident(name: str, *, prefix: str = "r") -> str:
    """A valid, non-keyword Python identifier derived from ``name`` (PEP 8 snake case).

    Illegal characters become ``_``; a leading digit or an empty result gets ``prefix``;
    keywords and soft keywords get a trailing ``_``. Uniqueness is the caller's job.
    """
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name)).lower()
    text = re.sub(r"\W", "_", text, flags=re.ASCII)
    text = re.sub(r"_+", "_", text).strip("_")
    if not text or text[0].isdigit():
        text = f"{prefix}_{text}" if text else prefix
    if keyword.iskeyword(text) or keyword.issoftkeyword(text) or text in _RESERVED:
        text += "_"
    return text


#: Names the generated program itself uses at module level.
_RESERVED = frozenset(
    {"pulumi", "aws", "azure_native", "gcp", "databricks", "types", "json", "RESOURCES"}
)


def py_literal(value: Any) -> str:
    """Python source for ``value`` that evaluates back to an equal value.

    Supports str, int, float (incl. nan/inf), bool, None, list, tuple, dict, set/frozenset
    (sorted for stable output). Strings use ``repr``, so quotes, backslashes and newlines
    round-trip and can never end the literal early.
    """
    return _render(value, 0, LINE_LENGTH)


#: The custom-code marker word (``glacier.compiler.injector``), in any spacing or case.
_MARKER_WORD = re.compile(r"glacier\s*:\s*custom-code", re.IGNORECASE)


def py_comment(text: str) -> str:
    """One comment line: newlines and other control characters are neutralised, and the
    injector's marker word ``glacier:custom-code`` is defused (``glacier custom-code``), so
    no user text in a comment can ever forge a custom-code region marker."""
    clean = "".join(ch if ch.isprintable() else " " for ch in str(text))
    while True:
        defused = _MARKER_WORD.sub("glacier custom-code", clean)
        if defused == clean:
            break
        clean = defused
    return "# " + clean.strip()


def render_value(value: Any, indent: int = 0, width: int = LINE_LENGTH) -> str:
    """Render ``value`` (literals, :class:`Expr`, :class:`Call`) starting at column
    ``indent`` and fitting ``width``; continuation lines are indented from ``indent``."""
    return _render(value, indent, width)


def render_assignment(target: str, value: Any, indent: int = 0) -> str:
    """``target = value`` formatted like ruff would."""
    prefix = f"{INDENT * indent}{target} = "
    return prefix + _render(value, len(prefix), LINE_LENGTH, level=indent)


def render_statement(value: Any, indent: int = 0) -> str:
    """An expression statement (e.g. a call) formatted like ruff would."""
    prefix = INDENT * indent
    return prefix + _render(value, len(prefix), LINE_LENGTH, level=indent)


# -- internals ----------------------------------------------------------------------------
def _scalar(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else 'float("-inf")'
        return repr(float(value))
    if isinstance(value, str):
        return _str_literal(value)
    if isinstance(value, Expr):
        return value.code
    return None


def _str_literal(value: str) -> str:
    """``repr`` with double quotes where that needs no extra escaping (ruff's preference)."""
    text = repr(str(value))
    if text.startswith("'") and '"' not in value:
        text = '"' + text[1:-1].replace("\\'", "'") + '"'
    return text


def _parts(value: Any) -> tuple[str, str, list[tuple[str, Any]]] | None:
    """(open, close, [(prefix, item)]) for containers and calls, else None."""
    if isinstance(value, Call):
        items = [("", a) for a in value.args]
        items += [(f"{k}=", v) for k, v in value.kwargs.items() if v is not None]
        return f"{value.func}(", ")", items
    if isinstance(value, dict):
        return "{", "}", [(f"{_render_key(k)}: ", v) for k, v in value.items()]
    if isinstance(value, list):
        return "[", "]", [("", v) for v in value]
    if isinstance(value, tuple):
        return "(", ")", [("", v) for v in value]
    if isinstance(value, set | frozenset):
        if not value:
            return None
        return "{", "}", [("", v) for v in sorted(value, key=repr)]
    return None


def _render_key(key: Any) -> str:
    rendered = _scalar(key)
    if rendered is None or isinstance(key, Expr):
        raise UnrenderableValueError(f"dict keys must be str/int/float/bool/None, got {key!r}")
    return rendered


def _flat(value: Any) -> str:
    scalar = _scalar(value)
    if scalar is not None:
        return scalar
    if isinstance(value, set | frozenset) and not value:
        return "set()" if isinstance(value, set) else "frozenset()"
    parts = _parts(value)
    if parts is None:
        raise UnrenderableValueError(
            f"cannot render {type(value).__name__} {value!r} as a Python literal"
        )
    open_, close, items = parts
    body = ", ".join(p + _flat(v) for p, v in items)
    if isinstance(value, tuple) and len(items) == 1:
        body += ","
    return f"{open_}{body}{close}"


def _split_string(value: str, column: int, width: int, level: int) -> str | None:
    """A long string as parenthesised implicit concatenation, one chunk per line (each
    chunk is escaped on its own, so the value is unchanged). A string that fits on a line
    of its own is one parenthesised chunk (what ruff keeps)."""
    inner = INDENT * (level + 1)
    room = max(LINE_LENGTH - len(inner), 20)  # a chunk line holds no trailing comma
    chunks: list[str] = []
    rest = value
    while rest:
        piece = rest
        while len(_str_literal(piece)) > room and len(piece) > 1:
            cut = piece.rfind(" ", 0, len(piece) - 1)
            piece = piece[: cut + 1] if cut > 0 else piece[: max(len(piece) * 3 // 4, 1)]
        chunks.append(piece)
        rest = rest[len(piece) :]
    if not chunks:
        return None
    body = "\n".join(inner + _str_literal(c) for c in chunks)
    return f"(\n{body}\n{INDENT * level})"


def _render(value: Any, column: int, width: int, level: int = 0) -> str:
    flat = _flat(value)
    if isinstance(value, str) and column + len(flat) > width:
        split = _split_string(value, column, width, level)
        if split is not None:
            return split
    parts = _parts(value) if not isinstance(value, Expr) else None
    if column + len(flat) <= width or parts is None or not parts[2]:
        return flat
    open_, close, items = parts
    inner = INDENT * (level + 1)
    lines = [open_]
    for prefix, item in items:
        head = inner + prefix
        lines.append(head + _render(item, len(head), LINE_LENGTH - 1, level + 1) + ",")
    lines.append(INDENT * level + close)
    return "\n".join(lines)
