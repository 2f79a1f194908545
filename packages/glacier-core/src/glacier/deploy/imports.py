"""Which of the user's modules a pipeline file needs, found by reading imports (never running
them), and which third-party top-level names those modules import.

Starting at the pipeline file, every ``import`` / ``from … import`` (absolute and relative,
also inside functions and ``try`` blocks) is resolved against the project's search folders
(the pipeline's folder, then the project root, then ``root/src``); a module found there is
taken with the ``__init__.py`` of every package on its way, and read in turn. Nothing outside
the project root is ever taken: anything else is a third-party or standard-library name.
Imports made with ``importlib`` at run time are invisible here: name them as extra modules.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from glacier.errors import ArtifactError


@dataclass
class ModuleScan:
    """The result of :func:`scan_modules`."""

    #: Module name → its file (``pkg/__init__.py`` for packages), in discovery order.
    modules: dict[str, Path] = field(default_factory=dict)
    #: Top-level names imported by those modules that are not local and not stdlib.
    external: set[str] = field(default_factory=set)

    def files(self) -> list[Path]:
        return list(self.modules.values())


def search_folders(entry: Path, root: Path) -> list[Path]:
    """Where local modules are looked up: the entry's folder, the root, ``root/src``."""
    found: list[Path] = []
    for folder in (entry.parent, root, root / "src"):
        folder = folder.resolve()
        if folder.is_dir() and folder not in found and _within(folder, root):
            found.append(folder)
    return found


def _within(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def module_name_of(path: Path, folders: Sequence[Path]) -> str:
    """The dotted module name of ``path`` relative to the first search folder holding it."""
    for folder in folders:
        try:
            rel = path.resolve().relative_to(folder)
        except ValueError:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        if parts and all(p.isidentifier() for p in parts):
            return ".".join(parts)
    raise ArtifactError(
        f"{path} is not importable from the project's search folders "
        f"({', '.join(str(f) for f in folders)}): its path must be made of Python identifiers."
    )


def find_module(name: str, folders: Sequence[Path]) -> bool:
    """Whether ``name`` is a module of the project (found in ``folders``)."""
    return _find(name, folders) is not None


def _find(name: str, folders: Sequence[Path]) -> list[tuple[str, Path]] | None:
    """The files that ``import name`` loads from ``folders`` (each package's ``__init__.py``
    and the module), or None when ``name`` is not local. Namespace packages have no file."""
    parts = name.split(".")
    for folder in folders:
        top = folder / parts[0]
        if not (top.is_dir() or top.with_suffix(".py").is_file()):
            continue
        out: list[tuple[str, Path]] = []
        current = folder
        for i, part in enumerate(parts):
            dotted = ".".join(parts[: i + 1])
            package = current / part
            module = current / f"{part}.py"
            if (package / "__init__.py").is_file():
                out.append((dotted, package / "__init__.py"))
                current = package
            elif module.is_file():
                out.append((dotted, module))
                if i != len(parts) - 1:
                    return out  # ``a.b`` where ``a`` is a module: attribute access
                current = module.parent
            elif package.is_dir():
                current = package  # namespace package
            else:
                return out if i else None
        return out
    return None


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Absolute dotted names imported by a module (relative imports resolved); for
    ``from a import b`` both ``a`` and ``a.b`` (``b`` may be a submodule)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".") if package else []
                keep = len(base_parts) - (node.level - 1)
                if keep < 0:
                    continue
                base = ".".join(base_parts[:keep])
                target = ".".join(p for p in (base, node.module or "") if p)
            else:
                target = node.module or ""
            if not target:
                continue
            yield target
            for alias in node.names:
                if alias.name != "*":
                    yield f"{target}.{alias.name}"


def parse(path: Path) -> ast.AST:
    """The file's syntax tree; a clear error for unreadable or invalid sources."""
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        raise ArtifactError(
            f"Cannot package {path}: syntax error line {exc.lineno}: {exc.msg}"
        ) from None
    except OSError as exc:
        raise ArtifactError(f"Cannot read {path}: {exc}") from exc


def scan_modules(
    entry: Path, root: Path, extra_modules: Iterable[str] = (), skip: Iterable[str] = ()
) -> ModuleScan:
    """The local modules reachable by imports from ``entry`` (included) within ``root``.

    ``extra_modules`` are dotted names to take as well (dynamic imports); they must be
    local. Top-level names in ``skip`` (e.g. Glacier's own packages) are never local.
    """
    entry, root = entry.resolve(), root.resolve()
    if not _within(entry, root):
        raise ArtifactError(f"The pipeline file {entry} is outside the project root {root}.")
    folders = search_folders(entry, root)
    skipped = set(skip)
    scan = ModuleScan()
    queue: list[tuple[str, Path]] = [(module_name_of(entry, folders), entry)]
    for name in extra_modules:
        found = _find(name, folders)
        if not found:
            raise ArtifactError(
                f"Extra module {name!r} is not a module of the project {root} (looked in "
                f"{', '.join(str(f) for f in folders)})."
            )
        queue += found
    while queue:
        name, path = queue.pop(0)
        if name in scan.modules:
            continue
        scan.modules[name] = path
        is_package = path.name == "__init__.py"
        for imported in _imports(parse(path), name, is_package):
            top = imported.split(".")[0]
            if top in skipped:
                scan.external.add(top)
                continue
            found = _find(imported, folders)
            if found is None:
                if top not in sys.stdlib_module_names and top != "__future__":
                    scan.external.add(top)
                continue
            queue += [(n, p) for n, p in found if n not in scan.modules]
    # A name resolved locally is not external, even when first seen as an attribute import.
    local_tops = {n.split(".")[0] for n in scan.modules}
    scan.external -= local_tops - skipped
    return scan
