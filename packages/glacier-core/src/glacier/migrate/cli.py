"""Command line of ``glacier migrate``: find files, run the codemod, print the report.

This module does not import libcst at import time, so ``glacier migrate`` can say how to
install it when it is missing.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib.util
import io
import sys
import tokenize
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from glacier.migrate.transformer import MigrationResult

MISSING_LIBCST = "glacier migrate needs libcst: pip install 'glacier-core[migrate]'"

#: Exit codes.
OK, WOULD_CHANGE, ERROR = 0, 1, 2

#: Directory names never searched for ``*.py`` files.
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "build", "dist"})


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``glacier migrate``."""
    parser = argparse.ArgumentParser(
        prog="glacier migrate",
        description="Rewrite Glacier V2 code (AWSProvider(...), bucket_source(...)) to the V3 "
        "API (Provider(config=AwsConfig(...)), bucket(...)). Files are changed in place "
        "unless --diff or --check is given.",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="Python files or directories (searched for *.py)",
    )
    parser.add_argument(
        "--diff", action="store_true", help="print a unified diff instead of writing files"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when some file would change"
    )
    return parser


def iter_python_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the ``*.py`` files named by ``paths``, recursing into directories.

    Hidden directories (``.git``, ``.venv``) and build/cache directories are skipped.
    Missing paths are yielded as they are, so the caller can report them.
    """
    seen: set[Path] = set()
    for path in paths:
        found: Iterable[Path]
        if path.is_dir():
            found = (
                p
                for p in sorted(path.rglob("*.py"))
                if p.is_file()
                and not any(
                    part.startswith(".") or part in _SKIP_DIRS
                    for part in p.relative_to(path).parts[:-1]
                )
            )
        else:
            found = [path]
        for file in found:
            if file not in seen:
                seen.add(file)
                yield file


def _read(path: Path) -> tuple[str, str]:
    """Read a Python file, honouring its coding cookie; return (text, encoding)."""
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


def _parse_error(path: Path, exc: Exception) -> str:
    """A one-line reason why ``path`` does not parse; Python's own message when it has one."""
    try:
        ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as syntax:
        return f"{syntax.msg} (line {syntax.lineno})"
    except (OSError, ValueError):  # not readable as Python source at all
        pass
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _diff(path: Path, result: MigrationResult) -> str:
    """Unified diff between the original and the migrated text."""
    return "".join(
        difflib.unified_diff(
            result.source.splitlines(keepends=True),
            result.code.splitlines(keepends=True),
            fromfile=f"{path} (V2)",
            tofile=f"{path} (V3)",
        )
    )


def run(argv: list[str] | None, out: TextIO, err: TextIO) -> int:
    """Run ``glacier migrate`` with ``argv``; write the report to ``out`` and errors to ``err``.

    With ``--diff`` the diff goes to ``out`` and the report to ``err``.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed by argparse
        return exc.code if isinstance(exc.code, int) else ERROR
    import libcst

    from glacier.migrate.transformer import MigrationError, migrate_source

    write = not (args.diff or args.check)
    report = err if args.diff else out  # with --diff, stdout is only the diff
    changed: list[Path] = []
    failed: list[Path] = []
    unchanged = 0
    for path in iter_python_files(args.paths):
        try:
            source, encoding = _read(path)
            result = migrate_source(source)
        except OSError as exc:
            print(f"error: {path}: cannot read: {exc.strerror or exc}", file=err)
            failed.append(path)
            continue
        except (SyntaxError, UnicodeDecodeError, libcst.ParserSyntaxError) as exc:
            reason = _parse_error(path, exc)
            print(f"error: {path}: cannot parse, left untouched: {reason}", file=err)
            failed.append(path)
            continue
        except MigrationError as exc:
            print(f"error: {path}: {exc}, left untouched", file=err)
            failed.append(path)
            continue
        except Exception as exc:  # a codemod bug must not stop the other files
            print(
                f"error: {path}: cannot migrate ({type(exc).__name__}: {exc}), left untouched",
                file=err,
            )
            failed.append(path)
            continue
        for warning in result.warnings:
            print(f"{path}:{warning.line}: warning: {warning.message}", file=report)
        if not result.changed:
            unchanged += 1
            continue
        changed.append(path)
        if args.diff:
            out.write(_diff(path, result))
        if write:
            path.write_bytes(result.code.encode(encoding))
            print(f"migrated {path}", file=out)
        elif args.check:
            print(f"would migrate {path}", file=out)
        for note in result.notes:
            print(f"{path}:{note.line}: glacier-migrate: {note.message}", file=report)

    verb = "migrated" if write else "would be migrated"
    summary = f"{len(changed)} file(s) {verb}, {unchanged} unchanged"
    if failed:
        summary += f", {len(failed)} could not be processed"
    print(summary, file=report)
    if failed:
        return ERROR
    if args.check and changed:
        return WOULD_CHANGE
    return OK


def main(argv: list[str] | None = None) -> int:
    """``glacier migrate PATH... [--diff] [--check]``; returns the exit code.

    0: done (or nothing to change); 1: ``--check`` found files to migrate; 2: some file could
    not be parsed or read (the others are still processed), or libcst is not installed.
    """
    if importlib.util.find_spec("libcst") is None:
        try:  # --help and usage errors work without libcst
            build_parser().parse_args(argv)
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else ERROR
        print(MISSING_LIBCST, file=sys.stderr)
        return ERROR
    return run(argv, sys.stdout, sys.stderr)
