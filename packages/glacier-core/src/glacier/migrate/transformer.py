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
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import libcst as cst
from libcst.codemod import Codemod, CodemodContext, ContextAwareTransformer, ContextAwareVisitor
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.helpers import get_full_name_for_node
from libcst.metadata import PositionProvider, QualifiedName, QualifiedNameProvider

from glacier.migrate import mapping as m

_NOTE_RE = re.compile(
    r"#\s*" + re.escape(m.NOTE_PREFIX) + r"\s*(.*?)\s*(?=#\s*" + re.escape(m.NOTE_PREFIX) + r"|$)"
)
_NO_SPACE = cst.SimpleWhitespace("")

#: ``MetadataDependent.get_metadata`` of the visitor asking (a bound method).
_GetMetadata = Callable[..., Any]
_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)


class MigrationError(Exception):
    """The migrated code would not compile; the file is left untouched."""


@dataclass(frozen=True)
class Note:
    """One message about a module: a ``# glacier-migrate:`` note or a warning.

    :param line: 1-based line number (in the migrated code for notes, the original for warnings).
    :param message: the text, without the ``glacier-migrate:`` prefix.
    """

    line: int
    message: str


@dataclass
class MigrationResult:
    """The outcome of migrating one module.

    :param source: the original text.
    :param code: the migrated text (equal to ``source`` when nothing changed).
    :param notes: ``# glacier-migrate:`` comments added by this run, with their line in ``code``.
    :param warnings: things the codemod saw but did not touch (nothing written to the file).
    """

    source: str
    code: str
    notes: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the migration changed the module."""
        return self.code != self.source


def _is_v2_module(name: str | None) -> bool:
    """Whether a dotted module name is ``glacier.providers`` or one of its submodules."""
    return name is not None and (
        name == m.V2_PROVIDERS_MODULE or name.startswith(m.V2_PROVIDERS_MODULE + ".")
    )


def _v2_class(node: cst.CSTNode, get_metadata: _GetMetadata) -> m.ProviderMapping | None:
    """Return the mapping when ``node`` (an original node) names a V2 provider class."""
    qualified: Collection[QualifiedName] = get_metadata(QualifiedNameProvider, node, set())
    for qname in qualified:
        module, _, cls = qname.name.rpartition(".")
        if _is_v2_module(module) and cls in m.PROVIDERS:
            return m.PROVIDERS[cls]
    return None


def _v2_classmethod(
    func: cst.BaseExpression, get_metadata: _GetMetadata
) -> m.ProviderMapping | None:
    """Return the mapping when ``func`` is ``AWSProvider.from_env`` (or another V2 classmethod)."""
    if isinstance(func, cst.Attribute) and func.attr.value in m.CLASSMETHODS:
        return _v2_class(func.value, get_metadata)
    return None


def _creates_v2_provider(expr: cst.BaseExpression, get_metadata: _GetMetadata) -> bool:
    """Whether ``expr`` is ``AWSProvider(...)`` or ``AWSProvider.from_env(...)``."""
    if not isinstance(expr, cst.Call):
        return False
    return (
        _v2_class(expr.func, get_metadata) is not None
        or _v2_classmethod(expr.func, get_metadata) is not None
    )


class _ReceiverCollector(ContextAwareVisitor):
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
        if value is not None and _creates_v2_provider(value, self.get_metadata):
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
        if _v2_class(node.annotation.annotation, self.get_metadata) is not None:
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
        if node.annotation is not None and _v2_class(node.annotation.annotation, self.get_metadata):
            self._add(node.name)


class _Reindent(cst.CSTTransformer):
    """Shifts every line break inside a node one indentation level to the right."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def leave_ParenthesizedWhitespace(
        self, original_node: cst.ParenthesizedWhitespace, updated_node: cst.ParenthesizedWhitespace
    ) -> cst.ParenthesizedWhitespace:
        """Indent the next line and any comment lines in between."""
        lines = [
            line.with_changes(whitespace=cst.SimpleWhitespace(line.whitespace.value + self.unit))
            if line.comment is not None
            else line
            for line in updated_node.empty_lines
        ]
        return updated_node.with_changes(
            empty_lines=lines,
            last_line=cst.SimpleWhitespace(updated_node.last_line.value + self.unit),
        )


