"""Code packages of serverless functions and build files of executors.

Emitters describe what a function's package holds (:class:`PackageSpec`: the handler's module,
its requirements and a cloud-specific wrapper entry) and which extra files an executor needs
(:class:`BuildFile`, e.g. Glue's entry script); they add them to ``ir.packages`` /
``ir.build_files`` while emitting. ``CompiledInfra.export_pulumi(dir)`` then writes::

    dir/build/<function>/        the handler's module (file or top-level package, copied by
                                 path), requirements.txt, the wrapper entry (and host files)
    dir/build/<function>.zip     the same folder as a deterministic zip (sorted entries,
                                 fixed timestamps and permissions)

and every build file under ``dir``. Packaging imports nothing the handler imports: the module
is located with :func:`importlib.util.find_spec` and copied as files.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import sys
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from glacier._version import __version__
from glacier.compiler.errors import CompilerError
from glacier.compiler.pyrender import py_literal

BUILD_DIR = "build"
#: Every zip entry gets this timestamp (the earliest a zip can hold): same input, same bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
GLACIER_REQUIREMENT = f"glacier-core=={__version__}"
_SKIP = {"__pycache__", ".git", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


@dataclass(frozen=True)
class PackageSpec:
    """One function's code package.

    Attributes:
        name: The Glacier function name (``build/<safe name>/``).
        handler_ref: ``"module:function"`` of the user's handler.
        source: The module's file, or the top-level package directory, copied by path.
        requirements: Declared pip requirements (config's list, wrapper's, glacier-core if
            the handler imports glacier), in order, without duplicates.
        files: Cloud-specific files written next to the module: ``(relative path, text)``.
    """

    name: str
    handler_ref: str
    source: Path
    requirements: tuple[str, ...]
    files: tuple[tuple[str, str], ...] = ()

    @property
    def folder(self) -> str:
        """The build folder, relative to the Pulumi project directory."""
        return package_folder(self.name)

    @property
    def archive(self) -> str:
        """The zip, relative to the Pulumi project directory."""
        return package_archive(self.name)


@dataclass(frozen=True)
class BuildFile:
    """A text file the program uploads (e.g. an engine entry script), relative to the
    project directory."""

    path: str
    text: str


@dataclass
class BuildPlan:
    """Everything ``export_pulumi`` writes under ``build/``."""

    packages: list[PackageSpec] = field(default_factory=list)
    files: list[BuildFile] = field(default_factory=list)


def safe_name(name: str) -> str:
    """A file-system-safe, deterministic folder name for a Glacier resource name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "function"


def package_folder(name: str) -> str:
    return f"{BUILD_DIR}/{safe_name(name)}"


def package_archive(name: str) -> str:
    return f"{BUILD_DIR}/{safe_name(name)}.zip"


# -- locating and describing the handler ---------------------------------------------------
def split_ref(handler_ref: str) -> tuple[str, str]:
    """``("module", "function")`` of a ``"module:function"`` reference."""
    module, _, function = handler_ref.partition(":")
    return module, function


def module_source(handler_ref: str) -> Path:
    """The file (single module) or directory (package) holding the handler's top-level
    module. Raises :class:`CompilerError` when it cannot be copied by path."""
    module, _ = split_ref(handler_ref)
    top = module.split(".")[0]
    if top == "__main__":
        raise CompilerError(
            f"Serverless handler {handler_ref!r} is defined in __main__, which cannot be "
            "packaged: move it into an importable module (e.g. handlers.py) and pass it from "
            "there."
        )
    loaded = sys.modules.get(top)
    spec = getattr(loaded, "__spec__", None) if loaded is not None else None
    if spec is None:
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError) as exc:
            raise CompilerError(f"Cannot locate handler module {top!r}: {exc}") from None
    if spec is None or spec.origin in (None, "built-in", "frozen"):
        raise CompilerError(
            f"Cannot locate the source of handler module {top!r} ({handler_ref!r}); make it "
            "importable (PYTHONPATH) when compiling."
        )
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))).resolve()
    return Path(spec.origin).resolve()


def python_files(source: Path) -> list[Path]:
    """The ``.py`` files of a module file or package directory (sorted)."""
    if source.is_file():
        return [source]
    return sorted(p for p in source.rglob("*.py") if not _SKIP & set(p.parts))


