"""Render a PipelineGraph as Mermaid or Graphviz dot text.

What is drawn:

* tasks (boxes); tasks on an executor are grouped in a box named after the executor and its
  config (``executor etl (GlueConfig)``);
* buckets (cylinders), with the direction of access: ``bucket -> task`` for a read,
  ``task -> bucket`` for a write, an undirected dotted line when the task gets the bucket but
  the access cannot be told from its code. Access comes from the compiler's static analysis
  of the task body (:mod:`glacier.dag.access`), so buckets used as module globals show
  up too;
* serverless functions (hexagons) passed to a task, with an ``invokes`` edge;
* task -> task edges: solid for data (an output passed on), dashed for ``depends_on`` only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from glacier.dag.graph import Node, PipelineGraph
from glacier.resources.bucket import Bucket
from glacier.resources.executor import Executor
from glacier.resources.serverless import Serverless

#: Edge kinds: data, order (depends_on), read, write, uses (bucket, access unknown), invokes.
_Edge = tuple[str, str, str]


@dataclass
class _View:
    """The drawing, independent of the output format. Node ids are stable per render."""

    tasks: dict[str, str] = field(default_factory=dict)  # node id -> drawing id
    task_executor: dict[str, str] = field(default_factory=dict)  # node id -> executor id
    executors: dict[str, str] = field(default_factory=dict)  # executor id -> label
    buckets: dict[str, str] = field(default_factory=dict)  # bucket id -> label
    functions: dict[str, str] = field(default_factory=dict)  # function id -> label
    edges: list[_Edge] = field(default_factory=list)
    _keys: dict[Any, str] = field(default_factory=dict)

    def key(self, prefix: str, obj_key: Any, table: dict[str, str], label: str) -> str:
        found = self._keys.get((prefix, obj_key))
        if found is None:
            found = self._keys[(prefix, obj_key)] = f"{prefix}{len(table)}"
            table[found] = label
        return found


def _label(text: str) -> str:
    return json.dumps(text)  # quoted, with quotes and backslashes escaped


def _bucket_label(bucket: Bucket) -> str:
    return f"{bucket.bucket_name}/{bucket.path}" if bucket.path else bucket.bucket_name


def _config_name(resource: Executor | Serverless) -> str:
    config = resource.config
    return type(config).__name__ if config is not None else "default"


def _accesses(node: Node) -> tuple[list[Bucket], list[Bucket], list[Bucket]]:
    """(read, written, passed but not classified) buckets of one task call."""
    from glacier.dag.access import analyze_function

    try:
        bound = dict(node.task.signature.bind_partial(*node.args, **node.kwargs).arguments)
    except TypeError:
        bound = {}
    result = analyze_function(node.task.fn, bound)
    reads = list(result.reads.values())
    writes = list(result.writes.values())
    seen = {id(b) for b in (*reads, *writes)}
    other = [r for r in node.resources() if isinstance(r, Bucket) and id(r) not in seen]
    other += [b for b, _ in result.unknown.values() if id(b) not in seen and b not in other]
    return reads, writes, other


def build_view(graph: PipelineGraph) -> _View:
    """Collect nodes and edges of ``graph`` for either renderer."""
    view = _View()
    for i, nid in enumerate(graph.order):
        view.tasks[nid] = f"t{i}"
        executor = graph.nodes[nid].task.executor
        if executor is not None:
            label = f"executor {executor.name} ({_config_name(executor)})"
            view.task_executor[nid] = view.key("x", id(executor), view.executors, label)
    for nid in graph.order:
        node = graph.nodes[nid]
        tid = view.tasks[nid]

        def bucket_id(b: Bucket) -> str:
            key = (id(b.provider), b.bucket_name, b.path)
            return view.key("b", key, view.buckets, _bucket_label(b))

        reads, writes, other = _accesses(node)
        view.edges += [(bucket_id(b), tid, "read") for b in reads]
        view.edges += [(tid, bucket_id(b), "write") for b in writes]
        view.edges += [(bucket_id(b), tid, "uses") for b in other]
        for res in node.resources():
            if isinstance(res, Serverless):
                label = f"function {res.name} ({_config_name(res)})"
                fid = view.key("f", id(res), view.functions, label)
                view.edges.append((tid, fid, "invokes"))
        for up in node.upstream:
            kind = "data" if up in node.inputs else "order"
            view.edges.append((view.tasks[up], tid, kind))
    return view


_MERMAID_ARROWS = {
    "data": "-->",
    "order": "-.->",
    "read": "-->",
    "write": "-->",
    "uses": "-.-",
    "invokes": "-->|invokes|",
}


def to_mermaid(graph: PipelineGraph) -> str:
    view = build_view(graph)
    lines = ["flowchart TD"]
    for nid, tid in view.tasks.items():
        if nid not in view.task_executor:
            lines.append(f"    {tid}[{_label(nid)}]")
    for xid, label in view.executors.items():
        lines.append(f"    subgraph {xid}[{_label(label)}]")
        for nid, tid in view.tasks.items():
            if view.task_executor.get(nid) == xid:
                lines.append(f"        {tid}[{_label(nid)}]")
        lines.append("    end")
    lines += [f"    {bid}[({_label(label)})]" for bid, label in view.buckets.items()]
    lines += [f"    {fid}{{{{{_label(label)}}}}}" for fid, label in view.functions.items()]
    lines += [f"    {src} {_MERMAID_ARROWS[kind]} {dst}" for src, dst, kind in view.edges]
    return "\n".join(lines) + "\n"


_DOT_STYLES = {
    "data": "",
    "order": " [style=dashed]",
    "read": "",
    "write": "",
    "uses": " [style=dotted, dir=none]",
    "invokes": ' [label="invokes"]',
}


def to_dot(graph: PipelineGraph) -> str:
    view = build_view(graph)
    names = {tid: _label(nid) for nid, tid in view.tasks.items()}
    names.update({bid: _label(f"bucket:{label}") for bid, label in view.buckets.items()})
    names.update({fid: _label(label) for fid, label in view.functions.items()})
    lines = [f"digraph {_label(graph.name)} {{", "    rankdir=TB;"]
    for nid, tid in view.tasks.items():
        if nid not in view.task_executor:
            lines.append(f"    {names[tid]} [shape=box];")
    for xid, label in view.executors.items():
        lines.append(f"    subgraph {_label('cluster_' + xid)} {{")
        lines.append(f"        label={_label(label)};")
        lines.append('        style="rounded,dashed";')
        for nid, tid in view.tasks.items():
            if view.task_executor.get(nid) == xid:
                lines.append(f"        {names[tid]} [shape=box];")
        lines.append("    }")
    for bid, label in view.buckets.items():
        lines.append(f"    {names[bid]} [shape=cylinder, label={_label(label)}];")
    for fid in view.functions:
        lines.append(f"    {names[fid]} [shape=hexagon];")
    for src, dst, kind in view.edges:
        lines.append(f"    {names[src]} -> {names[dst]}{_DOT_STYLES[kind]};")
    lines.append("}")
    return "\n".join(lines) + "\n"
