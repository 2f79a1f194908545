"""The DAG a pipeline function builds: nodes (task calls), edges, validation, rendering."""

from __future__ import annotations

import graphlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glacier.errors import PipelineDefinitionError

if TYPE_CHECKING:
    from glacier.dag.task import Task
    from glacier.resources.base import Resource


class TaskOutput:
    """Placeholder for a task's output while the DAG is built; becomes the real value when
    the pipeline runs."""

    __slots__ = ("node_id",)

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id

    def __repr__(self) -> str:
        return f"<output of task {self.node_id}>"

    def __getattr__(self, attr: str) -> Any:
        raise PipelineDefinitionError(
            f"The output of task {self.node_id!r} only exists when the pipeline runs, so "
            f"'.{attr}' cannot be used in the pipeline function. Move that code into a @task "
            "and pass the output to it."
        )

    def __bool__(self) -> bool:
        raise PipelineDefinitionError(
            f"The output of task {self.node_id!r} cannot be tested with if/while in the "
            "pipeline function (it does not exist yet). Branch inside a @task instead."
        )

    def __iter__(self) -> Iterator[Any]:
        raise PipelineDefinitionError(
            f"The output of task {self.node_id!r} cannot be unpacked or iterated in the "
            "pipeline function. Return one value, or iterate inside a @task."
        )


@dataclass(slots=True)
class Node:
    """One call of a task in the pipeline."""

    id: str
    task: Task
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    #: Nodes whose outputs this call receives.
    inputs: list[str] = field(default_factory=list)
    #: Every node this one waits for (inputs and ``depends_on``).
    upstream: list[str] = field(default_factory=list)

    def resources(self) -> list[Resource]:
        """Resources passed to this call (buckets, functions, ...), in argument order."""
        from glacier.resources.base import Resource

        return [v for v in _walk((self.args, self.kwargs)) if isinstance(v, Resource)]


@dataclass
class PipelineGraph:
    """The validated DAG of one pipeline."""

    name: str
    nodes: dict[str, Node]
    order: list[str]
    #: Node id -> ids of the nodes waiting for it (computed once by :meth:`downstream`).
    _downstream: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)

    def downstream(self) -> dict[str, list[str]]:
        """Node id -> the nodes that list it upstream, in call order. Cached: treat as
        read-only."""
        if self._downstream is None:
            out: dict[str, list[str]] = {n: [] for n in self.nodes}
            for node in self.nodes.values():
                for up in node.upstream:
                    out[up].append(node.id)
            self._downstream = out
        return self._downstream

    def resources(self) -> list[Resource]:
        """Every resource the pipeline uses: arguments of calls and task executors."""
        seen: dict[int, Resource] = {}
        for node_id in self.order:
            node = self.nodes[node_id]
            for res in node.resources():
                seen.setdefault(id(res), res)
            if node.task.executor is not None:
                seen.setdefault(id(node.task.executor), node.task.executor)
        return list(seen.values())


def _walk(value: Any) -> Iterator[Any]:
    """Yield every leaf inside nested lists/tuples/sets/dicts."""
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    else:
        yield value


_CONTAINERS = (list, tuple, set, frozenset, dict)


def _scan(value: Any, found: list[str], task_cls: type[Task]) -> None:
    """Collect the ids of TaskOutput placeholders nested in ``value`` (in order), and reject
    Task objects passed where their output was meant. A plain loop, not a generator: this
    runs once per task call while a DAG is built."""
    for item in value.values() if isinstance(value, dict) else value:
        kind = type(item)
        if kind is TaskOutput:
            found.append(item.node_id)
        elif kind in _CONTAINERS or isinstance(item, _CONTAINERS):
            _scan(item, found, task_cls)
        elif isinstance(item, task_cls):
            raise _TaskPassed(item)


class _TaskPassed(Exception):
    def __init__(self, task: Task) -> None:
        self.task = task


def substitute(value: Any, outputs: dict[str, Any]) -> Any:
    """Replace TaskOutput placeholders (also nested) with real outputs."""
    kind = type(value)
    if kind is TaskOutput:
        return outputs[value.node_id]
    if kind is tuple:
        return tuple([substitute(v, outputs) for v in value])
    if kind is list:
        return [substitute(v, outputs) for v in value]
    if kind is dict:
        return {k: substitute(v, outputs) for k, v in value.items()}
    if isinstance(value, TaskOutput):
        return outputs[value.node_id]
    if isinstance(value, list):
        return [substitute(v, outputs) for v in value]
    if isinstance(value, tuple):
        return tuple(substitute(v, outputs) for v in value)
    if isinstance(value, dict):
        return {k: substitute(v, outputs) for k, v in value.items()}
    return value


