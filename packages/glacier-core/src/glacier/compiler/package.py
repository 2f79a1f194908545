"""Code packages of serverless functions and build files of executors.

Emitters describe what a function's package holds (:class:`PackageSpec`: the handler's module,
its requirements and a cloud-specific wrapper entry) and which extra files an executor needs
(:class:`BuildFile`, e.g. Glue's entry script); they add them to ``ir.packages`` /
``ir.build_files`` while emitting. ``CompiledInfra.export_pulumi(dir)`` then writes::

    dir/build/<function>/        the handler's Python sources (its module file, or the .py
                                 files of its top-level package), declared data files
                                 (``include`` globs), requirements.txt, the wrapper entry
    dir/build/<function>.zip     the same folder as a deterministic zip (sorted entries,
                                 fixed timestamps and permissions)

and every build file under ``dir``. Packaging imports nothing the handler imports: the module
is located with :func:`importlib.util.find_spec` and its files are listed at compile time
(:attr:`PackageSpec.contents`), so what a package holds is decided, and reported in the
project's README, before anything is written. Dotfiles and files that usually hold keys or
credentials (:data:`SECRET_PATTERNS`) are never packed; two functions whose build names
collide (``score v1`` and ``score-v1``) are a compile error.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import re
import shutil
import sys
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from glacier._version import __version__
from glacier.compiler.checks import include_problem, requirement_problem
from glacier.compiler.errors import CompilerError, ConflictingConfigError
from glacier.compiler.pyrender import py_literal

BUILD_DIR = "build"
#: Every zip entry gets this timestamp (the earliest a zip can hold): same input, same bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
GLACIER_REQUIREMENT = f"glacier-core=={__version__}"
_SKIP = {"__pycache__", ".git", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
#: Data files matching one of these names (case-insensitive) are never packed, even when an
#: ``include`` glob matches them: they usually hold keys or credentials. Dotfiles and
#: dot-folders (``.env``, ``.aws/``, ``.ssh/``) are never packed either, sources included.
SECRET_PATTERNS = (
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.ppk",
    "*.kdbx",
    "*.env",
    "*.tfstate",
    "*.tfstate.*",
    "service-account*.json",
    "service_account*.json",
    "client_secret*.json",
    "credentials*",
    "secrets.*",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".netrc",
    ".pypirc",
)


@dataclass(frozen=True)
class PackedFile:
    """One file copied into a package: its path inside the zip and where it comes from."""

    arcname: str
    source: Path


@dataclass(frozen=True)
class PackageSpec:
    """One function's code package.

    Attributes:
        name: The Glacier function name (``build/<safe name>/``).
        handler_ref: ``"module:function"`` of the user's handler.
        source: The module's file, or the top-level package directory.
        requirements: Declared pip requirements (config's list, wrapper's, glacier-core if
            the handler imports glacier), in order, without duplicates.
        files: Cloud-specific files written next to the module: ``(relative path, text)``.
        contents: Exactly the files copied from the user's code (sources, then declared
            data), sorted by path inside the zip.
        left_out: Files an ``include`` glob matched but that were not packed because their
            names look like secrets (reported in the README).
    """

    name: str
    handler_ref: str
    source: Path
    requirements: tuple[str, ...]
    files: tuple[tuple[str, str], ...] = ()
    contents: tuple[PackedFile, ...] = ()
    left_out: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.contents:  # built directly, not by make_package: sources only
            object.__setattr__(self, "contents", tuple(source_files(self.source)))

    @property
    def packed(self) -> list[str]:
        """Every path inside the zip, sorted."""
        names = {f.arcname for f in self.contents} | {rel for rel, _ in self.files}
        return sorted(names | {"requirements.txt"})

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
    project directory. ``owner`` names what needs it (for messages)."""

    path: str
    text: str
    owner: str = ""


