"""The libcst codemod that rewrites Glacier V2 provider code to the V3 API.

Entry point: :func:`migrate_source`, which takes the text of one module and returns a
:class:`MigrationResult`.  The rewrite is:

* ``AWSProvider(region="x", tags=t)`` → ``Provider(config=AwsConfig(region="x"), tags=t)``
  (and the same for Azure, GCP and Local), with V2 keyword aliases renamed and V2's first
  positional argument turned into its keyword;
* ``AWSProvider(config=c)`` → ``Provider(config=c)``; ``AWSProvider.from_env()`` →
  ``Provider(config=AwsConfig.from_env())``;
* ``p.bucket_source(...)`` / ``p.bucket_sink(...)`` → ``p.bucket(...)`` when ``p`` was bound to
  a V2 provider somewhere in the module (``bucket=`` becomes ``bucket_name=``);
* V2 provider classes in annotations → ``Provider``;
* imports: ``from glacier import Provider`` and ``from glacier.config import XConfig`` added
  (merged into existing imports), ``glacier.providers`` imports removed once unused.

Anything that has no V3 equivalent is left in place and gets a trailing
``# glacier-migrate: ...`` comment on its statement line.  All tables live in
:mod:`glacier.migrate.mapping`.

This module is the rewrite itself; it leans on :mod:`~glacier.migrate.detect` (which names
are V2 providers), :mod:`~glacier.migrate.layout` (argument layout in the original style),
:mod:`~glacier.migrate.comments` (notes and import removal) and
:mod:`~glacier.migrate.result` (what it returns; re-exported here).
"""

from __future__ import annotations

from collections import Counter
from typing import TypeVar, cast

import libcst as cst
from libcst.codemod import Codemod, CodemodContext, ContextAwareTransformer
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.helpers import get_full_name_for_node
from libcst.metadata import PositionProvider, QualifiedNameProvider

from glacier.migrate import mapping as m
from glacier.migrate.comments import RemoveImportsKeepingComments, attach_notes, scan_notes
from glacier.migrate.detect import (
    ReceiverCollector,
    creates_v2_provider,
    is_v2_module,
    v2_class,
    v2_classmethod,
)
from glacier.migrate.layout import code_of, layout_provider_call, tight_equal, with_keyword
from glacier.migrate.result import MigrationError, MigrationResult, Note

__all__ = ["MigrateV2Command", "MigrationError", "MigrationResult", "Note", "migrate_source"]

_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)


