"""Optional side-by-side: the same DAGs in Hamilton, Prefect, Dagster and Kedro.

Install with the ``benchmarks-peers`` extra (never a test dependency). Each adapter turns
(shape, n) into a zero-argument callable that builds *and* runs the DAG, like
``pipeline.run()`` does for Glacier; adapters whose package is missing are skipped.
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import os
from collections.abc import Callable
from typing import Any

from benchmarks.orchestration_shapes import upstream_names

Adapter = Callable[[str, int], Callable[[], Any]]


def _one(*_: Any) -> int:
    return 1


def _hamilton(shape: str, n: int) -> Callable[[], Any]:
    from hamilton import ad_hoc_utils, driver

    lines = []
    for name, ups in upstream_names(shape, n).items():
        params = ", ".join(f"{u}: int" for u in ups)  # Hamilton needs type hints
        lines.append(f"def {name}({params}) -> int:\n    return 1\n")
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), namespace)  # Hamilton wires nodes by function/parameter names
    fns = [namespace[name] for name in upstream_names(shape, n)]
    final = f"t{n - 1}"

    runs = itertools.count()

    def go() -> Any:
        name = f"bench_{shape}_{n}_{next(runs)}"  # Hamilton wants a new module name each time
        module = ad_hoc_utils.create_temporary_module(*fns, module_name=name)
        dr = driver.Builder().with_modules(module).build()
        return dr.execute([final])

    return go


def _prefect(shape: str, n: int) -> Callable[[], Any]:
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
    from prefect import flow
    from prefect import task as ptask

    step = ptask(_one)

    @flow
    def dag() -> Any:
        if shape == "chain":
            out = step.submit()
            for _ in range(n - 1):
                out = step.submit(out)
            return out.result()
        root = step.submit()
        mids = [step.submit(root) for _ in range(n - 2)]
        return step.submit(*mids).result()

    return dag


def _dagster(shape: str, n: int) -> Callable[[], Any]:
    from dagster import In, Nothing, job, op

    ups = upstream_names(shape, n)
    ops = {}
    for name, parents in ups.items():
        ins = {p: In(Nothing) for p in parents}
        ops[name] = op(name=name, ins=ins)(lambda context: 1)

    @job(name=f"bench_{shape}_{n}")
    def dag() -> None:
        done: dict[str, Any] = {}
        for name, parents in ups.items():
            done[name] = ops[name](**{p: done[p] for p in parents})

    def go() -> Any:
        return dag.execute_in_process()

    return go


def _kedro(shape: str, n: int) -> Callable[[], Any]:
    from kedro.io import DataCatalog
    from kedro.pipeline import Pipeline, node
    from kedro.runner import SequentialRunner

    logging.getLogger("kedro").setLevel(logging.ERROR)
    ups = upstream_names(shape, n)

    def go() -> Any:
        pipe = Pipeline(
            [
                node(_one, inputs=parents or None, outputs=name, name=name)
                for name, parents in ups.items()
            ]
        )
        return SequentialRunner().run(pipe, DataCatalog())

    return go


ADAPTERS: dict[str, tuple[str, Adapter]] = {
    "hamilton": ("hamilton", _hamilton),
    "prefect": ("prefect", _prefect),
    "dagster": ("dagster", _dagster),
    "kedro": ("kedro", _kedro),
}


def available() -> dict[str, Adapter]:
    """Adapters whose package is installed (checked without importing it)."""
    return {
        name: adapter
        for name, (module, adapter) in ADAPTERS.items()
        if importlib.util.find_spec(module) is not None
    }


def missing() -> list[str]:
    return [
        name for name, (module, _) in ADAPTERS.items() if importlib.util.find_spec(module) is None
    ]
