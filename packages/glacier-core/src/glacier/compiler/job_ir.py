"""The pipeline as ONE job of an engine that orchestrates DAGs itself (a Databricks Job with
tasks and ``depends_on``), instead of the cloud driver running the DAG.

An engine emitter asks for it per executor (:meth:`EngineEmitter.orchestrates`, e.g.
``DatabricksConfig(orchestrate="job")``). :func:`build_job` then checks that the whole
pipeline can run that way, before anything is emitted:

- every task runs on an executor whose engine orchestrates (a task in the driver or on
  another engine is an error naming it), all of one engine and one provider;
- every such executor has a staging bucket (task outputs pass through
  ``<staging>/_glacier/jobs/dag-runs/<run key>/<task>/``, see :mod:`glacier.dag.stepwise`);
- no cloud driver is asked for explicitly and no serverless function (the driver is granted
  to invoke them, engine clusters are not).

The result, :class:`IRJob`, lists one :class:`IRJobTask` per task call with the keys of its
upstream tasks (the engine's native ``depends_on``), its retries and timeout, plus the
pipeline's schedule, bucket triggers and failure alerts (the engine's own scheduler, file
triggers and notifications; an engine emitter refuses what its engine cannot do), the
artifact upload (the executors' staging bucket) and which executors read another's staging
(granted at compile time). The compiler emits the artifact and calls the engine emitter's
:meth:`~glacier.compiler.emitter.EngineEmitter.job_resource`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glacier.compiler.deploy_ir import DriverConfig, IRAlarm, IRArtifact, IRSchedule, IRTrigger
from glacier.compiler.errors import CompilerError
from glacier.compiler.ir import IRCompute, IRGraph, IRProvider

if TYPE_CHECKING:
    from glacier.dag.graph import PipelineGraph


@dataclass(frozen=True)
class IRJobTask:
    """One task call as a task of the engine's job.

    ``key`` is the engine's task key and the ``--task`` argument (the node id, ``#`` as
    ``-``); ``depends_on`` the keys of every upstream call (inputs and ``depends_on``)."""

    key: str
    node_id: str
    executor: str
    depends_on: tuple[str, ...]
    retries: int = 0
    retry_delay: float = 0.0
    timeout: float | None = None


@dataclass
class IRJob:
    """The whole pipeline as one engine job (see the module docstring)."""

    name: str
    pipeline: str
    engine: str
    provider: IRProvider
    tasks: list[IRJobTask]
    artifact: IRArtifact
    #: Executor name -> its staging bucket (task outputs of a run are staged there).
    staging: dict[str, str]
    #: (reading executor, executor whose staging it reads): a task reads an upstream output
    #: staged by another executor in another bucket; granted read on its ``_glacier/jobs/``.
    staging_reads: list[tuple[str, str]] = field(default_factory=list)
    schedule: IRSchedule | None = None
    #: The pipeline's ``OnWrite`` triggers: the engine starts the job on new objects, or its
    #: emitter refuses them (:class:`~glacier.compiler.errors.UnsupportedFeatureError`).
    triggers: list[IRTrigger] = field(default_factory=list)
    alarms: list[IRAlarm] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)

    def executors(self) -> list[str]:
        """The executors running the job's tasks, sorted."""
        return sorted({t.executor for t in self.tasks})


