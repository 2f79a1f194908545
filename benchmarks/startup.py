"""Section 5: start-up cost. Every variant runs in a fresh interpreter, interleaved, with
bytecode cached as users run it (``PYTHONPYCACHEPREFIX``; the first round only fills it).

Figures (milliseconds measured inside the child, so interpreter start-up is excluded):
``import glacier`` and ``from glacier import Provider, pipeline, task`` after ``import
polars``, the first ``Provider.from_env()`` (plugin discovery via entry points + config
models), and the wall time of the ``glacier --help`` process. Then the fixed cost of a tiny
pipeline over plain Polars (:mod:`benchmarks.fixed_cost`), which carries the targets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import fixed_cost
from benchmarks.common import PYTHON, ROOT, Figure, Stat, ratio_of

_CHILD = """
import json, time
t0 = time.perf_counter()
import polars
t1 = time.perf_counter()
{stmt}
t2 = time.perf_counter()
extra = {{}}
{after}
print(json.dumps({{"polars_ms": (t1 - t0) * 1e3, "stmt_ms": (t2 - t1) * 1e3, **extra}}))
"""

VARIANTS = {
    "import glacier": ("import glacier", ""),
    "from glacier import pipeline, task": ("from glacier import pipeline, task", ""),
    "from glacier import Provider, pipeline, task": (
        "from glacier import Provider, pipeline, task",
        "t3 = time.perf_counter()\n"
        "p = Provider.from_env()\n"
        "t4 = time.perf_counter()\n"
        "from glacier.plugins.host import get_host\n"
        "plugins = sorted(get_host().registry().plugins)\n"
        "extra = {'from_env_ms': (t4 - t3) * 1e3, 'plugins': plugins}",
    ),
}

_CLOUD_VARS = (
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AZURE_RESOURCE_GROUP",
    "AZURE_STORAGE_ACCOUNT",
    "AZURE_STORAGE_CONNECTION_STRING",
    "GCP_PROJECT",
    "GOOGLE_CLOUD_PROJECT",
)


def _env(tmp: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CLOUD_VARS}
    env["GLACIER_LOCAL_BASE_PATH"] = tmp
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
    env["PYTHONDONTWRITEBYTECODE"] = ""  # empty = unset: cache bytecode, as users run
    env.setdefault("PYTHONPATH", str(ROOT))
    return env


def _child(code: str, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [PYTHON, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, capture_output=True, env=env, check=True, cwd=ROOT)
    return time.perf_counter() - t0


def import_profile(env: dict[str, str], top: int = 12) -> list[dict[str, Any]]:
    """Slowest modules (cumulative µs) under ``from glacier import Provider`` per -X importtime,
    excluding polars' own modules."""
    code = "import polars\nfrom glacier import Provider, pipeline, task\nProvider.from_env()"
    out = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    rows: list[dict[str, Any]] = []
    seen_polars = False
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:") :].split("|")
        try:
            self_us, cum_us = int(parts[0]), int(parts[1])
        except ValueError:
            continue
        name = parts[2].rstrip()
        if name.strip() == "polars":
            seen_polars = True
            continue
        if not seen_polars:
            continue
        rows.append(
            {
                "module": name.strip(),
                "depth": (len(name) - len(name.lstrip())) // 2,
                "self_ms": self_us / 1e3,
                "cumulative_ms": cum_us / 1e3,
            }
        )
    top_level = [r for r in rows if r["depth"] <= 1]
    return sorted(top_level, key=lambda r: -r["cumulative_ms"])[:top]


def run(cfg: dict[str, Any]) -> tuple[list[Figure], dict[str, Any]]:
    repeats = cfg["repeats"]
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(tmp)
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in VARIANTS}
        help_walls: list[float] = []
        bare_walls: list[float] = []
        glacier_cli = str(Path(PYTHON).parent / "glacier")
        help_cmd = (
            [glacier_cli, "--help"]
            if Path(glacier_cli).exists()
            else [PYTHON, "-m", "glacier", "--help"]
        )
        for i in range(repeats + 1):  # round 0 fills the bytecode cache
            for name, (stmt, after) in VARIANTS.items():
                res = _child(_CHILD.format(stmt=stmt, after=after), env)
                if i:
                    results[name].append(res)
            help_wall = _wall(help_cmd, env)
            bare_wall = _wall([PYTHON, "-c", "pass"], env)
            if i:
                help_walls.append(help_wall)
                bare_walls.append(bare_wall)
        profile = import_profile(env)
        fixed = fixed_cost.measure(repeats, env=fixed_cost.child_env(env["PYTHONPYCACHEPREFIX"]))
    polars_ms = Stat.of([r["polars_ms"] for rs in results.values() for r in rs], "ms")
    figures = []
    for name, rs in results.items():
        stat = Stat.of([r["stmt_ms"] for r in rs], "ms")
        # The Provider import pays pydantic (the configs' floor): its target is on the fixed
        # cost over that floor, below.
        targeted = name == "import glacier"
        figures.append(
            Figure(
                "startup",
                f"`{name}` after `import polars`",
                stat,
                polars_ms,
                "`import polars` alone",
                ratio_of(stat, polars_ms),
                ratio_label="x polars import",
                target="adds <= 30 ms" if targeted else "",
                met=(stat.median <= 30.0) if targeted else None,
            )
        )
    provider_runs = results["from glacier import Provider, pipeline, task"]
    from_env = Stat.of([r["from_env_ms"] for r in provider_runs], "ms")
    figures.append(
        Figure(
            "startup",
            "first `Provider.from_env()` (entry-point plugin loading, config models)",
            from_env,
            polars_ms,
            "`import polars` alone",
            ratio_of(from_env, polars_ms),
            ratio_label="x polars import",
            note="plugins loaded: " + ", ".join(provider_runs[0].get("plugins", [])),
        )
    )
    help_stat, bare = Stat.of(help_walls, "s"), Stat.of(bare_walls, "s")
    figures.append(
        Figure(
            "startup",
            "`glacier --help` process wall time",
            help_stat,
            bare,
            "`python -c pass` process",
            ratio_of(help_stat, bare),
            ratio_label="x bare interpreter",
            target="< 0.3 s",
            met=help_stat.median < 0.3,
        )
    )
    fixed_figures, fixed_extra = fixed_cost.summarize(fixed)
    figures += fixed_figures
    return figures, {"import_profile": profile, "fixed_cost": fixed_extra}


if __name__ == "__main__":  # pragma: no cover - manual use
    figs, extra = run({"repeats": 3})
    for f in figs:
        print(f.name, f.value.fmt(), f.met)
    print(json.dumps(extra, indent=1))
    sys.exit(0)
