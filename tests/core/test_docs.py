"""Docs that run: every complete code block, CLI example, link and API name in the docs works.

Conventions (see CONTRIBUTING.md):

* Every ```` ```python ```` block in README.md, CONTRIBUTING.md and docs/ is *complete*: it
  runs as a script (``__name__ == "__main__"``) in a fresh folder, on the local default (no
  cloud variables), blocks of one page one after another in the same folder. A block needing
  a cloud runs against a local stand-in it starts itself (moto, the GCS emulator) or that
  this test starts (Azurite: the block reads ``AZURITE_BLOB_ENDPOINT``).
* A block whose first line is ``# fragment`` (with a reason) is an excerpt: it only has to
  parse.
* A block whose first line is ``# file: NAME.py`` is also saved as NAME.py, for the page's
  later blocks to import.
* Every ``glacier ...`` line in a bash/shell block parses with the CLI's own parser, and
  docs/cli.md shows each command's current ``--help`` (``GLACIER_UPDATE_DOCS=1`` rewrites it).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from glacier.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FRAGMENT = "# fragment"
FILE_MARK = "# file: "


def markdown_files() -> list[Path]:
    found = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted(DOCS.rglob("*.md"))]
    return [p for p in found if p.exists()]


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    lang: str
    code: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def first_line(self) -> str:
        return self.code.lstrip("\n").split("\n", 1)[0].strip()

    @property
    def is_fragment(self) -> bool:
        return self.first_line.startswith(FRAGMENT)

    @property
    def file_name(self) -> str | None:
        first = self.first_line
        return first[len(FILE_MARK) :].split()[0] if first.startswith(FILE_MARK) else None


_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<lang>[\w+-]*)")


def fenced_blocks(path: Path) -> list[Block]:
    """Fenced code blocks, dedented by their fence's indentation (blocks inside lists)."""
    lines = path.read_text().splitlines()
    blocks, i = [], 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence = len(match["indent"]), match["fence"]
        body, j = [], i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j][indent:] if lines[j][:indent].strip() == "" else lines[j])
            j += 1
        blocks.append(Block(path, i + 1, match["lang"].lower(), "\n".join(body) + "\n"))
        i = j + 1
    return blocks


def python_blocks(path: Path) -> list[Block]:
    return [b for b in fenced_blocks(path) if b.lang in ("python", "py")]


def _page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


PAGES_WITH_CODE = [p for p in markdown_files() if any(not b.is_fragment for b in python_blocks(p))]


# -- python blocks -------------------------------------------------------------------------
def test_every_python_block_parses() -> None:
    bad = []
    for path in markdown_files():
        for block in python_blocks(path):
            try:
                compile(block.code, block.where, "exec")
            except SyntaxError as exc:
                bad.append(f"{block.where}: {exc.msg} (block line {exc.lineno})")
    assert not bad, "\n".join(bad)


def test_readme_and_getting_started_have_runnable_code() -> None:
    for name in ("README.md", "docs/getting-started.md"):
        blocks = python_blocks(ROOT / name)
        assert blocks and not blocks[0].is_fragment, name


@contextlib.contextmanager
def _azurite(tmp_path: Path, needed: bool) -> Iterator[dict[str, str]]:
    if not needed:
        yield {}
        return
    from tests.storage.storage_servers import AzuriteMissingError, start_azurite

    try:
        with start_azurite(tmp_path) as server:
            yield {"AZURITE_BLOB_ENDPOINT": server.endpoint}
    except AzuriteMissingError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=_page_id)
