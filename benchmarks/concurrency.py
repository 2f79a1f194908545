"""Section 4: concurrency of I/O-bound tasks, and no oversubscription for CPU-heavy Polars.

* 16 independent tasks each waiting ``io_wait`` seconds (a stand-in for a network call):
  the run should take about one task's time. Baseline: one wait, measured in this run.
* 4 CPU-heavy Polars tasks (group-by + sort over a generated frame) run concurrently by
  Glacier vs the same 4 computations run one after another in plain Polars. Polars already
  uses every core per query; concurrent queries share its one thread pool rather than
  adding threads, so concurrency should cost at most a small margin.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.common import Figure, Stat, interleaved, ratio_of


def run(cfg: dict[str, Any]) -> list[Figure]:
    import polars as pl

    from glacier import pipeline, task

    wait = cfg["io_wait"]
    n_io = cfg["io_tasks"]

    @task
    def fetch(i: int) -> int:
        time.sleep(wait)
        return i

    @pipeline(name="io_fanout")
    def io_fanout():  # type: ignore[no-untyped-def]
        for i in range(n_io):
            fetch(i)

    times = interleaved({"glacier": io_fanout.run, "one": lambda: time.sleep(wait)}, cfg["repeats"])
    io, one = Stat.of(times["glacier"], "s"), Stat.of(times["one"], "s")
    io_ratio = ratio_of(io, one)
    figures = [
        Figure(
            "concurrency",
            f"{n_io} independent I/O-bound tasks ({wait:g} s each)",
            io,
            one,
            "one task's wait",
            io_ratio,
            ratio_label="x one task",
            target="about one task's time (<= 1.2x)",
            met=io_ratio is not None and io_ratio <= 1.2,
        )
    ]

    rows = cfg["heavy_rows"]
    frame = pl.DataFrame(
        {"k": pl.int_range(0, rows, eager=True) % 10_007, "v": pl.int_range(0, rows, eager=True)}
    ).with_columns(w=(pl.col("v") * 2_654_435_761) % 1_000_003)

    def heavy(seed: int) -> int:
        out = (
            frame.lazy()
            .with_columns(x=(pl.col("w") + seed) % 977)
            .group_by("k", "x")
            .agg(pl.col("v").sum(), pl.col("w").std())
            .sort("v")
            .collect()
        )
        return out.height

    heavy_task = task(heavy, name="heavy")

    @pipeline(name="heavy_concurrent")
    def heavy_concurrent():  # type: ignore[no-untyped-def]
        for i in range(4):
            heavy_task(i)

    def sequential() -> None:
        for i in range(4):
            heavy(i)

    times = interleaved(
        {"concurrent": heavy_concurrent.run, "sequential": sequential}, cfg["repeats"]
    )
    conc, seq = Stat.of(times["concurrent"], "s"), Stat.of(times["sequential"], "s")
    cpu_ratio = ratio_of(conc, seq)
    figures.append(
        Figure(
            "concurrency",
            f"4 CPU-heavy Polars tasks run concurrently by Glacier ({rows:,} rows each)",
            conc,
            seq,
            "the same 4 queries sequentially in plain Polars",
            cpu_ratio,
            target="<= 1.10 (no oversubscription)",
            met=cpu_ratio is not None and cpu_ratio <= 1.10,
            note=f"Polars thread pool: {pl.thread_pool_size()} threads",
        )
    )
    return figures
