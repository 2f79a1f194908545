"""Escape hatch 3: add your own Pulumi code to an exported program, in marked regions.

Regions look like::

    # >>> glacier:custom-code 1 >>>
    ...your code...
    # <<< glacier:custom-code 1 <<<

``CompiledInfra.export_pulumi`` keeps every region of the existing ``__main__.py`` when it
regenerates the program, so injected code survives recompilation.
"""

from __future__ import annotations

import ast
import os
import re
import tempfile
import textwrap
from pathlib import Path

from glacier.compiler.errors import InjectionError

MAIN_FILE = "__main__.py"
#: Largest custom code accepted in one call (characters): a program, not a data dump.
MAX_CODE_CHARS = 1_000_000
_BEGIN = "# >>> glacier:custom-code {id} >>>"
_END = "# <<< glacier:custom-code {id} <<<"
#: Markers are recognised only as exact, whole lines (no indentation, nothing after them).
#: Generated comments can never contain the marker word (``pyrender.py_comment`` defuses
#: it) and string literals never start a line with ``#``, so only the injector writes them.
_REGION = re.compile(
    r"^# >>> glacier:custom-code (?P<id>[1-9][0-9]{0,8}) >>>\n(?P<body>.*?)"
    r"^# <<< glacier:custom-code (?P=id) <<<$",
    re.MULTILINE | re.DOTALL,
)
#: Anything that mentions the marker word, however spaced or cased.
_MARKER_WORD = re.compile(r"glacier\s*:\s*custom-code", re.IGNORECASE)


def extract_regions(text: str) -> list[tuple[int, str]]:
    """``(id, code)`` of every custom-code region, in file order."""
    return [(int(m["id"]), m["body"]) for m in _REGION.finditer(text)]


def render_regions(regions: list[tuple[int, str]]) -> str:
    """The regions as text to append to a program."""
    out = []
    for region_id, body in regions:
        body = body if body.endswith("\n") else body + "\n"
        out.append(f"\n\n{_BEGIN.format(id=region_id)}\n{body}{_END.format(id=region_id)}\n")
    return "".join(out)


def _parse(text: str, what: str) -> None:
    """``ast.parse`` with every failure (syntax, null bytes, nesting too deep for the
    parser, undecodable text) as :class:`InjectionError`."""
    try:
        ast.parse(text)
    except SyntaxError as exc:
        line = (exc.text or "").rstrip()
        raise InjectionError(
            f"{what} does not parse: {exc.msg} (line {exc.lineno}: {line[:200]!r}). "
            "Nothing was saved."
        ) from None
    except (ValueError, UnicodeError, MemoryError, RecursionError, OverflowError) as exc:
        raise InjectionError(
            f"{what} cannot be parsed ({type(exc).__name__}: nested too deeply or not valid "
            "source text). Nothing was saved."
        ) from None


def check_code(code: str, what: str = "custom code") -> str:
    """Dedent and parse ``code``; raise :class:`InjectionError` naming the problem for
    anything that is not valid Python source text (never another exception)."""
    if not isinstance(code, str):
        raise InjectionError(f"{what} must be a str of Python code, not {type(code).__name__}.")
    if len(code) > MAX_CODE_CHARS:
        raise InjectionError(
            f"{what} has {len(code):,} characters; the limit is {MAX_CODE_CHARS:,}. Put large "
            "code in a module and import it from the region."
        )
    try:
        code.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InjectionError(
            f"{what} is not valid Unicode text (a lone surrogate {code[exc.start]!r} at "
            f"position {exc.start}); it cannot be written to a UTF-8 file. Nothing was saved."
        ) from None
    if "\x00" in code:
        raise InjectionError(f"{what} contains a NUL character. Nothing was saved.")
    if _MARKER_WORD.search(code):
        raise InjectionError(f"{what} must not contain glacier:custom-code markers.")
    # Python reads a lone CR as a line break: normalise, so the region reads back unchanged.
    text = code.replace("\r\n", "\n").replace("\r", "\n")
    text = textwrap.dedent(text).strip("\n") + "\n"
    _parse(text, what)
    return text


def read_program(main: Path) -> str:
    """The text of an exported ``__main__.py`` (UTF-8), or :class:`InjectionError`."""
    try:
        return main.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InjectionError(
            f"{main} cannot be read as UTF-8 text ({type(exc).__name__}: {exc}); restore it "
            "from version control or re-export the program into an empty folder."
        ) from None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to a temporary file next to ``path``, then rename it over
    ``path``: readers and a crash see the old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class PulumiProgramInjector:
    """Add custom Pulumi code to an exported Glacier project.

    >>> injector = PulumiProgramInjector("./infra")          # doctest: +SKIP
    >>> injector.add_custom_code("import pulumi\\npulumi.export('x', 1)")  # doctest: +SKIP
    >>> injector.save()                                      # doctest: +SKIP

    Code that does not parse is refused by :meth:`add_custom_code`, before anything is
    saved. Each call becomes one region appended at the end of ``__main__.py``, after the
    generated resources, so it can use their variables. Every refusal is an
    :class:`InjectionError`; ``__main__.py`` is replaced in one step (or not at all).
    """

    def __init__(self, directory: str | Path) -> None:
        try:
            self.directory = Path(directory)
            self.main = self.directory / MAIN_FILE
            found = self.main.is_file()
        except (TypeError, ValueError, OSError) as exc:
            raise InjectionError(
                f"{directory!r} is not a usable project directory ({exc})."
            ) from None
        if not found:
            raise InjectionError(
                f"{self.main} does not exist: export the program first with "
                "infra.export_pulumi(dir) or `glacier compile FILE --out dir`."
            )
        self._pending: list[str] = []

    def add_custom_code(self, code: str) -> PulumiProgramInjector:
        """Stage ``code`` (checked with ``ast.parse``) for the next :meth:`save`."""
        self._pending.append(check_code(code))
        return self

    def regions(self) -> list[tuple[int, str]]:
        """The regions already saved in ``__main__.py``."""
        return extract_regions(read_program(self.main))

    def save(self) -> Path:
        """Append the staged code as new regions; the whole file must still parse."""
        text = read_program(self.main)
        next_id = max((i for i, _ in extract_regions(text)), default=0) + 1
        regions = [(next_id + n, code) for n, code in enumerate(self._pending)]
        new_text = text.rstrip("\n") + "\n" + render_regions(regions)
        _parse(new_text, f"{self.main} after injection")
        try:
            write_atomic(self.main, new_text)
        except OSError as exc:
            raise InjectionError(f"Cannot write {self.main}: {exc}. Nothing was saved.") from None
        self._pending.clear()
        return self.main
