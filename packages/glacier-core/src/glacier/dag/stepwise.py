"""Run ONE task of a pipeline in this process, with its upstream outputs from a per-run
staging prefix: the unit an engine's own job runs when it orchestrates the DAG (a Databricks
Job whose tasks follow the DAG, ``glacier run ENTRY --task NAME --run-key KEY``).

Every task of a run keyed ``KEY`` writes its return value to its executor's staging bucket::

    <staging>/_glacier/jobs/dag-runs/<KEY>/<task key>/frame.parquet   (a polars frame)
    <staging>/_glacier/jobs/dag-runs/<KEY>/<task key>/value.parquet   (anything else, JSON)

the same serialisation a task shipped as a job uses (:mod:`glacier.jobs.runner`, read back as
in :mod:`glacier.dag.remote`: a frame becomes a ``LazyFrame`` scan). The prefix sits under
the executor's ``_glacier/jobs/`` so the grants an executor already has on its staging cover
it; a downstream task on another executor is granted read on it at compile time.

Before anything runs, the task's name, the run key and every upstream output are checked:
an unknown task, a bad key or a missing upstream output (the upstream task has not run in
this run, or failed) is a clear error and the task is not called.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from glacier.dag.context import TaskContext, current_task
from glacier.dag.execute import check_lazy_output
from glacier.dag.graph import Node, PipelineGraph, substitute
from glacier.errors import ConfigError, MissingTaskOutputError, PipelineDefinitionError

if TYPE_CHECKING:
    from glacier.jobs.spec import BucketSpec
    from glacier.provider import Provider

#: Folder of per-run task outputs under an executor's job staging prefix.
RUNS_FOLDER = "dag-runs"
#: What a run key may be: an engine's run id, a timestamp, a UUID.
_RUN_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def task_key(node_id: str) -> str:
    """The key of a task call in engine jobs and staging paths: the node id with ``#``
    (the n-th call of a task, ``clean#2``) as ``-`` (Databricks task keys allow
    ``[A-Za-z0-9_-]``)."""
    return node_id.replace("#", "-")


def check_run_key(run_key: str) -> str:
    """``run_key`` when it is safe as one path segment; else a ConfigError."""
    if not _RUN_KEY.match(run_key):
        raise ConfigError(
            f"--run-key {run_key!r} is not a valid run key: use 1-128 letters, digits, '.', "
            "'_' or '-' (e.g. the engine's run id, {{job.run_id}} on Databricks)."
        )
    return run_key


def find_node(graph: PipelineGraph, name: str) -> Node:
    """The task call ``name`` (a node id such as ``clean#2``, or its task key)."""
    if name in graph.nodes:
        return graph.nodes[name]
    for node_id, node in graph.nodes.items():
        if task_key(node_id) == name:
            return node
    known = ", ".join(graph.order)
    raise PipelineDefinitionError(
        f"Pipeline {graph.name!r} has no task {name!r}; its tasks: {known}. (--task takes a "
        "task name as the DAG shows it, e.g. `glacier graph FILE`.)"
    )


@dataclass(frozen=True)
class Location:
    """Where one task's output of one run goes: a staging prefix and the provider that
    opens it with the credentials of the executor's config."""

    spec: BucketSpec
    provider: Provider | None

    def child(self, name: str) -> Any:
        return self.spec.child(name).open(self.provider)

    @property
    def uri(self) -> str:
        return str(self.spec.open(self.provider).get_uri())


def output_location(node: Node, run_key: str) -> Location:
    """The staging prefix of ``node``'s output in run ``run_key``: its executor's staging
    (deployment record, else ``config.staging_bucket``; see
    :func:`glacier.jobs.staging.staging_prefix`)."""
    from glacier.jobs.staging import staging_prefix

    executor = node.task.executor
    if executor is None:
        raise ConfigError(
            f"Task {node.id!r} has no executor: a task run on its own (--task) passes its "
            "output to the next tasks through its executor's staging bucket. Give the task "
            "executor=..., or run the whole pipeline (glacier run FILE)."
        )
    adapter = executor._get_adapter()
    spec = staging_prefix(adapter, f"{RUNS_FOLDER}/{check_run_key(run_key)}/{task_key(node.id)}")
    return Location(spec, spec.owned_by(adapter.provider))


def read_output(node: Node, run_key: str) -> Any:
    """``node``'s output in run ``run_key``; :class:`MissingTaskOutputError` when it has
    none (the task has not run in this run, or it failed)."""
    from glacier.jobs.runner import FRAME_RESULT, VALUE_RESULT

    where = output_location(node, run_key)
    frame = where.child(FRAME_RESULT)
    if frame.exists():
        return frame.scan()
    value = where.child(VALUE_RESULT)
    if value.exists():
        return json.loads(value.read()["json"][0])
    raise MissingTaskOutputError(
        f"Upstream task {node.id!r} has no output in run {run_key!r} (looked in "
        f"{where.uri}): it has not run in this run, or it failed. Run it first "
        f"(--task {task_key(node.id)} --run-key {run_key}), or repair the run from there."
    )


def write_output(where: Location, value: Any) -> str:
    """Store a task's return value (frame as Parquet, else JSON); returns the object URI."""
    import polars as pl

    from glacier.jobs.runner import FRAME_RESULT, VALUE_RESULT

    if isinstance(value, pl.DataFrame | pl.LazyFrame):
        target = where.child(FRAME_RESULT)
        target.write(value)
    else:
        target = where.child(VALUE_RESULT)
        target.write(pl.DataFrame({"json": [json.dumps(value, default=str)]}))
    return str(target.get_uri())


@dataclass(frozen=True)
class StepResult:
    """What one task run wrote: its output object and the buckets it wrote itself."""

    task: str
    run_key: str
    output_uri: str
    uris_written: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One task call, checked and ready: its output location and its upstream outputs."""

    node: Node
    run_key: str
    own: Location
    outputs: dict[str, Any]

    def run(self) -> StepResult:
        """Call the task once (retries and timeouts are the orchestrating engine's: a
        Databricks task's ``max_retries`` / ``timeout_seconds``) and store its output."""
        node = self.node
        args = substitute(node.args, self.outputs)
        kwargs = substitute(node.kwargs, self.outputs) if node.kwargs else {}
        ctx = TaskContext(node.id)
        token = current_task.set(ctx)
        try:
            out = node.task.fn(*args, **kwargs)
        finally:
            current_task.reset(token)
        check_lazy_output(node, out)
        uri = write_output(self.own, out)
        return StepResult(node.id, self.run_key, uri, tuple(w.uri for w in ctx.writes))


def prepare_task(graph: PipelineGraph, name: str, run_key: str) -> Step:
    """Check task ``name`` of ``graph`` can run as one step of run ``run_key``: the task
    exists, the key is valid, its output location resolves and every upstream task's output
    (inputs and ``depends_on``) exists in the run. Nothing is written or called."""
    node = find_node(graph, name)
    check_run_key(run_key)
    own = output_location(node, run_key)
    outputs = {up: read_output(graph.nodes[up], run_key) for up in node.upstream}
    return Step(node, run_key, own, outputs)


def run_task(graph: PipelineGraph, name: str, run_key: str) -> StepResult:
    """Run task ``name`` of ``graph`` in this process, as one step of run ``run_key``
    (:func:`prepare_task`, then :meth:`Step.run`)."""
    return prepare_task(graph, name, run_key).run()