class GraphBuilder:
    """Collects task calls while a pipeline function runs."""

    def __init__(self, pipeline_name: str) -> None:
        self.pipeline_name = pipeline_name
        self.nodes: dict[str, Node] = {}
        self._calls: dict[str, int] = {}
        from glacier.dag.task import Task

        self._task_cls = Task

    def add_call(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> TaskOutput:
        if not task.accepts(args, kwargs):
            try:
                task.signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise PipelineDefinitionError(
                    f"Task {task.name!r} was called with bad arguments in pipeline "
                    f"{self.pipeline_name!r}: {exc}. Its signature is {task.name}{task.signature}."
                ) from None
        found: list[str] = []
        try:
            _scan(args, found, self._task_cls)
            if kwargs:
                _scan(kwargs, found, self._task_cls)
        except _TaskPassed as passed:
            leaf = passed.task
            raise PipelineDefinitionError(
                f"Task {task.name!r} was passed the task {leaf.name!r} itself as an "
                f"argument; call it to pass its output: {task.name}({leaf.name}(...))."
            ) from None
        name = task.name
        count = self._calls.get(name, 0) + 1
        self._calls[name] = count
        node_id = name if count == 1 else f"{name}#{count}"
        inputs = list(dict.fromkeys(found)) if len(found) > 1 else found
        self.nodes[node_id] = Node(node_id, task, args, kwargs, inputs, list(inputs))
        return TaskOutput(node_id)

    def finish(self) -> PipelineGraph:
        by_task: dict[int, list[str]] = {}
        for node in self.nodes.values():
            by_task.setdefault(id(node.task), []).append(node.id)
        for node in self.nodes.values():
            for dep in node.task.depends_on:
                dep_nodes = by_task.get(id(dep))
                if not dep_nodes:
                    raise PipelineDefinitionError(
                        f"Task {node.task.name!r} depends_on {dep.name!r}, but pipeline "
                        f"{self.pipeline_name!r} never calls {dep.name!r}. Call {dep.name}(...) "
                        f"in the pipeline, or remove it from {node.task.name!r}'s depends_on."
                    )
                for d in dep_nodes:
                    if d != node.id and d not in node.upstream:
                        node.upstream.append(d)
        if not self.nodes:
            raise PipelineDefinitionError(
                f"Pipeline {self.pipeline_name!r} calls no task: call @task functions in it."
            )
        order, downstream = _topological_order(self.nodes)
        if len(order) < len(self.nodes):
            sorter = graphlib.TopologicalSorter({n.id: n.upstream for n in self.nodes.values()})
            try:
                sorter.prepare()
            except graphlib.CycleError as exc:
                cycle = " -> ".join(exc.args[1])
                raise PipelineDefinitionError(
                    f"Pipeline {self.pipeline_name!r} has a dependency cycle: {cycle}. "
                    "Check the depends_on lists of these tasks."
                ) from None
            raise AssertionError("cycle not found by graphlib")  # pragma: no cover
        return PipelineGraph(self.pipeline_name, dict(self.nodes), order, downstream)


def _topological_order(nodes: dict[str, Node]) -> tuple[list[str], dict[str, list[str]]]:
    """Kahn's algorithm in one linear pass; the order is exactly
    ``graphlib.TopologicalSorter(...).static_order()`` (same tie-breaking), without its
    per-node bookkeeping objects. Also returns node -> downstream nodes. A cycle shows as an
    order shorter than ``nodes``."""
    seen: dict[str, None] = {}
    downstream: dict[str, list[str]] = {nid: [] for nid in nodes}
    waiting: dict[str, int] = {}
    for nid, node in nodes.items():
        seen[nid] = None
        waiting[nid] = len(node.upstream)
        for up in node.upstream:
            seen[up] = None
            downstream[up].append(nid)
    ready = [nid for nid in seen if waiting[nid] == 0]
    order: list[str] = []
    while ready:
        order += ready
        group, ready = ready, []
        for nid in group:
            for child in downstream[nid]:
                left = waiting[child] - 1
                waiting[child] = left
                if left == 0:
                    ready.append(child)
    return order, downstream


current_builder: ContextVar[GraphBuilder | None] = ContextVar("glacier_builder", default=None)
