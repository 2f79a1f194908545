"""docs/plugins.md stays true to the example plugins it follows: every block that says it is an
excerpt of a file (first line ``# fragment: excerpt of PATH``) appears in that file verbatim.

An excerpt may leave parts out: a line holding only ``...`` separates pieces, and each piece
must be a run of consecutive lines of the file (indented as there, or all shifted by the same
amount, e.g. a method shown without its class).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.core.test_docs import Block, fenced_blocks

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugins.md"
_EXCERPT = re.compile(r"^# fragment: excerpt of (?P<path>\S+)")


def excerpts() -> list[tuple[Block, Path]]:
    found = []
    for block in fenced_blocks(GUIDE):
        match = _EXCERPT.match(block.first_line)
        if match:
            found.append((block, ROOT / match["path"]))
    return found


def pieces(code: str) -> list[list[str]]:
    """The block's lines after the marker, split at ``...`` lines, blank edges dropped."""
    lines = code.strip("\n").splitlines()[1:]
    out: list[list[str]] = [[]]
    for line in lines:
        if line.strip() == "...":
            out.append([])
        else:
            out[-1].append(line.rstrip())
    trimmed = []
    for piece in out:
        while piece and not piece[0].strip():
            piece.pop(0)
        while piece and not piece[-1].strip():
            piece.pop()
        if piece:
            trimmed.append(piece)
    return trimmed


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def occurs(piece: list[str], source: list[str]) -> bool:
    """Whether ``piece`` is a run of ``source`` lines, all shifted right by one amount."""
    first = piece[0]
    for start, line in enumerate(source):
        if line.strip() != first.strip() or _indent(line) < _indent(first):
            continue
        shift = " " * (_indent(line) - _indent(first))
        window = source[start : start + len(piece)]
        if len(window) == len(piece) and all(
            (have.rstrip() == (shift + want if want.strip() else ""))
            for have, want in zip(window, piece, strict=True)
        ):
            return True
    return False


_EXCERPTS = excerpts()


def test_the_guide_quotes_both_example_plugins() -> None:
    quoted = {path.relative_to(ROOT).parts[1] for _, path in _EXCERPTS}
    assert {"glacier-minio", "glacier-emr"} <= quoted
    assert len(_EXCERPTS) >= 15


@pytest.mark.parametrize(("block", "path"), _EXCERPTS, ids=[b.where for b, _ in _EXCERPTS])
def test_excerpt_appears_verbatim_in_its_file(block: Block, path: Path) -> None:
    assert path.is_file(), f"{block.where}: {path.relative_to(ROOT)} does not exist"
    source = [line.rstrip() for line in path.read_text().splitlines()]
    missing = [piece for piece in pieces(block.code) if not occurs(piece, source)]
    shown = "\n\n".join("\n".join(p) for p in missing)
    assert not missing, f"{block.where}: not in {path.relative_to(ROOT)}:\n{shown}"


def test_the_checker_notices_a_changed_line() -> None:
    source = ["class A:", "    def f(self) -> int:", "        return 1"]
    assert occurs(["def f(self) -> int:", "    return 1"], source)
    assert not occurs(["def f(self) -> int:", "    return 2"], source)
    assert not occurs(["def f(self) -> int:", "return 1"], source)  # indentation kept
