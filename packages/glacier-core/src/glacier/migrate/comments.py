"""``# glacier-migrate:`` notes on statement lines, and import removal that keeps the
comments above a removed import."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TypeVar, cast

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor

from glacier.migrate import mapping as m
from glacier.migrate.result import Note

NOTE_RE = re.compile(
    r"#\s*" + re.escape(m.NOTE_PREFIX) + r"\s*(.*?)\s*(?=#\s*" + re.escape(m.NOTE_PREFIX) + r"|$)"
)
_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)


def statement_comment(stmt: cst.CSTNode) -> cst.TrailingWhitespace | None:
    """The trailing whitespace (comment slot) of a statement's first line, if it has one."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return stmt.trailing_whitespace
    body = getattr(stmt, "body", None)
    if isinstance(body, cst.IndentedBlock):
        return body.header
    if isinstance(body, cst.SimpleStatementSuite):
        return body.trailing_whitespace
    return None


def replace_statement_comment(stmt: cst.CSTNode, tw: cst.TrailingWhitespace) -> cst.CSTNode:
    """Return ``stmt`` with its trailing whitespace replaced (see :func:`statement_comment`)."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return stmt.with_changes(trailing_whitespace=tw)
    body = getattr(stmt, "body", None)
    if isinstance(body, cst.IndentedBlock):
        return stmt.with_changes(body=body.with_changes(header=tw))
    assert isinstance(body, cst.SimpleStatementSuite)
    return stmt.with_changes(body=body.with_changes(trailing_whitespace=tw))


def attach_notes(stmt: cst.CSTNode, notes: list[str]) -> cst.CSTNode:
    """Add ``# glacier-migrate: <note>`` comments to a statement, skipping ones already there."""
    tw = statement_comment(stmt)
    existing = tw.comment.value if tw is not None and tw.comment is not None else ""
    if tw is None:
        existing = "\n".join(
            line.comment.value
            for line in getattr(stmt, "leading_lines", ())
            if line.comment is not None
        )
    present = set(NOTE_RE.findall(existing))
    new = [f"# {m.NOTE_PREFIX} {n}" for n in dict.fromkeys(notes) if n not in present]
    if not new:
        return stmt
    if tw is None:
        lines = [cst.EmptyLine(comment=cst.Comment(c)) for c in new]
        return stmt.with_changes(leading_lines=[*getattr(stmt, "leading_lines", ()), *lines])
    text = "  ".join([existing, *new] if existing else new)
    whitespace = tw.whitespace if existing else cst.SimpleWhitespace("  ")
    return replace_statement_comment(
        stmt, tw.with_changes(whitespace=whitespace, comment=cst.Comment(text))
    )


def scan_notes(code: str) -> Iterator[Note]:
    """Yield every ``# glacier-migrate:`` note in ``code`` with its line number."""
    for number, line in enumerate(code.splitlines(), start=1):
        if m.NOTE_PREFIX in line:
            for message in NOTE_RE.findall(line):
                yield Note(number, message)


def merge_lines(
    moved: Sequence[cst.EmptyLine], own: Sequence[cst.EmptyLine]
) -> list[cst.EmptyLine]:
    """Lines moved from a removed statement, then the statement's own, without doubling the
    blank line between them."""
    moved = list(moved)
    if own and own[0].comment is None:
        while moved and moved[-1].comment is None:
            moved.pop()
    return [*moved, *own]


class RemoveImportsKeepingComments(RemoveImportsVisitor):
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
                result.with_changes(leading_lines=merge_lines(self._orphans, result.leading_lines)),
            )
            self._orphans, self._target = [], None
        elif isinstance(result, cst.Module) and any(line.comment for line in self._orphans):
            result = cast("_NodeT", result.with_changes(footer=[*self._orphans, *result.footer]))
        return result
