"""Where in the user's code something happened: ``file:line`` for error messages.

A task's exception travels through Glacier's runtime and libraries (Polars, botocore...), so
the last traceback frame is rarely the line to fix. The *innermost user frame* is the
deepest frame that belongs neither to Glacier (``glacier``, ``glacier_*`` plugins) nor to an
installed library or the standard library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import TracebackType


@dataclass(frozen=True, slots=True)
class Location:
    """A line of user code."""

    filename: str
    lineno: int
    function: str = ""
    line: str = ""

    def __str__(self) -> str:
        where = f"{display_path(self.filename)}:{self.lineno}"
        return f"{where} in {self.function}" if self.function else where


def display_path(filename: str) -> str:
    """``filename`` relative to the working directory when it is below it."""
    from pathlib import Path

    try:
        return str(Path(filename).relative_to(Path.cwd()))
    except ValueError:
        return filename


@cache
def _library_dirs() -> tuple[str, ...]:
    import sysconfig
    from pathlib import Path

    paths = sysconfig.get_paths()
    dirs = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    return tuple(sorted(str(Path(d).resolve()) for d in dirs))


def _is_user_frame(filename: str, module: str) -> bool:
    if filename.startswith("<") or module == "glacier" or module.startswith("glacier."):
        return False
    if module.startswith("glacier_"):  # a plugin; user scripts load as _glacier_user_*
        return False
    from pathlib import Path

    resolved = str(Path(filename).resolve())
    return not any(resolved.startswith(d + "/") for d in _library_dirs())


def user_location(exc: BaseException) -> Location | None:
    """The innermost frame of ``exc``'s traceback that is user code, or None."""
    import traceback

    found: Location | None = None
    tb: TracebackType | None = exc.__traceback__
    for frame, lineno in traceback.walk_tb(tb):
        code = frame.f_code
        if _is_user_frame(code.co_filename, str(frame.f_globals.get("__name__", ""))):
            found = Location(code.co_filename, lineno, code.co_name)
    if found is None:
        return None
    import linecache

    line = linecache.getline(found.filename, found.lineno).strip()
    return Location(found.filename, found.lineno, found.function, line)


def definition_location(fn: Callable[..., Any]) -> Location | None:
    """Where ``fn`` is defined (its ``def`` line), or None for builtins and the like."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    return Location(code.co_filename, code.co_firstlineno, code.co_name)
