"""Pipeline parameters from Python: the same checks and conversions as ``glacier run -p``."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path

import pytest

from glacier import pipeline, task
from glacier.errors import PipelineDefinitionError, PipelineParameterError


class Tier(enum.Enum):
    HOT = "hot"
    COLD = "cold"


@task
def echo(*values: object) -> tuple[object, ...]:
    return values


@pipeline(name="daily")
def daily(
    day: dt.date,
    at: dt.datetime | None = None,
    n: int = 3,
    ratio: float = 0.5,
    dry: bool = False,
    label: str = "x",
    root: Path = Path("."),
    tier: Tier = Tier.HOT,
    ids: list[int] | None = None,
) -> None:
    echo(day, at, n, ratio, dry, label, root, tier, ids)


def test_run_converts_values_to_the_annotations() -> None:
    result = daily.run(day="2026-11-01", at="2026-11-01T02:30:00", n="4", tier="cold", root="/tmp")
    day, at, n, _ratio, _dry, _label, root, tier, ids = result.output("echo")
    assert day == dt.date(2026, 11, 1)
    assert at == dt.datetime(2026, 11, 1, 2, 30)
    assert (n, root, tier, ids) == (4, Path("/tmp"), Tier.COLD, None)


def test_text_values_as_the_cli_gives_them() -> None:
    bound = daily.params.bind(
        {"day": "2026-11-01", "at": "none", "dry": "yes", "tier": "COLD", "ids": "[1, 2]"},
        text=True,
    )
    assert bound == {
        "day": dt.date(2026, 11, 1),
        "at": None,
        "dry": True,
        "tier": Tier.COLD,
        "ids": [1, 2],
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Pipeline 'daily' needs parameter 'day' (date)"),
        (
            {"day": "2026-11-01", "days": 2},
            "Pipeline 'daily' has no parameter 'days'. Did you mean 'day'?",
        ),
        (
            {"day": "someday"},
            "Pipeline 'daily': parameter 'day' expects date (YYYY-MM-DD), got 'someday'",
        ),
        ({"day": dt.date(2026, 1, 1), "n": 2.5}, "parameter 'n' expects int, got 2.5"),
        (
            {"day": dt.date(2026, 1, 1), "tier": "warm"},
            "parameter 'tier' expects Tier (one of hot, cold), got 'warm'",
        ),
        (
            {"day": dt.date(2026, 1, 1), "dry": "perhaps"},
            "parameter 'dry' expects bool (true/false, yes/no, 1/0)",
        ),
    ],
)
def test_bad_parameters_fail_before_anything_runs(params: dict[str, object], message: str) -> None:
    with pytest.raises(
        PipelineParameterError,
        match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?"),
    ):
        daily.run(**params)
    with pytest.raises(PipelineParameterError):
        daily.graph(**params)


def test_parameter_errors_are_definition_errors() -> None:
    assert issubclass(PipelineParameterError, PipelineDefinitionError)


def test_a_parameter_cannot_shadow_a_run_option() -> None:
    def fn(max_workers: int) -> None: ...

    with pytest.raises(
        PipelineParameterError, match="parameter 'max_workers' has the name of a Pipeline.run"
    ):
        pipeline(fn)


def test_unannotated_parameters_take_any_value_and_kwargs_accept_extra_names() -> None:
    @pipeline
    def loose(a, **rest):  # type: ignore[no-untyped-def]
        echo(a, rest)

    assert loose.run(a=[1], b="x").output("echo") == ([1], {"b": "x"})