def _keyword(arg: cst.Arg, name: str) -> cst.Arg:
    """Give ``arg`` the keyword ``name`` (adding ``=`` without spaces when it had none)."""
    if arg.keyword is None:
        return arg.with_changes(
            keyword=cst.Name(name),
            equal=cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE),
        )
    return arg.with_changes(keyword=cst.Name(name))


def _config_keyword() -> cst.AssignEqual:
    """An ``=`` without spaces, as in ``config=...``."""
    return cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE)


def _with_comma(arg: cst.Arg) -> cst.Arg:
    """Make sure ``arg`` carries a comma; a line break before ``)`` moves after the comma."""
    if isinstance(arg.comma, cst.Comma):
        return arg
    after: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
    if isinstance(arg.whitespace_after_arg, cst.ParenthesizedWhitespace):
        after = arg.whitespace_after_arg
    return arg.with_changes(comma=cst.Comma(whitespace_after=after), whitespace_after_arg=_NO_SPACE)


def _without_comma(arg: cst.Arg) -> cst.Arg:
    """Drop the comma of an argument that became last; a line break (comment) is kept."""
    if not isinstance(arg.comma, cst.Comma):
        return arg
    ws = arg.comma.whitespace_after
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=ws)
    return arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)


def _join(args: Sequence[cst.Arg]) -> list[cst.Arg]:
    """Commas between arguments, none after the last (single-line layout)."""
    out = [_with_comma(a) for a in args[:-1]]
    if args:
        out.append(_without_comma(args[-1]))
    return out


def _set_last_line(arg: cst.Arg, like: cst.ParenthesizedWhitespace) -> cst.Arg:
    """Set the indentation of the line after ``arg``'s comma to that of ``like``."""
    assert isinstance(arg.comma, cst.Comma)
    ws = arg.comma.whitespace_after
    assert isinstance(ws, cst.ParenthesizedWhitespace)
    ws = ws.with_changes(indent=like.indent, last_line=like.last_line)
    return arg.with_changes(comma=arg.comma.with_changes(whitespace_after=ws))


def _newline_like(like: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
    """A bare line break followed by the indentation of ``like`` (no comments)."""
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), indent=like.indent, last_line=like.last_line
    )


def _layout_provider_call(
    original: cst.Call,
    config_call: cst.Call,
    provider_args: list[cst.Arg],
    indent_unit: str,
) -> cst.Call:
    """Build ``Provider(config=<config_call>, <provider_args>)`` in the style of ``original``.

    A call written one argument per line (a line break right after ``(``) becomes a nested
    block with the config arguments indented one more level; other calls are laid out inline.
    """
    provider = cst.Name(m.V3_PROVIDER_CLASS)
    ws0 = original.whitespace_before_args
    if not isinstance(ws0, cst.ParenthesizedWhitespace) or not original.args:
        inner = config_call.with_changes(args=_join(config_call.args))
        config_arg = cst.Arg(keyword=cst.Name("config"), equal=_config_keyword(), value=inner)
        return original.with_changes(func=provider, args=_join([config_arg, *provider_args]))

    last = original.args[-1]
    closing = _with_comma(last).comma
    assert isinstance(closing, cst.Comma)
    closing_ws = closing.whitespace_after
    if not isinstance(closing_ws, cst.ParenthesizedWhitespace):
        closing_ws = cst.ParenthesizedWhitespace(indent=ws0.indent)
    reindent = _Reindent(indent_unit)
    inner_args: list[cst.Arg] = []
    for arg in config_call.args:
        moved = _with_comma(arg).visit(reindent)
        if isinstance(moved, cst.Arg):
            inner_args.append(moved)
    if inner_args:
        inner_args[-1] = _set_last_line(inner_args[-1], ws0)
        inner_ws: cst.BaseParenthesizableWhitespace = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            indent=ws0.indent,
            last_line=cst.SimpleWhitespace(ws0.last_line.value + indent_unit),
        )
    else:
        inner_ws = _NO_SPACE
    inner = config_call.with_changes(args=inner_args, whitespace_before_args=inner_ws)
    after_config = _newline_like(ws0) if provider_args else _newline_like(closing_ws)
    config_arg = cst.Arg(
        keyword=cst.Name("config"),
        equal=_config_keyword(),
        value=inner,
        comma=cst.Comma(whitespace_after=after_config),
    )
    outer = [_with_comma(a) for a in provider_args]
    if outer:
        outer[-1] = _set_last_line(outer[-1], closing_ws)
    return original.with_changes(func=provider, args=[config_arg, *outer])


