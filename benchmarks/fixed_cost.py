"""Section 5b: Glacier's fixed cost - what a tiny local pipeline pays over plain Polars.

Three scripts do the same work (write a 3-row frame, then scan it, filter and write the
result) in fresh interpreters, interleaved, with bytecode cached as users run
(``PYTHONPYCACHEPREFIX`` pointing at a warm folder, ``PYTHONDONTWRITEBYTECODE`` unset):

* ``polars``   - plain Polars (the baseline);
* ``pydantic`` - the same plus ``import pydantic`` and one small validated model: the floor
  of any pydantic-configured tool, which Glacier's configs pay by design;
* ``glacier``  - ``from glacier import Provider, pipeline, task``, ``Provider.from_env()``
  and a 2-task ``@pipeline`` on the local backend, run once.

Each child reports the time from its first line to the end of its work, its own peak RSS,
and (glacier) the split into imports, ``from_env``, the first ``run()`` and warm runs. The
warm runs are compared, in the same process, with the same Polars calls made directly:
that difference is Glacier's cost per run once everything is imported.

Figures are differences of medians against the baseline measured in the same session; no
target is asserted. Child usage: ``python -m benchmarks.fixed_cost VARIANT WORKDIR``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Figure, Stat, run_child

VARIANTS = ("polars", "pydantic", "glacier")
WARM_RUNS = 15


def _frame() -> Any:
    import polars as pl

    return pl.DataFrame({"id": [1, 2, 3], "amount": [10.0, -1.0, 7.5]})


def _plain(work: Path) -> None:
    """The workload in plain Polars: write, then scan + filter + write (atomic, like Glacier:
    temp file then rename)."""
    import polars as pl

    raw, clean = work / "lake" / "raw.parquet", work / "lake" / "clean.parquet"
    raw.parent.mkdir(parents=True, exist_ok=True)
    tmp = raw.with_suffix(".tmp")
    _frame().write_parquet(tmp)
    os.replace(tmp, raw)
    tmp = clean.with_suffix(".tmp")
    pl.scan_parquet(raw).filter(pl.col("amount") > 0).sink_parquet(tmp)
    os.replace(tmp, clean)


def _glacier_pipeline() -> Any:
    import polars as pl

    from glacier import Provider, pipeline, task

    provider = Provider.from_env()
    raw = provider.bucket("lake", path="raw.parquet")
    clean = provider.bucket("lake", path="clean.parquet")

    @task
    def extract() -> None:
        raw.write(_frame())

    @task
    def transform(_: None) -> None:
        clean.write(raw.scan().filter(pl.col("amount") > 0))

    @pipeline(name="tiny")
    def tiny() -> None:
        transform(extract())

    return tiny


def _child(variant: str, work: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    import polars  # noqa: F401

    out: dict[str, Any] = {}
    if variant == "polars":
        _plain(work)
    elif variant == "pydantic":
        import pydantic

        class Settings(pydantic.BaseModel):
            base_path: Path = Path("data")

        Settings(base_path=work)
        _plain(work)
    else:
        t_imp = time.perf_counter()
        from glacier import Provider, pipeline, task  # noqa: F401

        t_env = time.perf_counter()
        os.environ["GLACIER_LOCAL_BASE_PATH"] = str(work)
        tiny = _glacier_pipeline()
        t_run = time.perf_counter()
        tiny.run()
        t_end = time.perf_counter()
        out = {
            "import_ms": (t_env - t_imp) * 1e3,
            "setup_ms": (t_run - t_env) * 1e3,
            "first_run_ms": (t_end - t_run) * 1e3,
        }
    total = time.perf_counter() - t0
    cpu_ms = (time.process_time()) * 1e3
    if variant == "glacier":
        runs, plain = [], []
        for _ in range(WARM_RUNS):  # interleaved: same process, same files
            a = time.perf_counter()
            tiny.run()
            b = time.perf_counter()
            _plain(work)
            c = time.perf_counter()
            runs.append(b - a)
            plain.append(c - b)
        out["warm_run_ms"] = statistics.median(runs) * 1e3
        out["warm_plain_ms"] = statistics.median(plain) * 1e3
        out["warm_overhead_ms"] = (
            statistics.median(r - p for r, p in zip(runs, plain, strict=True)) * 1e3
        )
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    modules = sorted(m for m in sys.modules if m.startswith("glacier"))
    return {
        "total_ms": total * 1e3,
        # CPU time of the whole process (start-up included): less sensitive than wall time
        # to other processes competing for the cores
        "cpu_ms": cpu_ms,
        "maxrss_mb": usage.ru_maxrss / 1024,
        "glacier_modules": modules,
        **out,
    }


def child_env(pycache: str) -> dict[str, str]:
    """Fresh processes with cached bytecode and no cloud-selecting variables."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "AZURE_", "GCP_", "GOOGLE_CLOUD_", "GLACIER_"))
    }
    env["PYTHONDONTWRITEBYTECODE"] = ""  # empty = unset (run_child merges os.environ)
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def measure(
    repeats: int, env: dict[str, str] | None = None, before: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """``repeats`` fresh processes per variant, interleaved (after one warm-up round that
    fills the bytecode cache). Returns variant -> child reports (with ``wall_ms``).

    ``before``: a folder holding an older checkout's ``packages/`` (``git archive``); adds a
    ``glacier_before`` variant that imports Glacier from there, for same-session A/B figures.
    """
    variants: dict[str, dict[str, str]] = {v: {} for v in VARIANTS}
    if before:
        srcs = sorted(Path(before).glob("packages/*/src")) + sorted(
            Path(before).glob("examples/*/src")
        )
        variants["glacier_before"] = {"PYTHONPATH": os.pathsep.join(map(str, srcs))}
    results: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        base_env = env or child_env(os.path.join(tmp, "pycache"))
        for i in range(repeats + 1):
            for variant, extra in variants.items():
                work = Path(tmp) / f"{variant}-{i}"
                mode = "glacier" if variant == "glacier_before" else variant
                child_env_ = {**base_env, **extra}
                if extra.get("PYTHONPATH"):  # the benchmark package stays importable
                    child_env_["PYTHONPATH"] += os.pathsep + str(Path(__file__).parent.parent)
                res = run_child(["-m", "benchmarks.fixed_cost", mode, str(work)], child_env_)
                if i:  # round 0 only warms the bytecode cache
                    results[variant].append({**res.report, "wall_ms": res.wall * 1e3})
    return results


def _stat(rows: list[dict[str, Any]], key: str, unit: str = "ms") -> Stat:
    return Stat.of([r[key] for r in rows], unit)


def _diff(a: Stat, b: Stat) -> Stat:
    """``a - b`` as a statistic of medians (min/max are the medians' spread bounds)."""
    return Stat(a.median - b.median, a.min - b.median, a.max - b.median, a.n, a.unit)


def summarize(results: dict[str, list[dict[str, Any]]]) -> tuple[list[Figure], dict[str, Any]]:
    pol, pyd, gla = results["polars"], results["pydantic"], results["glacier"]
    figures: list[Figure] = []
    for key, label, unit, target in (
        ("total_ms", "time in script", "ms", 30.0),
        # (process wall time is not compared: the Glacier child goes on to time warm runs)
        ("cpu_ms", "process CPU time until done", "ms", None),
        ("maxrss_mb", "peak RSS", "MiB", 10.0),
    ):
        g, p, f = _stat(gla, key, unit), _stat(pol, key, unit), _stat(pyd, key, unit)
        over_polars = _diff(g, p)
        over_floor = _diff(g, f)
        figures.append(
            Figure(
                "startup",
                f"2-task local pipeline, {label}: Glacier over plain Polars",
                over_polars,
                p,
                "plain Polars script",
                g.median / p.median if p.median else None,
                ratio_label="x plain Polars",
                note=f"Glacier {g.fmt(1)}; pydantic floor {_diff(f, p).median:.1f} {unit}",
            )
        )
        figures.append(
            Figure(
                "startup",
                f"2-task local pipeline, {label}: Glacier over Polars + pydantic floor",
                over_floor,
                f,
                "Polars + pydantic import + one model",
                g.median / f.median if f.median else None,
                ratio_label="x floor",
                target=f"adds <= {target:g} {unit}" if target is not None else "",
                met=(over_floor.median <= target) if target is not None else None,
            )
        )
    plain = _stat(pol, "total_ms")
    for key, label in (
        ("import_ms", "`from glacier import Provider, pipeline, task` (after polars)"),
        ("setup_ms", "`Provider.from_env()` + 2 buckets + pipeline definition"),
        ("first_run_ms", "first `run()` (lazy imports, adapters, first writes)"),
    ):
        phase = _stat(gla, key)
        figures.append(
            Figure(
                "startup",
                f"2-task local pipeline, phase: {label}",
                phase,
                plain,
                "plain Polars script, whole",
                phase.median / plain.median if plain.median else None,
                ratio_label="x plain Polars script",
            )
        )
    warm, warm_plain = _stat(gla, "warm_overhead_ms"), _stat(gla, "warm_plain_ms")
    figures.append(
        Figure(
            "startup",
            "2-task local pipeline, Glacier cost per warm run (run() minus the same Polars "
            "calls, same process)",
            warm,
            warm_plain,
            "the same Polars calls",
            _stat(gla, "warm_run_ms").median / warm_plain.median if warm_plain.median else None,
            ratio_label="run() / Polars calls",
            target="<= 5 ms",
            met=warm.median <= 5.0,
        )
    )
    if results.get("glacier_before"):
        old = results["glacier_before"]
        for key, label, unit in (
            ("total_ms", "time in script", "ms"),
            ("cpu_ms", "process CPU time until done", "ms"),
            ("maxrss_mb", "peak RSS", "MiB"),
        ):
            b, f = _stat(old, key, unit), _stat(pyd, key, unit)
            figures.append(
                Figure(
                    "startup",
                    f"2-task local pipeline, {label}: BEFORE over Polars + pydantic floor",
                    _diff(b, f),
                    f,
                    "Polars + pydantic import + one model",
                    b.median / f.median if f.median else None,
                    ratio_label="x floor",
                )
            )
    extra = {"glacier_modules": gla[0]["glacier_modules"] if gla else []}
    return figures, extra


def run(cfg: dict[str, Any]) -> tuple[list[Figure], dict[str, Any]]:
    return summarize(measure(cfg["repeats"]))


if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps(_child(sys.argv[1], Path(sys.argv[2]))))
    else:  # pragma: no cover - manual use: python -m benchmarks.fixed_cost [REPEATS]
        figs, extra = summarize(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
        for fig in figs:
            met = "" if fig.met is None else f"  met={fig.met}"
            print(f"{fig.name}: {fig.value.fmt(1)}{met}")
        print(f"glacier modules loaded: {len(extra['glacier_modules'])}")