def build_job(
    ir: IRGraph,
    graph: PipelineGraph,
    pipeline: Any,
    orchestrating: Mapping[str, str],
    driver: DriverConfig | bool | str | None,
    schedules: Sequence[IRSchedule],
    alarms: Sequence[IRAlarm],
    triggers: Sequence[IRTrigger] = (),
) -> IRJob | None:
    """The job of ``ir``, or None when no executor asks for one.

    ``orchestrating`` maps the executors whose engine emitter orchestrates to the engine's
    key (``{"etl": "databricks"}``); ``driver`` is the compiler's driver setting (an explicit
    driver conflicts with a job); ``schedules``/``alarms`` are the pipeline's."""
    if not orchestrating:
        return None
    from glacier.dag.stepwise import task_key

    asking = sorted(orchestrating)
    engines = sorted(set(orchestrating.values()))
    label = ", ".join(repr(n) for n in asking)
    if len(engines) > 1:
        raise CompilerError(
            f"Executors {label} of pipeline {ir.pipeline!r} ask to run it as one job of "
            f"several engines ({', '.join(engines)}); one job runs on one engine."
        )
    engine = engines[0]
    why = (
        f"executor {label} asks to run pipeline {ir.pipeline!r} as one {engine} job "
        "(orchestrate='job')"
    )
    fix = (
        f"Run it on a {engine} executor with orchestrate='job', or drop orchestrate='job' "
        "(the cloud driver then runs the DAG)."
    )
    executors = {e.name: e for e in ir.executors}
    for task in ir.tasks:
        if task.runs_on in orchestrating:
            continue
        where = _where(task.runs_on, executors, ir)
        raise CompilerError(f"The {why}, but task {task.node_id!r} runs {where}. {fix}")
    if driver is True or isinstance(driver, DriverConfig):
        raise CompilerError(
            f"The {why}, and the compiler was asked for a cloud driver too "
            "(PulumiCompiler(driver=...)): the job replaces the driver. Drop one of them."
        )
    if ir.functions:
        names = ", ".join(repr(f.name) for f in ir.functions)
        raise CompilerError(
            f"The {why}, but tasks call serverless functions ({names}): the cloud driver is "
            "granted to invoke them, the engine's clusters are not. Drop orchestrate='job', or "
            "do that work in a task."
        )
    used = [executors[name] for name in sorted({t.runs_on for t in ir.tasks if t.runs_on})]
    providers = sorted({e.provider.key for e in used})
    if len(providers) > 1:
        raise CompilerError(
            f"The {why}, but its tasks run on executors of several providers "
            f"({', '.join(providers)}); one job deploys through one provider."
        )
    staging = _staging(used, engine)
    keys = _task_keys(graph, task_key)
    tasks: list[IRJobTask] = []
    reads: set[tuple[str, str]] = set()
    for node_id in graph.order:
        node = graph.nodes[node_id]
        executor = node.task.executor
        assert executor is not None  # checked above: every task runs on an executor
        for up in node.upstream:
            producer = graph.nodes[up].task.executor
            assert producer is not None
            if staging[producer.name] != staging[executor.name]:
                reads.add((executor.name, producer.name))
        tasks.append(
            IRJobTask(
                key=keys[node_id],
                node_id=node_id,
                executor=executor.name,
                depends_on=tuple(keys[up] for up in node.upstream),
                retries=node.task.retries,
                retry_delay=node.task.retry_delay,
                timeout=node.task.timeout,
            )
        )
    provider = used[0].provider
    return IRJob(
        name=f"{ir.pipeline}-job",
        pipeline=ir.pipeline,
        engine=engine,
        provider=provider,
        tasks=tasks,
        artifact=IRArtifact(provider, staging[used[0].name]),
        staging=staging,
        staging_reads=sorted(reads),
        schedule=schedules[0] if schedules else None,
        triggers=list(triggers),
        alarms=list(alarms),
        tags=dict(used[0].tags),
    )


def _where(runs_on: str | None, executors: Mapping[str, IRCompute], ir: IRGraph) -> str:
    if runs_on is None:
        return "in the driver (no executor)"
    if runs_on in executors:
        engine = getattr(type(executors[runs_on].config), "engine", "") or "another"
        return f"on executor {runs_on!r} ({engine} engine, not orchestrating)"
    return f"on function {runs_on!r}"


def _staging(used: Sequence[IRCompute], engine: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for executor in used:
        bucket = getattr(executor.config, "staging_bucket", None)
        if not bucket:
            raise CompilerError(
                f"Executor {executor.name!r} runs tasks of a {engine} job (orchestrate='job'), "
                "whose tasks pass their outputs through the executor's staging bucket: set "
                f"{type(executor.config).__name__}(staging_bucket=...) to a bucket of its "
                "provider (created when the program does not define it)."
            )
        out[executor.name] = bucket
    return out


def _task_keys(graph: PipelineGraph, task_key: Any) -> dict[str, str]:
    keys: dict[str, str] = {}
    seen: dict[str, str] = {}
    for node_id in graph.order:
        key = task_key(node_id)
        if key in seen:
            raise CompilerError(
                f"Tasks {seen[key]!r} and {node_id!r} of pipeline {graph.name!r} get the same "
                f"job task key {key!r}; rename one (@task(name=...))."
            )
        seen[key] = node_id
        keys[node_id] = key
    return keys
