"""Argument layout for rewritten calls: commas, keywords and line breaks kept in the style
of the original call (inline, or one argument per line with the config nested)."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from glacier.migrate import mapping as m

NO_SPACE = cst.SimpleWhitespace("")


class Reindent(cst.CSTTransformer):
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


def with_keyword(arg: cst.Arg, name: str) -> cst.Arg:
    """Give ``arg`` the keyword ``name`` (adding ``=`` without spaces when it had none)."""
    if arg.keyword is None:
        return arg.with_changes(
            keyword=cst.Name(name),
            equal=cst.AssignEqual(whitespace_before=NO_SPACE, whitespace_after=NO_SPACE),
        )
    return arg.with_changes(keyword=cst.Name(name))


def tight_equal() -> cst.AssignEqual:
    """An ``=`` without spaces, as in ``config=...``."""
    return cst.AssignEqual(whitespace_before=NO_SPACE, whitespace_after=NO_SPACE)


def with_comma(arg: cst.Arg) -> cst.Arg:
    """Make sure ``arg`` carries a comma; a line break before ``)`` moves after the comma."""
    if isinstance(arg.comma, cst.Comma):
        return arg
    after: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
    if isinstance(arg.whitespace_after_arg, cst.ParenthesizedWhitespace):
        after = arg.whitespace_after_arg
    return arg.with_changes(comma=cst.Comma(whitespace_after=after), whitespace_after_arg=NO_SPACE)


def without_comma(arg: cst.Arg) -> cst.Arg:
    """Drop the comma of an argument that became last; a line break (comment) is kept."""
    if not isinstance(arg.comma, cst.Comma):
        return arg
    ws = arg.comma.whitespace_after
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=ws)
    return arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)


def join_args(args: Sequence[cst.Arg]) -> list[cst.Arg]:
    """Commas between arguments, none after the last (single-line layout)."""
    out = [with_comma(a) for a in args[:-1]]
    if args:
        out.append(without_comma(args[-1]))
    return out


def set_last_line(arg: cst.Arg, like: cst.ParenthesizedWhitespace) -> cst.Arg:
    """Set the indentation of the line after ``arg``'s comma to that of ``like``."""
    assert isinstance(arg.comma, cst.Comma)
    ws = arg.comma.whitespace_after
    assert isinstance(ws, cst.ParenthesizedWhitespace)
    ws = ws.with_changes(indent=like.indent, last_line=like.last_line)
    return arg.with_changes(comma=arg.comma.with_changes(whitespace_after=ws))


def newline_like(like: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
    """A bare line break followed by the indentation of ``like`` (no comments)."""
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), indent=like.indent, last_line=like.last_line
    )


def layout_provider_call(
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
        inner = config_call.with_changes(args=join_args(config_call.args))
        config_arg = cst.Arg(keyword=cst.Name("config"), equal=tight_equal(), value=inner)
        return original.with_changes(func=provider, args=join_args([config_arg, *provider_args]))

    last = original.args[-1]
    closing = with_comma(last).comma
    assert isinstance(closing, cst.Comma)
    closing_ws = closing.whitespace_after
    if not isinstance(closing_ws, cst.ParenthesizedWhitespace):
        closing_ws = cst.ParenthesizedWhitespace(indent=ws0.indent)
    reindent = Reindent(indent_unit)
    inner_args: list[cst.Arg] = []
    for arg in config_call.args:
        moved = with_comma(arg).visit(reindent)
        if isinstance(moved, cst.Arg):
            inner_args.append(moved)
    if inner_args:
        inner_args[-1] = set_last_line(inner_args[-1], ws0)
        inner_ws: cst.BaseParenthesizableWhitespace = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            indent=ws0.indent,
            last_line=cst.SimpleWhitespace(ws0.last_line.value + indent_unit),
        )
    else:
        inner_ws = NO_SPACE
    inner = config_call.with_changes(args=inner_args, whitespace_before_args=inner_ws)
    after_config = newline_like(ws0) if provider_args else newline_like(closing_ws)
    config_arg = cst.Arg(
        keyword=cst.Name("config"),
        equal=tight_equal(),
        value=inner,
        comma=cst.Comma(whitespace_after=after_config),
    )
    outer = [with_comma(a) for a in provider_args]
    if outer:
        outer[-1] = set_last_line(outer[-1], closing_ws)
    return original.with_changes(func=provider, args=[config_arg, *outer])


def code_of(node: cst.CSTNode) -> str:
    """Source text of a (possibly new) node, shortened for messages."""
    text = " ".join(cst.Module(body=[]).code_for_node(node).split())
    return text if len(text) <= 40 else text[:37] + "..."
