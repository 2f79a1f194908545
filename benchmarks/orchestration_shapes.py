"""DAG shapes by name, shared by the Glacier, graphlib and peer variants."""

from __future__ import annotations


def upstream_names(shape: str, n: int) -> dict[str, list[str]]:
    """Task name ``t{i}`` -> names of its upstream tasks, for a chain or a fan-out/fan-in."""
    if shape == "chain":
        return {"t0": [], **{f"t{i}": [f"t{i - 1}"] for i in range(1, n)}}
    mids = [f"t{i}" for i in range(1, n - 1)]
    return {"t0": [], **{m: ["t0"] for m in mids}, f"t{n - 1}": mids}
