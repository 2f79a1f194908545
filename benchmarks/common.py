"""Shared helpers: repeated timing, statistics, fresh-subprocess measurement, result records.

Every figure is a :class:`Figure`: the median and min/max of repeated measurements, the
baseline measured in the same run (same process or same session), their ratio, and the
target it is checked against. Nothing here asserts on time: the report states what was met.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass
class Stat:
    """Median, min and max of repeated measurements (in ``unit``)."""

    median: float
    min: float
    max: float
    n: int
    unit: str

    @classmethod
    def of(cls, values: Sequence[float], unit: str) -> Stat:
        if not values:
            raise ValueError("no measurements")
        return cls(statistics.median(values), min(values), max(values), len(values), unit)

    def scaled(self, factor: float, unit: str) -> Stat:
        """The same statistic with every value multiplied by ``factor``."""
        return Stat(self.median * factor, self.min * factor, self.max * factor, self.n, unit)

    def fmt(self, digits: int = 2) -> str:
        return (
            f"{self.median:.{digits}f} {self.unit} "
            f"[{self.min:.{digits}f}-{self.max:.{digits}f}, n={self.n}]"
        )


@dataclass
class Figure:
    """One measured figure, its same-run baseline, their ratio and the target."""

    section: str
    name: str
    value: Stat
    baseline: Stat | None = None
    baseline_name: str = ""
    #: ``value.median / baseline.median`` (or a section-specific ratio, see ``ratio_label``).
    ratio: float | None = None
    ratio_label: str = "ratio"
    #: Human-readable target, e.g. "ratio <= 1.05"; empty when informational.
    target: str = ""
    #: True/False when a target applies, None when informational.
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def ratio_of(value: Stat, baseline: Stat | None) -> float | None:
    if baseline is None or baseline.median == 0:
        return None
    return value.median / baseline.median


def repeat(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of ``fn()`` over ``repeats`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def interleaved(fns: dict[str, Callable[[], Any]], repeats: int, warmup: int = 1) -> dict:
    """Time several variants alternately (A B A B ...) so machine-load drift hits all of
    them alike. Returns name -> list of seconds."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    out: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            out[name].append(time.perf_counter() - t0)
    return out


@dataclass
class ChildResult:
    """What a measured subprocess reported, plus its peak RSS from the kernel."""

    wall: float
    maxrss_mb: float
    report: dict[str, Any]


def run_child(
    args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 900
) -> ChildResult:
    """Run ``python args...`` in a fresh process; return its wall time, its own peak RSS
    (``wait4`` rusage of exactly that child, in MiB) and the JSON object it printed last on
    stdout (if any)."""
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("PYTHONPATH", str(ROOT))
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
        cwd=ROOT,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    wall = time.perf_counter() - t0
    # communicate() reaped the child; its rusage is folded into RUSAGE_CHILDREN, so ask the
    # child to report its own ru_maxrss as well and prefer that (exact per child).
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {args} failed ({proc.returncode}):\n{err[-3000:]}")
    report: dict[str, Any] = {}
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            report = json.loads(line)
            break
    maxrss = float(report.get("maxrss_mb", 0.0))
    return ChildResult(wall, maxrss, report)


def self_maxrss_mb() -> float:
    """This process's peak resident set size in MiB (Linux reports KiB)."""
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / (1024 * 1024)


def machine_info() -> dict[str, Any]:
    """Where the figures were measured."""
    import polars as pl

    try:
        load = os.getloadavg()
    except OSError:  # pragma: no cover
        load = (0.0, 0.0, 0.0)
    mem_gb = None
    try:
        with open("/proc/meminfo") as f:
            mem_gb = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:  # pragma: no cover
        pass
    return {
        "python": platform.python_version(),
        "polars": pl.__version__,
        "polars_threads": pl.thread_pool_size(),
        "cpus": os.cpu_count(),
        "memory_gb": mem_gb,
        "platform": platform.platform(),
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def loadavg() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # pragma: no cover
        return 0.0
