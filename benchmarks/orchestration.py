"""Section 3: orchestration overhead of DAGs of trivial tasks, per task.

Shapes: a chain (each task takes the previous output) and a fan-out/fan-in (one root, N-2
independent tasks, one task taking all their outputs). Glacier is timed through
``pipeline.run()`` (graph build + validation + scheduling, as a user pays it), and also
split into build and execute. The baseline is a bare ``graphlib`` loop over the same DAG in
the same process: the least any Python DAG runner can do.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable
from typing import Any

from benchmarks.common import Figure, Stat, interleaved, ratio_of


def noop(*inputs: Any) -> int:
    """The trivial task body."""
    return 1


def edges(shape: str, n: int) -> dict[int, list[int]]:
    """Node -> its upstream nodes."""
    if shape == "chain":
        return {0: [], **{i: [i - 1] for i in range(1, n)}}
    mids = list(range(1, n - 1))
    return {0: [], **{i: [0] for i in mids}, n - 1: mids}


def graphlib_run(shape: str, n: int) -> dict[int, Any]:
    """Baseline: build the DAG, then a bare TopologicalSorter loop calling each task."""
    graph = edges(shape, n)
    sorter = graphlib.TopologicalSorter(graph)
    sorter.prepare()
    outputs: dict[int, Any] = {}
    while sorter.is_active():
        for node in sorter.get_ready():
            outputs[node] = noop(*[outputs[u] for u in graph[node]])
            sorter.done(node)
    return outputs


def glacier_pipeline(shape: str, n: int) -> Any:
    from glacier import pipeline, task

    step = task(noop, name="step")

    @pipeline(name=f"{shape}_{n}")
    def dag():  # type: ignore[no-untyped-def]
        if shape == "chain":
            out = step()
            for _ in range(n - 1):
                out = step(out)
        else:
            root = step()
            step(*[step(root) for _ in range(n - 2)])

    return dag


def run(cfg: dict[str, Any]) -> tuple[list[Figure], dict[str, Any]]:
    """Per-task overhead for every shape and size; returns figures and chart series."""
    from benchmarks import peers
    from glacier.dag.runtime import Runner

    figures: list[Figure] = []
    series: dict[str, dict[str, list[float]]] = {}
    for shape in ("chain", "fan"):
        for n in cfg["sizes"]:
            repeats = cfg["repeats"] if n <= 1000 else max(3, cfg["repeats"] // 3)
            dag = glacier_pipeline(shape, n)
            graph = dag.build()
            times = interleaved(
                {
                    "glacier": dag.run,
                    "graphlib": lambda s=shape, k=n: graphlib_run(s, k),
                    "build": dag.build,
                    "execute": lambda g=graph: Runner(g).run(),
                },
                repeats,
            )
            per_task = {k: Stat.of(v, "s").scaled(1e6 / n, "µs/task") for k, v in times.items()}
            glacier, base = per_task["glacier"], per_task["graphlib"]
            ratio = ratio_of(glacier, base)
            target = "<= 20 µs/task" if n == 1000 else ""
            figures.append(
                Figure(
                    "orchestration",
                    f"{shape} of {n} tasks: pipeline.run() per task",
                    glacier,
                    base,
                    "bare graphlib loop (same process)",
                    ratio,
                    target=target,
                    met=(glacier.median <= 20.0) if n == 1000 else None,
                    extra={
                        "build_us_per_task": per_task["build"].median,
                        "execute_us_per_task": per_task["execute"].median,
                        "total_ms": glacier.median * n / 1000,
                        "graphlib_total_ms": base.median * n / 1000,
                    },
                )
            )
            for key, stat in (("glacier", glacier), ("graphlib", base)):
                series.setdefault(f"{shape}:{key}", {"n": [], "us": []})
                series[f"{shape}:{key}"]["n"].append(n)
                series[f"{shape}:{key}"]["us"].append(stat.median)
    # Peers (optional extra ``benchmarks-peers``), only where installed, at modest sizes.
    for name, runner in peers.available().items():
        for shape in ("chain", "fan"):
            for n in [k for k in cfg["sizes"] if k <= cfg["peer_max_n"]]:
                fig = _peer_figure(name, runner, shape, n, cfg, series)
                figures.append(fig)
    return figures, series


def _peer_figure(
    name: str,
    runner: Callable[[str, int], Callable[[], Any]],
    shape: str,
    n: int,
    cfg: dict[str, Any],
    series: dict[str, dict[str, list[float]]],
) -> Figure:
    try:
        fn = runner(shape, n)
        times = interleaved(
            {"peer": fn, "graphlib": lambda: graphlib_run(shape, n)}, cfg["peer_repeats"]
        )
    except Exception as exc:  # a peer's own failure is reported, not fatal
        return Figure(
            "orchestration_peers",
            f"{name}: {shape} of {n} tasks",
            Stat(0, 0, 0, 0, "µs/task"),
            note=f"failed: {type(exc).__name__}: {exc}"[:300],
        )
    peer = Stat.of(times["peer"], "s").scaled(1e6 / n, "µs/task")
    base = Stat.of(times["graphlib"], "s").scaled(1e6 / n, "µs/task")
    series.setdefault(f"{shape}:{name}", {"n": [], "us": []})
    series[f"{shape}:{name}"]["n"].append(n)
    series[f"{shape}:{name}"]["us"].append(peer.median)
    return Figure(
        "orchestration_peers",
        f"{name}: {shape} of {n} tasks, per task",
        peer,
        base,
        "bare graphlib loop (same process)",
        ratio_of(peer, base),
    )