@dataclass
class BuildPlan:
    """Everything ``export_pulumi`` writes under ``build/``."""

    packages: list[PackageSpec] = field(default_factory=list)
    files: list[BuildFile] = field(default_factory=list)

    def add_package(self, spec: PackageSpec) -> None:
        """Add a function's package; refuse one whose build folder or zip another one
        already uses (see :meth:`check`)."""
        self.packages.append(spec)
        self.check()

    def check(self) -> None:
        """Raise :class:`ConflictingConfigError` when two packages (or a package and a build
        file) would be written to the same ``build/`` folder or zip: one function would
        then deploy another's code under its own identity. Names are compared as built
        (:func:`safe_name`) and case-insensitively (macOS and Windows file systems)."""
        owners: dict[str, str] = {}
        for spec in self.packages:
            key = safe_name(spec.name).lower()
            other = owners.get(key)
            if other is not None:
                raise ConflictingConfigError(
                    f"{other} and function {spec.name!r} would both be built as "
                    f"{spec.folder}/ and {spec.archive}, so one would deploy the other's code "
                    "under its own identity. Rename one of them: build names keep only "
                    "A-Z a-z 0-9 _ . - (other characters become '-') and ignore case."
                )
            owners[key] = f"Function {spec.name!r}"
        texts: dict[str, BuildFile] = {}
        for item in self.files:
            parts = PurePosixPath(item.path).parts
            folder = parts[1].lower() if len(parts) > 2 and parts[0] == BUILD_DIR else None
            clash = owners.get(folder) if folder is not None else None
            if clash is None and len(parts) == 2 and parts[0] == BUILD_DIR:
                clash = owners.get(parts[1].lower().removesuffix(".zip"))
            same = texts.get(item.path.lower())
            if clash is None and same is not None and same.text != item.text:
                clash = f"The build file of {same.owner or 'another resource'}"
            if clash is not None:
                raise ConflictingConfigError(
                    f"{clash} and {item.owner or 'a build file'} would both be written to "
                    f"{item.path}. Rename one of them: build names keep only A-Z a-z 0-9 _ . - "
                    "(other characters become '-') and ignore case."
                )
            texts[item.path.lower()] = item


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
    source: Path, declared: Sequence[str], wrapper: Sequence[str] = (), owner: str = ""
) -> tuple[str, ...]:
    """Declared requirements, then the wrapper's, then glacier-core when the handler's code
    imports glacier; duplicates (by exact line) removed, order kept. Every line must be one
    PEP 508 requirement (:func:`glacier.compiler.checks.requirement_problem`), checked
    before anything is written."""
    out: list[str] = []
    extra = [GLACIER_REQUIREMENT] if imports_glacier(python_files(source)) else []
    for line in (*declared, *wrapper, *extra):
        problem = requirement_problem(line)
        if problem is not None:
            where = f" of {owner}" if owner else ""
            raise CompilerError(
                f"Requirement {str(line)[:80]!r}{where} {problem}. Nothing was written."
            )
        line = line.strip()
        if line not in out:
            out.append(line)
    return tuple(out)


def is_secret_name(relative: str) -> bool:
    """Whether a file (path relative to the import root) is never packed: any dot-named
    segment, or a data file whose name matches :data:`SECRET_PATTERNS`."""
    parts = PurePosixPath(relative).parts
    if any(part.startswith(".") for part in parts):
        return True
    name = parts[-1].lower() if parts else ""
    if name.endswith(".py"):
        return False
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in SECRET_PATTERNS)


def _skipped(relative: str) -> bool:
    parts = PurePosixPath(relative).parts
    return bool(_SKIP & set(parts)) or relative.endswith((".pyc", ".pyo"))


def source_files(source: Path) -> list[PackedFile]:
    """The handler's Python sources: its module file, or every ``.py`` file of its
    top-level package (caches and dot-named files and folders left out)."""
    root = source.parent
    if source.is_file():
        return [PackedFile(source.name, source)]
    out = []
    for path in python_files(source):
        rel = path.relative_to(root).as_posix()
        if not is_secret_name(rel):
            out.append(PackedFile(rel, path))
    return out