def _statement_comment(stmt: cst.CSTNode) -> cst.TrailingWhitespace | None:
    """The trailing whitespace (comment slot) of a statement's first line, if it has one."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return stmt.trailing_whitespace
    body = getattr(stmt, "body", None)
    if isinstance(body, cst.IndentedBlock):
        return body.header
    if isinstance(body, cst.SimpleStatementSuite):
        return body.trailing_whitespace
    return None


def _replace_statement_comment(stmt: cst.CSTNode, tw: cst.TrailingWhitespace) -> cst.CSTNode:
    """Return ``stmt`` with its trailing whitespace replaced (see :func:`_statement_comment`)."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return stmt.with_changes(trailing_whitespace=tw)
    body = getattr(stmt, "body", None)
    if isinstance(body, cst.IndentedBlock):
        return stmt.with_changes(body=body.with_changes(header=tw))
    assert isinstance(body, cst.SimpleStatementSuite)
    return stmt.with_changes(body=body.with_changes(trailing_whitespace=tw))


def _attach_notes(stmt: cst.CSTNode, notes: list[str]) -> cst.CSTNode:
    """Add ``# glacier-migrate: <note>`` comments to a statement, skipping ones already there."""
    tw = _statement_comment(stmt)
    existing = tw.comment.value if tw is not None and tw.comment is not None else ""
    if tw is None:
        existing = "\n".join(
            line.comment.value
            for line in getattr(stmt, "leading_lines", ())
            if line.comment is not None
        )
    present = set(_NOTE_RE.findall(existing))
    new = [f"# {m.NOTE_PREFIX} {n}" for n in dict.fromkeys(notes) if n not in present]
    if not new:
        return stmt
    if tw is None:
        lines = [cst.EmptyLine(comment=cst.Comment(c)) for c in new]
        return stmt.with_changes(leading_lines=[*getattr(stmt, "leading_lines", ()), *lines])
    text = "  ".join([existing, *new] if existing else new)
    whitespace = tw.whitespace if existing else cst.SimpleWhitespace("  ")
    return _replace_statement_comment(
        stmt, tw.with_changes(whitespace=whitespace, comment=cst.Comment(text))
    )


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
        collector = _ReceiverCollector(self.context)
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
                result = cast("_NodeT", _attach_notes(result, notes))
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
            if name is not None and _is_v2_module(name):
                asname = get_full_name_for_node(alias.asname.name) if alias.asname else None
                RemoveImportsVisitor.remove_unused_import(self.context, name, asname=asname)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        """Schedule V2 names imported from ``glacier.providers`` for removal once unused."""
        if node.relative or node.module is None:
            return False
        module = get_full_name_for_node(node.module)
        if isinstance(node.names, cst.ImportStar):
            if _is_v2_module(module):
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
            v2 = _is_v2_module(module) or (module == "glacier" and name == "providers")
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
        mapping = _v2_class(original, self.get_metadata)
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
        if _v2_class(node.func, self.get_metadata) is not None:
            self._handled.add(node.func)
        elif _v2_classmethod(node.func, self.get_metadata) is not None:
            assert isinstance(node.func, cst.Attribute)
            self._handled.add(node.func.value)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """Rewrite V2 provider constructors and ``bucket_source``/``bucket_sink`` calls."""
        mapping = _v2_class(original_node.func, self.get_metadata)
        if mapping is not None:
            return self._rewrite_provider(original_node, updated_node, mapping)
        mapping = _v2_classmethod(original_node.func, self.get_metadata)
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
                    f"{arg.star}{_code(arg.value)} is passed to {cls} unchanged; check that it "
                    f"only holds {cls} fields (V2 aliases are not renamed, tags go on Provider)"
                )
            elif arg.keyword is None:
                n_positional += 1
                if n_positional == 1 and mapping.positional not in canonical:
                    config_args.append(_keyword(arg, mapping.positional))
                    used.add(mapping.positional)
                else:
                    positional.append(arg)
                    notes.append(
                        f"positional argument {_code(arg.value)} has no V3 equivalent; "
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
                    config_args.append(_keyword(arg, target) if target != kw else arg)
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
        return _layout_provider_call(
            updated, config_call, provider_args, self.module.default_indent
        )

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
            args=[cst.Arg(keyword=cst.Name("config"), equal=_config_keyword(), value=config_call)],
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
        known = (name is not None and name in self._receivers) or _creates_v2_provider(
            receiver, self.get_metadata
        )
        old = func.attr.value
        if not known:
            self._warn(
                original,
                f".{old}() on {_code(receiver)!r} not rewritten: it is not bound to a V2 "
                f"provider in this module; rename it to .{m.METHOD_RENAMES[old]}() if it is one",
            )
            return updated
        present = {a.keyword.value for a in updated.args if a.keyword is not None}
        args: list[cst.Arg] = []
        for arg in updated.args:
            kw = arg.keyword.value if arg.keyword is not None else None
            new_kw = m.METHOD_KWARG_ALIASES.get(kw) if kw is not None else None
            if new_kw is not None and new_kw not in present:
                arg = _keyword(arg, new_kw)
            elif kw is not None and kw not in m.BUCKET_KWARGS:
                self._note(f"{kw} has no V3 equivalent; {m.BUCKET_KWARG_HINT}")
            args.append(arg)
        assert isinstance(updated.func, cst.Attribute)
        new_func = updated.func.with_changes(attr=cst.Name(m.METHOD_RENAMES[old]))
        return updated.with_changes(func=new_func, args=args)


def _code(node: cst.CSTNode) -> str:
    """Source text of a (possibly new) node, shortened for messages."""
    text = " ".join(cst.Module(body=[]).code_for_node(node).split())
    return text if len(text) <= 40 else text[:37] + "..."


def _merge_lines(
    moved: Sequence[cst.EmptyLine], own: Sequence[cst.EmptyLine]
) -> list[cst.EmptyLine]:
    """Lines moved from a removed statement, then the statement's own, without doubling the
    blank line between them."""
    moved = list(moved)
    if own and own[0].comment is None:
        while moved and moved[-1].comment is None:
            moved.pop()
    return [*moved, *own]


class _RemoveImportsKeepingComments(RemoveImportsVisitor):
    """:class:`RemoveImportsVisitor` that moves the comments and blank lines above a removed
    import line down to the next statement instead of dropping them."""

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self._orphans: list[cst.EmptyLine] = []
        self._target: cst.CSTNode | None = None

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Pick the first statement after a removed one as the new home of its comments."""
        if (
            self._orphans
            and self._target is None
            and isinstance(node, cst.SimpleStatementLine | cst.BaseCompoundStatement)
        ):
            self._target = node
        return super().on_visit(node)

    def on_leave(self, original_node: _NodeT, updated_node: _NodeT) -> _NodeT | cst.RemovalSentinel:
        """Stash the lines above emptied import lines; give them to the chosen next statement."""
        result = super().on_leave(original_node, updated_node)
        if (
            isinstance(original_node, cst.SimpleStatementLine)
            and isinstance(result, cst.SimpleStatementLine)
            and not result.body
            and original_node.leading_lines
        ):
            self._orphans.extend(original_node.leading_lines)
        elif original_node is self._target and isinstance(
            result, cst.SimpleStatementLine | cst.BaseCompoundStatement
        ):
            result = cast(
                "_NodeT",
                result.with_changes(
                    leading_lines=_merge_lines(self._orphans, result.leading_lines)
                ),
            )
            self._orphans, self._target = [], None
        elif isinstance(result, cst.Module) and any(line.comment for line in self._orphans):
            result = cast("_NodeT", result.with_changes(footer=[*self._orphans, *result.footer]))
        return result


def _scan_notes(code: str) -> Iterator[Note]:
    """Yield every ``# glacier-migrate:`` note in ``code`` with its line number."""
    for number, line in enumerate(code.splitlines(), start=1):
        if m.NOTE_PREFIX in line:
            for message in _NOTE_RE.findall(line):
                yield Note(number, message)


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
    steps: list[type[Codemod]] = [AddImportsVisitor, _RemoveImportsKeepingComments]
    for step in steps:
        tree = step(context).transform_module(tree)
    code = tree.code
    if code != source and _compiles(source) and not _compiles(code):
        raise MigrationError("the migrated code does not compile")
    before = Counter(note.message for note in _scan_notes(source))
    notes: list[Note] = []
    for note in _scan_notes(code):
        if before[note.message] > 0:
            before[note.message] -= 1
        else:
            notes.append(note)
    return MigrationResult(source=source, code=code, notes=notes, warnings=command.warnings)