def imports_glacier(paths: Iterable[Path]) -> bool:
    """Whether any of ``paths`` imports ``glacier`` (``import glacier...`` /
    ``from glacier... import``)."""
    for path in paths:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n == "glacier" or n.startswith("glacier.") for n in names):
                return True
    return False


def requirements_for(
    source: Path, declared: Sequence[str], wrapper: Sequence[str] = ()
) -> tuple[str, ...]:
    """Declared requirements, then the wrapper's, then glacier-core when the handler's code
    imports glacier; duplicates (by exact line) removed, order kept."""
    out: list[str] = []
    extra = [GLACIER_REQUIREMENT] if imports_glacier(python_files(source)) else []
    for line in (*declared, *wrapper, *extra):
        line = line.strip()
        if line and line not in out:
            out.append(line)
    return tuple(out)


def make_package(
    name: str,
    handler_ref: str,
    declared: Sequence[str],
    files: Sequence[tuple[str, str]] = (),
    wrapper_requirements: Sequence[str] = (),
) -> PackageSpec:
    """Describe one function's package (locates the module now: errors surface at compile)."""
    module_top = split_ref(handler_ref)[0].split(".")[0]
    clashes = [p for p, _ in files if p.split("/")[0].removesuffix(".py") == module_top]
    if clashes:
        raise CompilerError(
            f"Handler module {module_top!r} has the name of the generated entry {clashes[0]!r}; "
            "rename the module."
        )
    source = module_source(handler_ref)
    return PackageSpec(
        name=name,
        handler_ref=handler_ref,
        source=source,
        requirements=requirements_for(source, declared, wrapper_requirements),
        files=tuple(files),
    )


# -- wrapper source helpers (shared by the clouds' entries) --------------------------------
def loader_lines(handler_ref: str) -> list[str]:
    """Python lines that import the user's handler by reference and tell whether it takes a
    context argument (Lambda-style ``handler(event, context)``). Names are literals."""
    module, function = split_ref(handler_ref)
    return [
        f"_MODULE = {py_literal(module)}",
        f"_FUNCTION = {py_literal(function)}",
        "",
        "",
        "def _load():",
        '    """The user\'s handler, imported by reference."""',
        "    target = importlib.import_module(_MODULE)",
        '    for part in _FUNCTION.split("."):',
        "        target = getattr(target, part)",
        "    return target",
        "",
        "",
        "_handler = _load()",
        "_TAKES_CONTEXT = len(inspect.signature(_handler).parameters) >= 2",
    ]


# -- building ------------------------------------------------------------------------------
def build_package(spec: PackageSpec, root: str | Path) -> Path:
    """Write ``root/build/<name>/`` and its deterministic zip; returns the zip's path."""
    root = Path(root)
    folder = root / spec.folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if spec.source.is_dir():
        shutil.copytree(
            spec.source,
            folder / spec.source.name,
            ignore=shutil.ignore_patterns(*_SKIP, "*.pyc", "*.pyo"),
        )
    else:
        shutil.copy2(spec.source, folder / spec.source.name)
    (folder / "requirements.txt").write_text("".join(f"{r}\n" for r in spec.requirements))
    for rel, text in spec.files:
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    archive = root / spec.archive
    deterministic_zip(folder, archive)
    return archive


def deterministic_zip(folder: Path, archive: Path) -> None:
    """Zip ``folder``'s files (paths relative to it): sorted, fixed timestamps, mode 0644."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    files = sorted(
        (p for p in folder.rglob("*") if p.is_file() and not _SKIP & set(p.parts)),
        key=lambda p: p.relative_to(folder).as_posix(),
    )
    tmp = archive.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=ZIP_EPOCH)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    tmp.replace(archive)


def build_all(plan: BuildPlan, root: str | Path) -> list[Path]:
    """Build every package and write every build file; returns what was written."""
    root = Path(root)
    written: list[Path] = []
    for spec in plan.packages:
        written.append(build_package(spec, root))
    for item in plan.files:
        target = root / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(item.text, encoding="utf-8")
        written.append(target)
    return written
