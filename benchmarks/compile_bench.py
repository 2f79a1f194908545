"""Section 6: compile + export of pipelines with N buckets and N tasks (AWS target).

Pipeline shape: task ``copy_i`` reads bucket ``src-i`` and writes bucket ``dst-i`` ... in a
chain, so N tasks and N buckets. Timed: ``pipeline.compile(PulumiCompiler())`` +
``infra.export_pulumi(dir)``. Linear scaling means constant time per resource; the ratio
reported is per-resource time at N relative to the smallest N. If the compiler is not
available (being written), the section reports "not available" and why.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Figure, Stat, ratio_of


def _pipeline(n: int) -> Any:
    from glacier import Provider, pipeline, task
    from glacier.config import AwsConfig

    provider = Provider(config=AwsConfig(region="us-east-1"))
    buckets = [provider.bucket(f"bench-bucket-{i:05d}", path="data/") for i in range(n)]

    def copy(source, destination, after=None):  # type: ignore[no-untyped-def]
        destination.write(source.scan())

    step = task(copy, name="copy")

    @pipeline(name=f"compile_{n}")
    def big():  # type: ignore[no-untyped-def]
        prev = None
        for i in range(n):
            prev = step(buckets[i], buckets[(i + 1) % n], prev)

    return big


def available() -> str | None:
    """None when the compiler can be used, else why not."""
    try:
        from glacier.compiler import PulumiCompiler  # noqa: F401

        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def run(cfg: dict[str, Any]) -> tuple[list[Figure], dict[str, Any]]:
    why = available()
    if why is not None:
        return [
            Figure(
                "compile",
                "compile + export",
                Stat(0, 0, 0, 0, "s"),
                note=f"not available: {why}",
                met=None,
            )
        ], {}
    from glacier.compiler import PulumiCompiler

    sizes = cfg["sizes"]
    per_resource: dict[int, Stat] = {}
    totals: dict[int, Stat] = {}
    failures: list[Figure] = []
    for n in sizes:
        pipe = _pipeline(n)
        times: list[float] = []
        try:
            for _ in range(cfg["repeats"] if n < 10_000 else max(1, cfg["repeats"] // 3)):
                with tempfile.TemporaryDirectory() as tmp:
                    t0 = time.perf_counter()
                    infra = pipe.compile(PulumiCompiler())
                    infra.export_pulumi(Path(tmp) / "infra")
                    times.append(time.perf_counter() - t0)
        except Exception as exc:
            failures.append(
                Figure(
                    "compile",
                    f"compile + export of {n} buckets + {n} tasks",
                    Stat(0, 0, 0, 0, "s"),
                    note=f"failed: {type(exc).__name__}: {exc}"[:300],
                )
            )
            continue
        totals[n] = Stat.of(times, "s")
        per_resource[n] = totals[n].scaled(1e3 / (2 * n), "ms/resource")
    figures: list[Figure] = []
    smallest = min(per_resource) if per_resource else None
    for n, stat in per_resource.items():
        base = per_resource[smallest] if smallest is not None else None
        ratio = ratio_of(stat, base)
        is_1000 = n == 1000
        figures.append(
            Figure(
                "compile",
                f"compile + export of {n} buckets + {n} tasks",
                totals[n],
                totals[smallest] if smallest is not None else None,
                f"{smallest} buckets + {smallest} tasks",
                ratio,
                ratio_label="per-resource time vs smallest N",
                target="1000 resources < 1 s; linear" if is_1000 else "linear (ratio ~1)",
                met=(totals[n].median < 1.0) if is_1000 else None,
                extra={"ms_per_resource": stat.median},
            )
        )
    series = {"n": list(per_resource), "total_s": [totals[n].median for n in per_resource]}
    return figures + failures, series
