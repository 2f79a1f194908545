"""Render a PipelineGraph as Mermaid or Graphviz dot text."""

from __future__ import annotations

import json

from glacier.dag.graph import PipelineGraph
from glacier.resources.bucket import Bucket


def _label(text: str) -> str:
    return json.dumps(text)  # quoted, with quotes and backslashes escaped


def _bucket_label(bucket: Bucket) -> str:
    return f"{bucket.bucket_name}/{bucket.path}" if bucket.path else bucket.bucket_name


def to_mermaid(graph: PipelineGraph) -> str:
    ids = {nid: f"t{i}" for i, nid in enumerate(graph.order)}
    lines = ["flowchart TD"]
    buckets: dict[int, str] = {}
    for nid in graph.order:
        lines.append(f"    {ids[nid]}[{_label(nid)}]")
    for nid in graph.order:
        node = graph.nodes[nid]
        for res in node.resources():
            if isinstance(res, Bucket):
                if id(res) not in buckets:
                    buckets[id(res)] = bid = f"b{len(buckets)}"
                    lines.append(f"    {bid}[({_label(_bucket_label(res))})]")
                lines.append(f"    {buckets[id(res)]} -.- {ids[nid]}")
        for up in node.upstream:
            arrow = "-->" if up in node.inputs else "-.->"
            lines.append(f"    {ids[up]} {arrow} {ids[nid]}")
    return "\n".join(lines) + "\n"


def to_dot(graph: PipelineGraph) -> str:
    lines = [f"digraph {_label(graph.name)} {{", "    rankdir=TB;"]
    buckets: dict[int, str] = {}
    for nid in graph.order:
        lines.append(f"    {_label(nid)} [shape=box];")
    for nid in graph.order:
        node = graph.nodes[nid]
        for res in node.resources():
            if isinstance(res, Bucket):
                if id(res) not in buckets:
                    buckets[id(res)] = _label("bucket:" + _bucket_label(res))
                    lines.append(f"    {buckets[id(res)]} [shape=cylinder];")
                lines.append(f"    {buckets[id(res)]} -> {_label(nid)} [style=dashed, dir=none];")
        for up in node.upstream:
            style = "" if up in node.inputs else " [style=dashed]"
            lines.append(f"    {_label(up)} -> {_label(nid)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"
