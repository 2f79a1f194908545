"""Which names and calls are Glacier V2 providers (through libcst's qualified names)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import libcst as cst
from libcst.codemod import CodemodContext, ContextAwareVisitor
from libcst.helpers import get_full_name_for_node
from libcst.metadata import QualifiedName, QualifiedNameProvider

from glacier.migrate import mapping as m

#: ``MetadataDependent.get_metadata`` of the visitor asking (a bound method).
GetMetadata = Callable[..., Any]


def is_v2_module(name: str | None) -> bool:
    """Whether a dotted module name is ``glacier.providers`` or one of its submodules."""
    return name is not None and (
        name == m.V2_PROVIDERS_MODULE or name.startswith(m.V2_PROVIDERS_MODULE + ".")
    )


def v2_class(node: cst.CSTNode, get_metadata: GetMetadata) -> m.ProviderMapping | None:
    """Return the mapping when ``node`` (an original node) names a V2 provider class."""
    qualified: Collection[QualifiedName] = get_metadata(QualifiedNameProvider, node, set())
    for qname in qualified:
        module, _, cls = qname.name.rpartition(".")
        if is_v2_module(module) and cls in m.PROVIDERS:
            return m.PROVIDERS[cls]
    return None


def v2_classmethod(func: cst.BaseExpression, get_metadata: GetMetadata) -> m.ProviderMapping | None:
    """Return the mapping when ``func`` is ``AWSProvider.from_env`` (or another V2 classmethod)."""
    if isinstance(func, cst.Attribute) and func.attr.value in m.CLASSMETHODS:
        return v2_class(func.value, get_metadata)
    return None


def creates_v2_provider(expr: cst.BaseExpression, get_metadata: GetMetadata) -> bool:
    """Whether ``expr`` is ``AWSProvider(...)`` or ``AWSProvider.from_env(...)``."""
    if not isinstance(expr, cst.Call):
        return False
    return (
        v2_class(expr.func, get_metadata) is not None
        or v2_classmethod(expr.func, get_metadata) is not None
    )


class ReceiverCollector(ContextAwareVisitor):
    """Collects the names (``provider``, ``self.provider``) bound to a V2 provider."""

    METADATA_DEPENDENCIES = (QualifiedNameProvider,)

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.receivers: set[str] = set()

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        """Record ``target`` when ``value`` creates a V2 provider (pairwise for tuples)."""
        if isinstance(target, cst.Tuple | cst.List) and isinstance(value, cst.Tuple | cst.List):
            if len(target.elements) == len(value.elements):
                for t, v in zip(target.elements, value.elements, strict=True):
                    self._bind(t.value, v.value)
            return
        if value is not None and creates_v2_provider(value, self.get_metadata):
            self._add(target)

    def _add(self, target: cst.BaseExpression) -> None:
        """Record a receiver by its dotted name, when it has one."""
        name = get_full_name_for_node(target)
        if name is not None:
            self.receivers.add(name)

    def visit_Assign(self, node: cst.Assign) -> None:
        """``provider = AWSProvider(...)``."""
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """``provider: AWSProvider = ...``."""
        if v2_class(node.annotation.annotation, self.get_metadata) is not None:
            self._add(node.target)
        else:
            self._bind(node.target, node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        """``(provider := AWSProvider(...))``."""
        self._bind(node.target, node.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        """``with AWSProvider(...) as provider:``."""
        if node.asname is not None:
            self._bind(node.asname.name, node.item)

    def visit_Param(self, node: cst.Param) -> None:
        """``def f(provider: AWSProvider)``."""
        if node.annotation is not None and v2_class(node.annotation.annotation, self.get_metadata):
            self._add(node.name)