def test_complete_python_blocks_run(page: Path, tmp_path: Path) -> None:
    from tests.storage.storage_servers import cloudless_env

    blocks = [b for b in python_blocks(page) if not b.is_fragment]
    workdir = tmp_path / "work"
    workdir.mkdir()
    needs_azurite = any("AZURITE_BLOB_ENDPOINT" in b.code for b in blocks)
    with _azurite(tmp_path, needs_azurite) as extra_env:
        env = {**cloudless_env(), **extra_env, "PYTHONDONTWRITEBYTECODE": "1"}
        for n, block in enumerate(blocks):
            script = workdir / (block.file_name or f"block_{n}_line_{block.line}.py")
            script.write_text(block.code)
            proc = subprocess.run(
                [sys.executable, script.name],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert proc.returncode == 0, (
                f"{block.where} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
            )


def test_readme_example_runs_under_glacier_run_without_a_second_run(tmp_path: Path) -> None:
    """The README's file, as copied: `glacier run` runs it once, with no note (guarded)."""
    from tests.storage.storage_servers import cloudless_env

    (tmp_path / "sales.py").write_text(python_blocks(ROOT / "README.md")[0].code)
    proc = subprocess.run(
        [sys.executable, "-m", "glacier", "run", "sales.py", "-q"],
        cwd=tmp_path,
        env=cloudless_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^save +succeeded +[\d.]+s +2 ", proc.stdout, re.M)
    assert proc.stderr == ""


# -- CLI examples and reference --------------------------------------------------------------
def _cli_lines() -> Iterator[tuple[str, str]]:
    """(where, command) for each ``glacier ...`` command in shell blocks and README tables."""
    for path in markdown_files():
        for block in fenced_blocks(path):
            if block.lang not in ("bash", "sh", "shell", "console"):
                continue
            for k, raw in enumerate(block.code.splitlines()):
                line = raw.split(" #", 1)[0].strip().removeprefix("$ ")
                words = shlex.split(line.split("|", 1)[0]) if "glacier" in line else []
                while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
                    words = words[1:]  # VAR=value prefixes
                if words[:1] == ["glacier"]:
                    yield f"{block.where}+{k + 1}", " ".join(words[1:])


def test_cli_examples_in_the_docs_parse() -> None:
    from glacier.cli.main import build_parser
    from glacier.migrate.cli import build_parser as migrate_parser

    commands = list(_cli_lines())
    assert len(commands) >= 10
    bad = []
    for where, command in commands:
        argv = shlex.split(command)
        parser = migrate_parser() if argv[:1] == ["migrate"] else build_parser()
        args = argv[1:] if argv[:1] == ["migrate"] else argv
        try:
            with (
                contextlib.redirect_stderr(io.StringIO()),
                contextlib.redirect_stdout(io.StringIO()),
            ):
                parser.parse_args(args)
        except SystemExit as exc:
            if exc.code != 0:  # --help exits 0
                bad.append(f"{where}: glacier {command}")
    assert not bad, "CLI examples that do not parse:\n" + "\n".join(bad)


def _help_texts(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    from glacier.cli.main import build_parser
    from glacier.migrate.cli import build_parser as migrate_parser

    monkeypatch.setenv("COLUMNS", "100")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    texts = {"": parser.format_help()}
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        texts[name] = command.format_help()
    texts["migrate"] = migrate_parser().format_help()
    return texts


def test_cli_reference_shows_the_current_help(monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/cli.md holds each command's --help (argparse's 3.11-3.12 layout)."""
    page = DOCS / "cli.md"
    text = page.read_text()
    expected = text
    for name, help_text in _help_texts(monkeypatch).items():
        pattern = re.compile(rf"(<!-- help:{name} -->\n).*?(<!-- /help:{name} -->)", re.S)
        assert pattern.search(expected), f"docs/cli.md has no help block for {name!r}"
        block = f"```text\n{help_text.rstrip()}\n```\n"
        expected = pattern.sub(lambda m, b=block: m.group(1) + b + m.group(2), expected)
    if os.environ.get("GLACIER_UPDATE_DOCS") and expected != text:
        page.write_text(expected)
        text = expected
    assert text == expected, "docs/cli.md is out of date: run with GLACIER_UPDATE_DOCS=1"


# -- links and API names ---------------------------------------------------------------------
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def test_relative_links_resolve() -> None:
    """Links between pages point at files that exist; from docs/ they stay inside docs/ (the
    built site holds nothing else: a link to ../examples/ is a 404 there)."""
    bad = []
    for path in markdown_files():
        in_docs = DOCS in path.parents
        text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
        for target in _LINK.findall(text):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            resolved = (path.parent / target.split("#", 1)[0]).resolve()
            if not resolved.exists():
                bad.append(f"{path.relative_to(ROOT)}: {target} does not exist")
            elif in_docs and DOCS not in resolved.parents:
                bad.append(f"{path.relative_to(ROOT)}: {target} is outside docs/ (404 on the site)")
    assert not bad, "\n".join(bad)


_DOTTED = re.compile(
    # a whole code span (or a call in one): `glacier.run/1` is a format tag, not an API name
    r"`((?:glacier|glacier_aws|glacier_azure|glacier_gcp|glacier_databricks)(?:\.\w+)+)(?=`|\()"
)


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


#: Names the docs mention on purpose although they do not exist (V2's module, in migration.md).
_GONE = {"glacier.providers"}


def test_dotted_api_names_in_the_docs_exist() -> None:
    bad = []
    for path in markdown_files():
        for name in sorted(set(_DOTTED.findall(path.read_text())) - _GONE):
            try:
                _resolve(name)
            except (ImportError, AttributeError) as exc:
                bad.append(f"{path.relative_to(ROOT)}: `{name}` ({type(exc).__name__}: {exc})")
    assert not bad, "\n".join(bad)


# -- structure -------------------------------------------------------------------------------
def test_every_hookspec_is_documented() -> None:
    text = (ROOT / "docs" / "plugins.md").read_text()
    hooks = [
        n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("glacier_")
    ]
    assert len(hooks) == 6
    missing = [h for h in hooks if h not in text]
    assert not missing, f"docs/plugins.md does not mention {missing}"


def test_docs_nav_lists_every_page() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    unlisted = sorted(p for p in pages if p not in nav)
    assert not unlisted, f"pages missing from mkdocs.yml nav: {unlisted}"
