"""``-p NAME=VALUE`` options: pipeline parameters as text, converted by the pipeline.

The conversion to the pipeline function's annotations (date, int, Enum, ...) is
:class:`glacier.dag.params.PipelineParams`, the same rules as ``Pipeline.run(**params)``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

from glacier.errors import PipelineParameterError


def add_param_option(parser: argparse.ArgumentParser) -> None:
    """``-p/--param NAME=VALUE``, repeatable."""
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a pipeline parameter, converted to its annotation (date: 2026-11-01, "
        "bool: true/false, list: JSON); repeat for several",
    )


def parse_params(items: Iterable[str]) -> dict[str, str]:
    """``["day=2026-11-01", "n=3"]`` -> ``{"day": "2026-11-01", "n": "3"}``."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise PipelineParameterError(
                f"-p expects NAME=VALUE, got {item!r} (e.g. -p day=2026-11-01)"
            )
        if name in out:
            raise PipelineParameterError(f"parameter {name!r} is given twice with -p")
        out[name] = value
    return out


def bind_for_shape(pipe: Any, items: Iterable[str]) -> tuple[dict[str, Any], set[str]]:
    """The ``-p`` values of ``graph``/``compile`` (text, converted), plus sample values for
    the parameters a schedule or trigger fills at run time when they are not given (the
    logical date, the written object's URI): the DAG's shape must not depend on them, so
    ``glacier compile`` of a scheduled pipeline needs no ``-p``. Returns the bound values and
    the names that were filled with samples."""
    from glacier.schedule.spec import sample_params

    given = parse_params(items)
    samples = sample_params(pipe, given)
    as_text = {name: _as_text(value) for name, value in samples.items()}
    return pipe.params.bind({**as_text, **given}, text=True), set(samples)


def _as_text(value: Any) -> str:
    """A sample value as command-line text (dates and datetimes in ISO form)."""
    iso = getattr(value, "isoformat", None)
    return str(iso()) if callable(iso) else str(value)
