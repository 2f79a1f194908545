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
import re
import textwrap
from pathlib import Path

from glacier.compiler.errors import InjectionError

MAIN_FILE = "__main__.py"
_BEGIN = "# >>> glacier:custom-code {id} >>>"
_END = "# <<< glacier:custom-code {id} <<<"
_REGION = re.compile(
    r"^# >>> glacier:custom-code (?P<id>\d+) >>>\n(?P<body>.*?)^# <<< glacier:custom-code "
    r"(?P=id) <<<$",
    re.MULTILINE | re.DOTALL,
)


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


def check_code(code: str, what: str = "custom code") -> str:
    """Dedent and parse ``code``; raise :class:`InjectionError` with the line if it fails."""
    text = textwrap.dedent(code).strip("\n") + "\n"
    try:
        ast.parse(text)
    except SyntaxError as exc:
        line = (exc.text or "").rstrip()
        raise InjectionError(
            f"{what} does not parse: {exc.msg} (line {exc.lineno}: {line!r}). Nothing was saved."
        ) from exc
    if _REGION.search(text) or "glacier:custom-code" in text:
        raise InjectionError(f"{what} must not contain glacier:custom-code markers.")
    return text


class PulumiProgramInjector:
    """Add custom Pulumi code to an exported Glacier project.

    >>> injector = PulumiProgramInjector("./infra")          # doctest: +SKIP
    >>> injector.add_custom_code("import pulumi\\npulumi.export('x', 1)")  # doctest: +SKIP
    >>> injector.save()                                      # doctest: +SKIP

    Code that does not parse is refused by :meth:`add_custom_code`, before anything is
    saved. Each call becomes one region appended at the end of ``__main__.py``, after the
    generated resources, so it can use their variables.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.main = self.directory / MAIN_FILE
        if not self.main.is_file():
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
        return extract_regions(self.main.read_text())

    def save(self) -> Path:
        """Append the staged code as new regions; the whole file must still parse."""
        text = self.main.read_text()
        next_id = max((i for i, _ in extract_regions(text)), default=0) + 1
        regions = [(next_id + n, code) for n, code in enumerate(self._pending)]
        new_text = text.rstrip("\n") + "\n" + render_regions(regions)
        try:
            ast.parse(new_text)
        except SyntaxError as exc:
            raise InjectionError(
                f"{self.main} would not parse after injection: {exc.msg} (line {exc.lineno})."
            ) from exc
        self.main.write_text(new_text)
        self._pending.clear()
        return self.main