def included_files(
    source: Path, patterns: Sequence[str], owner: str
) -> tuple[list[PackedFile], list[str]]:
    """Files matched by ``include`` globs (relative to the folder holding the handler's
    top-level module; a matched folder brings its files): ``(packed, left out as secrets)``.
    A pattern that matches no packable file, or a file outside that folder (a symlink), is a
    :class:`CompilerError`."""
    root = source.parent
    real_root = root.resolve()
    packed: dict[str, PackedFile] = {}
    left_out: set[str] = set()
    for pattern in patterns:
        problem = include_problem(pattern)
        if problem is not None:
            raise CompilerError(f"include pattern {pattern!r} of {owner} {problem}.")
        matched: list[Path] = []
        for hit in sorted(root.glob(pattern)):
            matched += sorted(p for p in hit.rglob("*") if p.is_file()) if hit.is_dir() else [hit]
        secrets: list[str] = []
        count = 0
        for path in matched:
            if not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            if _skipped(rel):
                continue
            if not path.resolve().is_relative_to(real_root):
                raise CompilerError(
                    f"include pattern {pattern!r} of {owner} matches {rel}, which resolves "
                    f"outside {root} (a symlink); copy the file into the folder instead."
                )
            if is_secret_name(rel):
                secrets.append(rel)
                continue
            packed.setdefault(rel, PackedFile(rel, path))
            count += 1
        left_out.update(secrets)
        if not count:
            detail = (
                f"; it matched only files that look like secrets ({', '.join(secrets[:5])}), "
                "which are never packed: pass secrets as environment variables or through "
                "the cloud's secret store"
                if secrets
                else ""
            )
            raise CompilerError(
                f"include pattern {pattern!r} of {owner} matches no file under {root}{detail}."
            )
    return list(packed.values()), sorted(left_out)


def make_package(
    name: str,
    handler_ref: str,
    declared: Sequence[str],
    files: Sequence[tuple[str, str]] = (),
    wrapper_requirements: Sequence[str] = (),
    include: Sequence[str] = (),
) -> PackageSpec:
    """Describe one function's package: locates the module and lists every file it will
    hold now, so errors surface at compile, before anything is written.

    ``include``: globs of data files to pack besides the Python sources, relative to the
    folder holding the handler's top-level module (e.g. ``["mypkg/models/*.onnx"]``).
    """
    owner = f"function {name!r}"
    module_top = split_ref(handler_ref)[0].split(".")[0]
    clashes = [p for p, _ in files if p.split("/")[0].removesuffix(".py") == module_top]
    if clashes:
        raise CompilerError(
            f"Handler module {module_top!r} has the name of the generated entry {clashes[0]!r}; "
            "rename the module."
        )
    source = module_source(handler_ref)
    requirements = requirements_for(source, declared, wrapper_requirements, owner)
    data, left_out = included_files(source, include, owner)
    contents = {f.arcname: f for f in (*source_files(source), *data)}
    generated = {rel for rel, _ in files} | {"requirements.txt"}
    taken = sorted(generated & set(contents))
    if taken:
        raise CompilerError(
            f"{owner.capitalize()} would pack {taken[0]!r} from its code, but Glacier writes "
            "that file into the package; rename the file or narrow the include pattern."
        )
    return PackageSpec(
        name=name,
        handler_ref=handler_ref,
        source=source,
        requirements=requirements,
        files=tuple(files),
        contents=tuple(sorted(contents.values(), key=lambda f: f.arcname)),
        left_out=tuple(left_out),
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
    """Write ``root/build/<name>/`` (exactly :attr:`PackageSpec.contents`, the requirements
    and the generated files) and its deterministic zip; returns the zip's path."""
    root = Path(root)
    folder = root / spec.folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for item in spec.contents:
        target = folder / item.arcname
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item.source, target)
    requirements = "".join(f"{r}\n" for r in spec.requirements)
    (folder / "requirements.txt").write_text(requirements, encoding="utf-8")
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
        (
            p
            for p in folder.rglob("*")
            if p.is_file() and not _SKIP & set(p.relative_to(folder).parts)
        ),
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
    plan.check()
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
