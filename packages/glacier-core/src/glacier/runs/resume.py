"""``glacier run --resume RUN_ID``: rerun only what did not succeed in an earlier run.

The rule: a task reruns when it failed, timed out, was cancelled or did not run in the
earlier run, or is missing from its record. A task that succeeded is skipped, unless a task
that reruns takes its *return value* as an argument: return values live in memory only, so
that task reruns too (and so on upstream). Tasks that hand data over through buckets (the
downstream task reads a bucket the upstream one wrote, ordered by ``depends_on``) are
skipped: their outputs are still in the bucket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glacier.dag.graph import Node, PipelineGraph
from glacier.errors import ConfigError
from glacier.runs.record import SKIPPED, SUCCEEDED, RunRecord, TaskRecord
from glacier.schedule.params import kind_of

if TYPE_CHECKING:
    from glacier.dag.pipeline import Pipeline
    from glacier.dag.progress import Progress
    from glacier.dag.result import RunResult
    from glacier.runs.store import RunStore

_DONE = (SUCCEEDED, SKIPPED)


def params_of(pipeline: Pipeline, record: RunRecord) -> dict[str, Any]:
    """The earlier run's parameters as Python values again (by the annotations, with the
    same conversion as ``glacier run -p``)."""
    out: dict[str, Any] = {}
    for name, value in record.params.items():
        if kind_of(pipeline.fn, name) == "bucket":
            raise ConfigError(
                f"Run {record.run_id}: parameter {name!r} was a bucket ({value}); resume "
                "cannot rebuild it. Start a new run instead."
            )
        out[name] = pipeline.params.convert(name, value, text=True)
    return out


def plan_resume(graph: PipelineGraph, earlier: RunRecord) -> tuple[list[str], list[str]]:
    """(tasks to rerun, tasks to skip), each in DAG order."""
    rerun = {
        nid
        for nid in graph.order
        if nid not in earlier.tasks or earlier.tasks[nid].status not in _DONE
    }
    stack = list(rerun)
    while stack:  # return values are in memory only: producers of needed ones rerun
        for up in graph.nodes[stack.pop()].inputs:
            if up not in rerun:
                rerun.add(up)
                stack.append(up)
    order = graph.order
    return [n for n in order if n in rerun], [n for n in order if n not in rerun]


def subgraph(graph: PipelineGraph, keep: list[str]) -> PipelineGraph:
    """The DAG restricted to ``keep`` (edges to skipped tasks dropped: by construction they
    are ``depends_on`` ordering edges, never data)."""
    kept = set(keep)
    nodes = {}
    for nid in keep:
        node = graph.nodes[nid]
        nodes[nid] = Node(
            node.id,
            node.task,
            node.args,
            node.kwargs,
            list(node.inputs),
            [u for u in node.upstream if u in kept],
        )
    return PipelineGraph(graph.name, nodes, list(keep))


def resume(
    pipeline: Pipeline,
    run_id: str,
    *,
    store: RunStore | None = None,
    max_workers: int | None = None,
    progress: Progress | None = None,
) -> tuple[RunResult, list[str]]:
    """Rerun the failed and not-run tasks of run ``run_id``. Returns the result of the
    tasks that ran, and the names of the tasks skipped."""
    from glacier.dag.result import RunResult
    from glacier.dag.runtime import Runner
    from glacier.runs.recorder import Launch, Recording, launching, store_for

    store = store or store_for(pipeline)
    earlier = store.find(run_id, pipeline.name)
    params = params_of(pipeline, earlier)
    graph = pipeline.build(**params)
    rerun, skip = plan_resume(graph, earlier)
    if not rerun:
        return RunResult(str(pipeline.name), {}), skip
    skipped = {}
    for nid in skip:
        before = earlier.tasks[nid]
        skipped[nid] = TaskRecord(
            status=SKIPPED,
            attempts=0,
            rows_written=before.rows_written,
            uris_written=list(before.uris_written),
            executor=before.executor,
            job_id=before.job_id,
            run_url=before.run_url,
            reason=before.reason
            if before.status == SKIPPED and before.reason
            else f"succeeded in run {run_id}",
        )
    launch = Launch(
        trigger={"kind": "manual", "resume": True},
        resumed_from=run_id,
        skipped=skipped,
        order=list(graph.order),
    )
    sub = subgraph(graph, rerun)
    with launching(launch), Recording(pipeline, params) as recording:
        observer = recording.observe(sub, progress)
        result = recording.finish(Runner(sub, max_workers=max_workers, progress=observer).run())
    return result, skip
