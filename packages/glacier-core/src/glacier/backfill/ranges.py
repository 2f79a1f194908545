"""``-p name=A..B[/STEP]``: expand a parameter range into one parameter set per value.

Endpoints are converted by the parameter's annotation (``date``, ``datetime``, ``int``);
ranges are inclusive. Steps: dates ``Nd`` (default ``1d``), datetimes ``N`` plus ``s``,
``m``, ``h`` or ``d`` (default ``1d``), integers ``N`` (default 1). Other ``-p`` values are
passed to every run. Values of annotated parameters are converted like ``glacier run -p``
(:meth:`glacier.dag.params.PipelineParams.convert`); an unannotated range parameter reads its
endpoints as dates when they look like dates, else as integers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from glacier.dag.params import PipelineParams
from glacier.errors import ConfigError, PipelineParameterError
from glacier.schedule.params import from_text, kind_of

#: At most this many values in one range (a typo like 2026..20260 should not start 18k runs).
MAX_VALUES = 10_000
_STEP = re.compile(r"^(\d+)([smhd]?)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_assignment(text: str) -> tuple[str, str]:
    """``name=value`` -> (name, value)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ConfigError(f"-p {text!r}: write parameters as NAME=VALUE (e.g. -p day=2026-11-01).")
    return name.strip(), value.strip()


def expand(fn: Callable[..., Any], assignments: Sequence[str]) -> tuple[str, list[dict[str, Any]]]:
    """(name of the range parameter, one parameter dict per value). Exactly one ``-p`` must
    be a range ``A..B``."""
    params = PipelineParams(getattr(fn, "__name__", "pipeline"), fn)
    fixed: dict[str, Any] = {}
    ranged: tuple[str, list[Any]] | None = None
    for text in assignments:
        name, value = parse_assignment(text)
        kind = kind_of(fn, name)
        if ".." in value:
            if ranged is not None:
                raise ConfigError(
                    f"-p {text!r}: only one parameter may be a range (already {ranged[0]!r})."
                )
            ranged = (name, _values(params, name, kind, value))
        else:
            fixed[name] = _one(params, name, kind, value)
    if ranged is None:
        raise ConfigError(
            "backfill needs one range parameter: -p NAME=FIRST..LAST "
            "(e.g. -p day=2026-11-01..2026-11-07)."
        )
    name, values = ranged
    return name, [{**fixed, name: v} for v in values]


def _one(params: PipelineParams, name: str, kind: str, text: str) -> Any:
    try:
        if kind == "any" or name not in params.hints:  # unannotated: the guessed kind
            return from_text(kind, text, name)  # type: ignore[arg-type]
        return params.convert(name, text, text=True)
    except (ValueError, PipelineParameterError) as exc:
        raise ConfigError(f"-p {name}={text}: {exc}") from None


def _values(params: PipelineParams, name: str, kind: str, text: str) -> list[Any]:
    span, _, step_text = text.partition("/")
    first_text, _, last_text = span.partition("..")
    if kind == "any":  # unannotated: dates if they look like dates, else integers
        kind = "date" if re.match(r"^\d{4}-\d{2}-\d{2}$", first_text.strip()) else "int"
    if kind not in ("date", "datetime", "int"):
        raise ConfigError(
            f"-p {name}={text}: a range needs a date, datetime or int parameter; {name!r} is "
            f"{kind}. Annotate it (e.g. '{name}: date')."
        )
    first, last = _one(params, name, kind, first_text), _one(params, name, kind, last_text)
    if last < first:
        raise ConfigError(f"-p {name}={text}: the range ends before it starts.")
    step = _step(name, kind, step_text.strip(), text)
    out: list[Any] = []
    value = first
    while value <= last:
        out.append(value)
        if len(out) > MAX_VALUES:
            raise ConfigError(f"-p {name}={text}: more than {MAX_VALUES} values; narrow it.")
        value = value + step
    return out


def _step(name: str, kind: str, text: str, whole: str) -> Any:
    if not text:
        return 1 if kind == "int" else timedelta(days=1)
    match = _STEP.match(text)
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f"-p {name}={whole}: bad step {text!r}; use e.g. /2, /1d or /6h.")
    count, unit = int(match.group(1)), match.group(2)
    if kind == "int":
        if unit:
            raise ConfigError(f"-p {name}={whole}: an int range takes a plain step like /2.")
        return count
    if kind == "date" and unit not in ("", "d"):
        raise ConfigError(f"-p {name}={whole}: a date range steps in days (/1d).")
    return timedelta(**{_UNITS[unit or "d"]: count})


__all__ = ["MAX_VALUES", "expand", "parse_assignment"]
