"""Static access analysis: which buckets a task (or a function's handler) reads or writes.

Rules (documented in docs/compiler.md):

* A bucket reaches the code as a **parameter** bound to a Bucket (also inside a list, tuple
  or dict argument), a **module-global** name, or a **closure** variable.
* ``.scan()``, ``.read()``, ``.exists()``, ``.list()`` on it are reads; ``.write()`` and
  ``.delete()`` are writes; ``.get_uri()``, ``.name``, ``.path`` ... need no access.
* Simple aliases (``b = source``, ``for b in buckets``) are followed.
* Any other use (passed to another function, returned, stored) makes the access
  **unknown**. Unknown access is a compile error unless it is declared with
  ``PulumiCompiler(access={"task_or_function": {"reads": [...], "writes": [...]}})``.
  Declared access is added to what analysis finds.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from glacier.resources.bucket import Bucket

READ_METHODS = frozenset({"scan", "read", "exists", "list"})
WRITE_METHODS = frozenset({"write", "delete"})
NEUTRAL_ATTRS = frozenset(
    {"get_uri", "name", "bucket_name", "path", "format", "is_dataset", "provider", "config"}
)


@dataclass
class AccessResult:
    """What analysis found for one function: buckets by ``id()``."""

    reads: dict[int, Bucket] = field(default_factory=dict)
    writes: dict[int, Bucket] = field(default_factory=dict)
    #: Buckets whose use could not be classified, with the reason.
    unknown: dict[int, tuple[Bucket, str]] = field(default_factory=dict)
    #: Set when the function's source could not be read at all.
    no_source: str | None = None

    def add(self, bucket: Bucket, mode: str) -> None:
        target = self.reads if mode == "read" else self.writes
        target[id(bucket)] = bucket


def _buckets_in(value: Any) -> list[Bucket]:
    if isinstance(value, Bucket):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return [b for item in value for b in _buckets_in(item)]
    if isinstance(value, dict):
        return [b for item in value.values() for b in _buckets_in(item)]
    return []


def _function_def(fn: Callable[..., Any]) -> ast.FunctionDef | ast.AsyncFunctionDef:
    source = textwrap.dedent(inspect.getsource(fn))
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == getattr(
            fn, "__name__", node.name
        ):
            return node
    raise ValueError("function definition not found in its source")


def analyze_function(fn: Callable[..., Any], bound: dict[str, Any] | None = None) -> AccessResult:
    """Analyse ``fn``'s body. ``bound`` maps parameter names to the values of one call."""
    result = AccessResult()
    fn = inspect.unwrap(fn)
    try:
        tree = _function_def(fn)
    except (OSError, TypeError, ValueError, SyntaxError) as exc:
        result.no_source = f"its source cannot be read ({exc})"
        for value in (bound or {}).values():
            for bucket in _buckets_in(value):
                result.unknown[id(bucket)] = (bucket, result.no_source)
        return result
    env: dict[str, list[Bucket]] = {}
    params = {a.arg for a in (*tree.args.posonlyargs, *tree.args.args, *tree.args.kwonlyargs)}
    for extra in (tree.args.vararg, tree.args.kwarg):
        if extra is not None:
            params.add(extra.arg)
    for name, value in (bound or {}).items():
        found = _buckets_in(value)
        if found:
            env[name] = found
    _add_outer_names(fn, tree, params, env)
    _Visitor(env, result).visit_body(tree.body)
    return result


def _add_outer_names(
    fn: Callable[..., Any], tree: ast.AST, params: set[str], env: dict[str, list[Bucket]]
) -> None:
    """Globals and closure variables holding buckets, unless shadowed by a parameter."""
    closure = inspect.getclosurevars(fn)
    outer = {**closure.globals, **closure.nonlocals}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in params and node.id in outer:
            found = _buckets_in(outer[node.id])
            if found:
                env.setdefault(node.id, found)


class _Visitor:
    """Classifies every use of a bucket-holding name."""

    def __init__(self, env: dict[str, list[Bucket]], result: AccessResult) -> None:
        self.env = env
        self.result = result

    def visit_body(self, body: Iterable[ast.stmt]) -> None:
        for stmt in body:
            self._alias(stmt)
        for stmt in body:
            for node in ast.walk(stmt):
                self._classify(node)
        self._unknown_uses(body)

    def _alias(self, stmt: ast.stmt) -> None:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
                src = self.env.get(node.value.id)
                if src:
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            self.env[target.id] = src
            elif isinstance(node, ast.For | ast.comprehension) and isinstance(node.iter, ast.Name):
                src = self.env.get(node.iter.id)
                if src and isinstance(node.target, ast.Name):
                    self.env[node.target.id] = src
            elif isinstance(node, ast.For | ast.comprehension) and _is_values_call(node.iter):
                src = self.env.get(node.iter.func.value.id)  # type: ignore[attr-defined]
                if src and isinstance(node.target, ast.Name):
                    self.env[node.target.id] = src

    def _classify(self, node: ast.AST) -> None:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            return
        target = node.func.value
        if isinstance(target, ast.Subscript):
            target = target.value
        if not isinstance(target, ast.Name) or target.id not in self.env:
            return
        method = node.func.attr
        mode = "read" if method in READ_METHODS else "write" if method in WRITE_METHODS else None
        for bucket in self.env[target.id] if mode else ():
            self.result.add(bucket, mode)  # type: ignore[arg-type]

    def _unknown_uses(self, body: Iterable[ast.stmt]) -> None:
        """Names used other than as ``x.method()``, ``x.attr``, ``x[i].method()``,
        iteration or aliasing are unknown uses."""
        allowed: set[int] = set()
        for stmt in body:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Attribute):
                    base = node.value.value if isinstance(node.value, ast.Subscript) else node.value
                    if isinstance(base, ast.Name) and (
                        node.attr in READ_METHODS | WRITE_METHODS | NEUTRAL_ATTRS
                        or node.attr in {"values", "items", "keys"}
                    ):
                        allowed.add(id(base))
                elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
                    allowed.add(id(node.value))
                elif isinstance(node, ast.For | ast.comprehension) and isinstance(
                    node.iter, ast.Name
                ):
                    allowed.add(id(node.iter))
                elif isinstance(node, ast.Call) and _is_len_call(node):
                    allowed.add(id(node.args[0]))
        for stmt in body:
            for node in _names(stmt):
                if node.id in self.env and id(node) not in allowed:
                    for bucket in self.env[node.id]:
                        self.result.unknown.setdefault(
                            id(bucket),
                            (
                                bucket,
                                f"{node.id!r} is used on line {node.lineno} in a way "
                                "analysis cannot follow (passed on, returned or stored)",
                            ),
                        )


def _is_values_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "values"
        and isinstance(node.func.value, ast.Name)
    )


def _is_len_call(node: ast.Call) -> bool:
    return (
        isinstance(node.func, ast.Name)
        and node.func.id == "len"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
    )


def _names(stmt: ast.stmt) -> Iterator[ast.Name]:
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            yield node
