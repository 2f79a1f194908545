"""Run the whole benchmark suite: ``python -m benchmarks [--smoke] [--out DIR]``.

Prints a table and writes ``results.json``, ``report.md`` and PNG charts to ``--out``
(default ``docs/benchmarks``). ``--smoke`` uses tiny sizes (seconds) for CI: same
sections, meaningless numbers. Targets are reported as met or not, never asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, Figure, loadavg, machine_info

SECTIONS = (
    "data_pipeline",
    "memory",
    "orchestration",
    "orchestration_peers",
    "concurrency",
    "startup",
    "compile",
    "storage_io",
)

FULL: dict[str, Any] = {
    "data": {"rows_small": 10_000_000, "rows_large": 40_000_000, "repeats": 5, "memory_repeats": 3},
    "orchestration": {
        "sizes": [10, 100, 1000, 10_000],
        "repeats": 15,
        "peer_max_n": 1000,
        "peer_repeats": 3,
    },
    "concurrency": {"io_tasks": 16, "io_wait": 0.5, "heavy_rows": 2_000_000, "repeats": 5},
    "startup": {"repeats": 15},
    "compile": {"sizes": [10, 100, 1000, 10_000], "repeats": 3},
}
SMOKE: dict[str, Any] = {
    "data": {"rows_small": 20_000, "rows_large": 80_000, "repeats": 1, "memory_repeats": 1},
    "orchestration": {"sizes": [10, 100], "repeats": 2, "peer_max_n": 10, "peer_repeats": 1},
    "concurrency": {"io_tasks": 16, "io_wait": 0.05, "heavy_rows": 50_000, "repeats": 1},
    "startup": {"repeats": 1},
    "compile": {"sizes": [10], "repeats": 1},
}


def _section(
    name: str, results: dict[str, Any], fn: Callable[[], Any], log: Callable[[str], None]
) -> Any:
    """Run one measurement step; a crash is recorded in the results, not fatal."""
    log(f"== {name} (load {loadavg()})")
    t0 = time.perf_counter()
    try:
        return fn()
    except Exception as exc:
        results["errors"][name] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-3000:]}"
        log(f"   {name} FAILED: {type(exc).__name__}: {exc}")
        return None
    finally:
        results["section_seconds"][name] = round(time.perf_counter() - t0, 2)


def run_suite(
    smoke: bool,
    out: Path,
    data_dir: Path | None,
    only: set[str] | None,
    reuse_storage: bool = False,
) -> dict:
    """Run the sections and write results.json, report.md and the charts into ``out``."""
    from benchmarks import (
        compile_bench,
        concurrency,
        data_pipeline,
        orchestration,
        peers,
        startup,
        storage,
    )
    from benchmarks import report as report_mod

    cfg = SMOKE if smoke else FULL
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "mode": "smoke" if smoke else "full",
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine_info(),
        "config": cfg,
        "figures": [],
        "series": {},
        "errors": {},
        "section_seconds": {},
        "peers_missing": peers.missing(),
    }

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def add(figs: list[Figure] | None) -> None:
        for fig in figs or []:
            results["figures"].append(fig.to_json())
            log(
                f"   {fig.name}: {fig.value.fmt()}"
                + (f"  ratio {fig.ratio:.3f}" if fig.ratio else "")
            )

    def want(*names: str) -> bool:
        return only is None or any(n in only for n in names)

    tmp_ctx = tempfile.TemporaryDirectory(prefix="glacier-bench-") if data_dir is None else None
    ddir = Path(tmp_ctx.name) if tmp_ctx else data_dir
    assert ddir is not None
    try:
        if want("data_pipeline", "memory"):
            add(
                _section(
                    "data_pipeline + memory",
                    results,
                    lambda: data_pipeline.run(cfg["data"], ddir),
                    log,
                )
            )
        if want("orchestration", "orchestration_peers"):
            got = _section(
                "orchestration", results, lambda: orchestration.run(cfg["orchestration"]), log
            )
            if got:
                add(got[0])
                results["series"]["orchestration"] = got[1]
        if want("concurrency"):
            add(_section("concurrency", results, lambda: concurrency.run(cfg["concurrency"]), log))
        if want("startup"):
            got = _section("startup", results, lambda: startup.run(cfg["startup"]), log)
            if got:
                add(got[0])
                results["series"]["startup"] = got[1]
        if want("compile"):
            got = _section("compile", results, lambda: compile_bench.run(cfg["compile"]), log)
            if got:
                add(got[0])
                results["series"]["compile"] = got[1]
        if want("storage_io"):
            got = _section(
                "storage_io", results, lambda: storage.run(smoke, out, reuse=reuse_storage), log
            )
            results["storage_io"] = got or {
                "status": "failed",
                "reason": results["errors"].get("storage_io", "?"),
            }
    finally:
        if tmp_ctx is not None:
            tmp_ctx.cleanup()
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    results["machine"]["loadavg_at_end"] = loadavg()
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    report_mod.write(results, out)
    print(report_mod.table(results))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI (seconds)")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default docs/benchmarks)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where generated data goes (default: a temp dir)",
    )
    parser.add_argument("--only", action="append", choices=SECTIONS, help="run only these sections")
    parser.add_argument(
        "--reuse-storage-json",
        action="store_true",
        help="include the existing docs/benchmarks/storage_io.json instead of re-running "
        "benchmarks/storage_io.py (which takes many minutes at full size)",
    )
    args = parser.parse_args(argv)
    out = args.out or ROOT / "docs" / "benchmarks"
    run_suite(
        args.smoke,
        out,
        args.data_dir,
        set(args.only) if args.only else None,
        args.reuse_storage_json,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