class MigrateV2Command(ContextAwareTransformer):
    """Rewrites one module from the Glacier V2 provider API to V3 (see the module docstring).

    After :meth:`transform_module`, :attr:`notes` holds the ``glacier-migrate:`` messages
    requested and :attr:`warnings` the calls left alone; imports are scheduled on the context
    for :class:`AddImportsVisitor` / :class:`RemoveImportsVisitor`.
    """

    DESCRIPTION = "Rewrite Glacier V2 providers to Provider(config=...) (V3)."
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.notes: list[str] = []
        self.warnings: list[Note] = []
        self._receivers: set[str] = set()
        self._pending: list[list[str]] = []
        self._annotation_depth = 0
        self._handled: set[cst.CSTNode] = set()

    # -- plumbing -----------------------------------------------------------------------------

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        """Collect the V2 provider receivers, then rewrite the module."""
        collector = ReceiverCollector(self.context)
        tree.visit(collector)
        self._receivers = collector.receivers
        return tree.visit(self)

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Open a note list for each statement."""
        if isinstance(node, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            self._pending.append([])
        return super().on_visit(node)

    def on_leave(self, original_node: _NodeT, updated_node: _NodeT) -> _NodeT | cst.RemovalSentinel:
        """Write the notes collected inside a statement onto its line."""
        result = super().on_leave(original_node, updated_node)
        if isinstance(original_node, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            notes = self._pending.pop()
            if notes and isinstance(result, cst.CSTNode):
                result = cast("_NodeT", attach_notes(result, notes))
        return result

    def _note(self, message: str) -> None:
        """Ask for a ``# glacier-migrate:`` comment on the current statement."""
        self.notes.append(message)
        if self._pending:
            self._pending[-1].append(message)

    def _warn(self, node: cst.CSTNode, message: str) -> None:
        """Record a report-only warning at ``node``'s line."""
        line = self.get_metadata(PositionProvider, node).start.line
        self.warnings.append(Note(line, message))

    def _need_imports(self, mapping: m.ProviderMapping | None) -> None:
        """Schedule ``from glacier import Provider`` (and the config class import)."""
        AddImportsVisitor.add_needed_import(self.context, m.V3_PROVIDER_MODULE, m.V3_PROVIDER_CLASS)
        if mapping is not None:
            AddImportsVisitor.add_needed_import(
                self.context, m.V3_CONFIG_MODULE, mapping.config_class
            )

    # -- imports ------------------------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> bool:
        """Schedule ``import glacier.providers [as x]`` for removal once unused."""
        for alias in node.names:
            name = get_full_name_for_node(alias.name)
            if name is not None and is_v2_module(name):
                asname = get_full_name_for_node(alias.asname.name) if alias.asname else None
                RemoveImportsVisitor.remove_unused_import(self.context, name, asname=asname)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        """Schedule V2 names imported from ``glacier.providers`` for removal once unused."""
        if node.relative or node.module is None:
            return False
        module = get_full_name_for_node(node.module)
        if isinstance(node.names, cst.ImportStar):
            if is_v2_module(module):
                self._warn(
                    node,
                    f"from {module} import * is not migrated: import the V2 classes by name "
                    f"and run glacier migrate again",
                )
            return False
        for alias in node.names:
            name = get_full_name_for_node(alias.name)
            if name is None:
                continue
            v2 = is_v2_module(module) or (module == "glacier" and name == "providers")
            if v2 and module is not None:
                asname = get_full_name_for_node(alias.asname.name) if alias.asname else None
                RemoveImportsVisitor.remove_unused_import(self.context, module, name, asname)
        return False

    # -- annotations and leftover references --------------------------------------------------

    def visit_Annotation(self, node: cst.Annotation) -> None:
        """Track whether we are inside a type annotation."""
        self._annotation_depth += 1

    def leave_Annotation(
        self, original_node: cst.Annotation, updated_node: cst.Annotation
    ) -> cst.Annotation:
        """Leave a type annotation."""
        self._annotation_depth -= 1
        return updated_node

    def _reference(
        self, original: cst.Name | cst.Attribute, updated: cst.Name | cst.Attribute
    ) -> cst.BaseExpression:
        """Rewrite a V2 class in an annotation to ``Provider``; note other leftover uses."""
        if original in self._handled:
            return updated
        mapping = v2_class(original, self.get_metadata)
        if mapping is None:
            return updated
        if self._annotation_depth:
            self._need_imports(None)
            return cst.Name(m.V3_PROVIDER_CLASS)
        self._note(
            f"{mapping.v2_class} has no V3 equivalent; use {m.V3_PROVIDER_CLASS} with "
            f"{mapping.config_class} (type checks: isinstance(p.config, {mapping.config_class}))"
        )
        return updated

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        """See :meth:`_reference`."""
        return self._reference(original_node, updated_node)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        """See :meth:`_reference`."""
        return self._reference(original_node, updated_node)

    # -- calls --------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        """Mark class names that the call rewrite below takes care of."""
        if v2_class(node.func, self.get_metadata) is not None:
            self._handled.add(node.func)
        elif v2_classmethod(node.func, self.get_metadata) is not None:
            assert isinstance(node.func, cst.Attribute)
            self._handled.add(node.func.value)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """Rewrite V2 provider constructors and ``bucket_source``/``bucket_sink`` calls."""
        mapping = v2_class(original_node.func, self.get_metadata)
        if mapping is not None:
            return self._rewrite_provider(original_node, updated_node, mapping)
        mapping = v2_classmethod(original_node.func, self.get_metadata)
        if mapping is not None:
            return self._rewrite_classmethod(updated_node, mapping)
        func = original_node.func
        if isinstance(func, cst.Attribute) and func.attr.value in m.METHOD_RENAMES:
            return self._rewrite_method(original_node, updated_node, func)
        return updated_node

    def _rewrite_provider(
        self, original: cst.Call, updated: cst.Call, mapping: m.ProviderMapping
    ) -> cst.BaseExpression:
        """``AWSProvider(...)`` → ``Provider(config=AwsConfig(...), tags=...)``."""
        cls = mapping.config_class
        canonical = {
            a.keyword.value
            for a in updated.args
            if a.keyword is not None and a.keyword.value in mapping.fields
        }
        used: set[str] = set()
        positional: list[cst.Arg] = []
        config_args: list[cst.Arg] = []
        provider_args: list[cst.Arg] = []
        config_value: cst.Arg | None = None
        notes: list[str] = []
        n_positional = 0
        for arg in updated.args:
            if arg.star:
                config_args.append(arg)
                notes.append(
                    f"{arg.star}{code_of(arg.value)} is passed to {cls} unchanged; check that it "
                    f"only holds {cls} fields (V2 aliases are not renamed, tags go on Provider)"
                )
            elif arg.keyword is None:
                n_positional += 1
                if n_positional == 1 and mapping.positional not in canonical:
                    config_args.append(with_keyword(arg, mapping.positional))
                    used.add(mapping.positional)
                else:
                    positional.append(arg)
                    notes.append(
                        f"positional argument {code_of(arg.value)} has no V3 equivalent; "
                        f"remove it or pass it as a {cls} keyword"
                    )
            elif arg.keyword.value in m.PROVIDER_KWARGS:
                provider_args.append(arg)
            elif arg.keyword.value == m.V2_CONFIG_KWARG:
                config_value = arg
            else:
                kw = arg.keyword.value
                target = mapping.field_for(kw)
                if target is None:
                    config_args.append(arg)
                    notes.append(
                        f"{kw} has no V3 equivalent; remove it or use one of the {cls} fields"
                    )
                elif target != kw and (target in canonical or target in used):
                    config_args.append(arg)
                    notes.append(f"{kw} duplicates {target}; keep only {target}")
                else:
                    config_args.append(with_keyword(arg, target) if target != kw else arg)
                    used.add(target)

        if config_value is not None:
            if config_args or positional:
                self._note(
                    f"{mapping.v2_class}(config=...) mixed with other arguments is not rewritten; "
                    f"move them into the config and use {m.V3_PROVIDER_CLASS}(config=...)"
                )
                return updated
            self._need_imports(None)
            return updated.with_changes(func=cst.Name(m.V3_PROVIDER_CLASS))

        for note in notes:
            self._note(note)
        self._need_imports(mapping)
        config_call = cst.Call(func=cst.Name(cls), args=[*positional, *config_args])
        return layout_provider_call(updated, config_call, provider_args, self.module.default_indent)

    def _rewrite_classmethod(
        self, updated: cst.Call, mapping: m.ProviderMapping
    ) -> cst.BaseExpression:
        """``AWSProvider.from_env()`` → ``Provider(config=AwsConfig.from_env())``."""
        assert isinstance(updated.func, cst.Attribute)
        method = updated.func.attr.value
        if updated.args:
            self._note(
                f"{mapping.v2_class}.{method}(...) with arguments is not rewritten; use "
                f"{m.V3_PROVIDER_CLASS}(config={mapping.config_class}.{method}()) and set the "
                f"fields on the config"
            )
            return updated
        self._need_imports(mapping)
        config_call = cst.Call(
            func=cst.Attribute(value=cst.Name(mapping.config_class), attr=cst.Name(method))
        )
        return cst.Call(
            func=cst.Name(m.V3_PROVIDER_CLASS),
            args=[cst.Arg(keyword=cst.Name("config"), equal=tight_equal(), value=config_call)],
            lpar=updated.lpar,
            rpar=updated.rpar,
        )

    def _rewrite_method(
        self, original: cst.Call, updated: cst.Call, func: cst.Attribute
    ) -> cst.BaseExpression:
        """``provider.bucket_source(bucket=...)`` → ``provider.bucket(bucket_name=...)``."""
        receiver = func.value
        if isinstance(receiver, cst.NamedExpr):  # (provider := AWSProvider(...)).bucket_source()
            receiver = receiver.value
        name = get_full_name_for_node(receiver)
        known = (name is not None and name in self._receivers) or creates_v2_provider(
            receiver, self.get_metadata
        )
        old = func.attr.value
        if not known:
            self._warn(
                original,
                f".{old}() on {code_of(receiver)!r} not rewritten: it is not bound to a V2 "
                f"provider in this module; rename it to .{m.METHOD_RENAMES[old]}() if it is one",
            )
            return updated
        present = {a.keyword.value for a in updated.args if a.keyword is not None}
        args: list[cst.Arg] = []
        for arg in updated.args:
            kw = arg.keyword.value if arg.keyword is not None else None
            new_kw = m.METHOD_KWARG_ALIASES.get(kw) if kw is not None else None
            if new_kw is not None and new_kw not in present:
                arg = with_keyword(arg, new_kw)
            elif kw is not None and kw not in m.BUCKET_KWARGS:
                self._note(f"{kw} has no V3 equivalent; {m.BUCKET_KWARG_HINT}")
            args.append(arg)
        assert isinstance(updated.func, cst.Attribute)
        new_func = updated.func.with_changes(attr=cst.Name(m.METHOD_RENAMES[old]))
        return updated.with_changes(func=new_func, args=args)


def _compiles(code: str) -> bool:
    """Whether ``code`` compiles as a module."""
    try:
        compile(code, "<glacier-migrate>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def migrate_source(source: str) -> MigrationResult:
    """Migrate the text of one module from the V2 provider API to V3.

    :raises libcst.ParserSyntaxError: when ``source`` does not parse.
    :raises MigrationError: when the migrated code would not compile.
    """
    module = cst.parse_module(source)
    context = CodemodContext()
    command = MigrateV2Command(context)
    tree = command.transform_module(module)
    steps: list[type[Codemod]] = [AddImportsVisitor, RemoveImportsKeepingComments]
    for step in steps:
        tree = step(context).transform_module(tree)
    code = tree.code
    if code != source and _compiles(source) and not _compiles(code):
        raise MigrationError("the migrated code does not compile")
    before = Counter(note.message for note in scan_notes(source))
    notes: list[Note] = []
    for note in scan_notes(code):
        if before[note.message] > 0:
            before[note.message] -= 1
        else:
            notes.append(note)
    return MigrationResult(source=source, code=code, notes=notes, warnings=command.warnings)
