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


@dataclass
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

    def downstream(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {n: [] for n in self.nodes}
        for node in self.nodes.values():
            for up in node.upstream:
                out[up].append(node.id)
        return out

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


def substitute(value: Any, outputs: dict[str, Any]) -> Any:
    """Replace TaskOutput placeholders (also nested) with real outputs."""
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

    def add_call(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> TaskOutput:
        try:
            task.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise PipelineDefinitionError(
                f"Task {task.name!r} was called with bad arguments in pipeline "
                f"{self.pipeline_name!r}: {exc}. Its signature is {task.name}{task.signature}."
            ) from None
        from glacier.dag.task import Task as TaskCls

        for leaf in _walk((args, kwargs)):
            if isinstance(leaf, TaskCls):
                raise PipelineDefinitionError(
                    f"Task {task.name!r} was passed the task {leaf.name!r} itself as an "
                    f"argument; call it to pass its output: {task.name}({leaf.name}(...))."
                )
        count = self._calls.get(task.name, 0) + 1
        self._calls[task.name] = count
        node_id = task.name if count == 1 else f"{task.name}#{count}"
        inputs = list(
            dict.fromkeys(v.node_id for v in _walk((args, kwargs)) if isinstance(v, TaskOutput))
        )
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
        sorter = graphlib.TopologicalSorter({n.id: n.upstream for n in self.nodes.values()})
        try:
            order = list(sorter.static_order())
        except graphlib.CycleError as exc:
            cycle = " -> ".join(exc.args[1])
            raise PipelineDefinitionError(
                f"Pipeline {self.pipeline_name!r} has a dependency cycle: {cycle}. "
                "Check the depends_on lists of these tasks."
            ) from None
        if not self.nodes:
            raise PipelineDefinitionError(
                f"Pipeline {self.pipeline_name!r} calls no task: call @task functions in it."
            )
        return PipelineGraph(self.pipeline_name, dict(self.nodes), order)


current_builder: ContextVar[GraphBuilder | None] = ContextVar("glacier_builder", default=None)
