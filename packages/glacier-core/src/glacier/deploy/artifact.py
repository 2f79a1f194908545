"""``glacier package``: ONE code artifact per pipeline, installed by every engine and the driver.

The artifact is a single pure-Python wheel (``glacier_app_<pipeline>-<version>-py3-none-any``)
holding:

- the pipeline file and the user's modules it imports (found by reading imports from the
  pipeline file within the project root, see :mod:`glacier.deploy.imports`: never "the whole
  folder"), plus data files the user declares (``include``);
- glacier-core and the Glacier plugins the pipeline needs, vendored from the installed
  distributions (editable checkouts included), with their ``glacier`` entry points and the
  ``glacier`` console script;
- ``Requires-Dist`` exact pins (``name==version`` as installed here) of the third-party
  packages those modules import and of the vendored distributions' own requirements;
- a manifest, ``<dist-info>/glacier-artifact.json`` (:class:`ArtifactManifest`): entry
  ``module:pipeline``, every file's SHA-256, the requirements.

Why one wheel rather than a zip of wheels: every engine installs a wheel natively from one
URI (Databricks ``libraries: [{whl}]``, Glue ``--additional-python-modules``, ``pip install``
in a driver image or a clean venv), and the Spark family (``--py-files``, Dataproc
``pythonFileUris``, Synapse ``pyFiles``) imports a pure-Python wheel straight from the zip.
One file means one URI and one SHA-256 in the deployment record. The cost: Glacier's
packages are vendored under the app's distribution, so do not also install a different
glacier-core version on the same cluster.

Never packed: dotfiles and dot-folders, ``.env*``, keys, certificates, credential files and
Terraform/Pulumi state (see :func:`sensitive_reason`); asking for one is an error. The build
is deterministic: the same sources and installed versions give the same bytes (SHA-256); the
version is derived from the content, so a changed artifact is always a new version and
clusters that keep libraries reinstall it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from glacier._version import __version__
from glacier.deploy.dists import (
    GlacierDist,
    canonical,
    distributions_for_imports,
    glacier_distributions,
    glacier_top_levels,
    pinned_requirements,
)
from glacier.deploy.imports import scan_modules, search_folders
from glacier.deploy.wheel import (
    entry_points_text,
    metadata_text,
    wheel_name,
    wheel_text,
    write_wheel,
)
from glacier.deploy.wheel import escape as escape_name
from glacier.errors import ArtifactError
from glacier.models import GlacierModel

if TYPE_CHECKING:
    from glacier.dag.pipeline import Pipeline
    from glacier.deploy.record import ArtifactRecord
    from glacier.resources.base import Resource

MANIFEST_NAME = "glacier-artifact.json"
#: Where ``glacier compile``/``deploy`` put the artifact inside the Pulumi project.
ARTIFACT_DIR = "build/artifact"
#: Where the compiled program uploads it in a staging bucket (``<prefix><sha256>/<file>``).
ARTIFACT_PREFIX = "_glacier/artifacts/"
#: Files that mark a project root (searched upwards from the pipeline file).
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")

#: Names never packed (fnmatch on the file name, case-insensitive), with the reason.
SENSITIVE = (
    (".env*", "an environment file"),
    ("*.env", "an environment file"),
    ("*.pem", "a key or certificate"),
    ("*.key", "a key"),
    ("*.p12", "a key store"),
    ("*.pfx", "a key store"),
    ("*.jks", "a key store"),
    ("*.keystore", "a key store"),
    ("*.crt", "a certificate"),
    ("id_rsa*", "an SSH key"),
    ("id_dsa*", "an SSH key"),
    ("id_ecdsa*", "an SSH key"),
    ("id_ed25519*", "an SSH key"),
    ("credentials", "a credentials file"),
    ("credentials.*", "a credentials file"),
    ("*credentials*.json", "a credentials file"),
    ("*service-account*.json", "a service-account key"),
    ("*serviceaccount*.json", "a service-account key"),
    ("*.tfstate", "infrastructure state"),
    ("*.tfstate.*", "infrastructure state"),
    ("kubeconfig", "a cluster credential"),
    ("*.kubeconfig", "a cluster credential"),
    ("secrets.*", "a secrets file"),
    ("*.secret", "a secrets file"),
)
_JUNK_DIRS = {"__pycache__"}
_JUNK_SUFFIXES = (".pyc", ".pyo")


def sensitive_reason(rel_path: str) -> str | None:
    """Why ``rel_path`` must never be packed (a dotfile or dot-folder; a key, credentials or
    state file that is not Python source), or None."""
    parts = [p for p in rel_path.replace("\\", "/").split("/") if p]
    for part in parts:
        if part.startswith(".") and part not in (".", ".."):
            return "a dotfile or dot-folder"
    name = parts[-1].lower() if parts else ""
    if name.endswith(".py"):
        return None  # source code (``credentials.py`` that reads the environment is fine)
    for pattern, reason in SENSITIVE:
        if fnmatch.fnmatchcase(name, pattern):
            return reason
    return None


def _junk(rel_path: str) -> bool:
    parts = rel_path.split("/")
    return bool(_JUNK_DIRS & set(parts)) or rel_path.endswith(_JUNK_SUFFIXES)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: str | Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class ArtifactManifest(GlacierModel):
    """What an artifact holds; stored in the wheel as ``<dist-info>/glacier-artifact.json``."""

    format: Literal[1] = 1
    distribution: str
    version: str
    pipeline: str | None = None
    entry: str | None = Field(default=None, description="'module:pipeline' the driver runs.")
    #: User module name → its path in the wheel.
    modules: dict[str, str] = Field(default_factory=dict)
    #: Declared data files (paths in the wheel).
    data: list[str] = Field(default_factory=list)
    #: Vendored Glacier distribution → version.
    vendored: dict[str, str] = Field(default_factory=dict)
    vendored_top_level: list[str] = Field(default_factory=list)
    #: Every payload file → hex SHA-256 (what the runtime checks task code against).
    files: dict[str, str] = Field(default_factory=dict)
    requirements: list[str] = Field(default_factory=list)
    #: Third-party names imported by the user's modules that no installed distribution has.
    unresolved_imports: list[str] = Field(default_factory=list)
    glacier_version: str = __version__

    @property
    def dist_info(self) -> str:
        return f"{escape_name(self.distribution)}-{self.version}.dist-info"

    @property
    def filename(self) -> str:
        return wheel_name(self.distribution, self.version)

    def module_path(self, module: str) -> str | None:
        """The wheel path of ``module`` (``a.b`` → ``a/b.py`` or ``a/b/__init__.py``)."""
        if module in self.modules:
            return self.modules[module]
        base = module.replace(".", "/")
        for candidate in (f"{base}.py", f"{base}/__init__.py"):
            if candidate in self.files:
                return candidate
        return None

    def module_for_file(self, path: str | Path, sha256: str) -> str | None:
        """The module whose wheel path is a suffix of ``path`` and whose content has
        ``sha256``: how a task defined in a file loaded by path is found in the artifact."""
        posix = Path(path).as_posix()
        found = [
            (len(rel), module)
            for module, rel in self.modules.items()
            if (posix == rel or posix.endswith("/" + rel)) and self.files.get(rel) == sha256
        ]
        return max(found)[1] if found else None


@dataclass(frozen=True)
class BuiltArtifact:
    """A built artifact: the wheel, its SHA-256 and its manifest."""

    path: Path
    sha256: str
    manifest: ArtifactManifest

    def record(self, uri: str | None = None) -> ArtifactRecord:
        """The deployment record's ``artifact`` entry (``uri`` defaults to the local file)."""
        from glacier.deploy.record import ArtifactRecord

        return ArtifactRecord(
            uri=uri or self.path.resolve().as_uri(),
            sha256=self.sha256,
            filename=self.path.name,
            entry=self.manifest.entry,
        )

    def summary(self) -> str:
        """What was packed, for the CLI and the compile summary."""
        m = self.manifest
        size = self.path.stat().st_size
        lines = [
            f"artifact {self.path.name} ({size / 1024:.0f} KiB, sha256 {self.sha256})",
            f"  entry        {m.entry or '(none)'}",
            f"  modules      {', '.join(f'{k} ({v})' for k, v in m.modules.items()) or 'none'}",
        ]
        if m.data:
            lines.append(f"  data         {', '.join(m.data)}")
        vendored = ", ".join(f"{k} {v}" for k, v in sorted(m.vendored.items()))
        lines.append(f"  vendored     {vendored}")
        lines.append(f"  requirements {', '.join(m.requirements) or 'none'}")
        if m.unresolved_imports:
            lines.append(
                f"  not found    {', '.join(m.unresolved_imports)} (imported but not installed "
                "here: optional imports, or install them before packaging)"
            )
        return "\n".join(lines)


def find_project_root(entry: Path) -> Path:
    """The nearest folder above ``entry`` holding a :data:`ROOT_MARKERS` file, else the
    entry's own folder."""
    entry = entry.resolve()
    for folder in entry.parents:
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return entry.parent


def _read_tree(top: str, location: Path) -> dict[str, bytes]:
    """Files of an installed package (or single module) by wheel path; junk, dotfiles and
    sensitive names are left out."""
    if location.is_file():
        return {location.name: location.read_bytes()}
    out: dict[str, bytes] = {}
    for path in sorted(location.rglob("*")):
        if not path.is_file():
            continue
        rel = f"{top}/{path.relative_to(location).as_posix()}"
        if _junk(rel) or sensitive_reason(rel):
            continue
        out[rel] = path.read_bytes()
    return out


def _data_files(root: Path, include: Iterable[str]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for pattern in include:
        matches = sorted(p for p in root.glob(pattern) if p.is_file())
        if not matches:
            raise ArtifactError(
                f"include {pattern!r} matches no file under the project root {root}."
            )
        for path in matches:
            rel = path.resolve().relative_to(root.resolve()).as_posix()
            if _junk(rel):
                continue
            reason = sensitive_reason(rel)
            if reason:
                raise ArtifactError(
                    f"include {pattern!r} matches {rel}, which looks like {reason}: Glacier "
                    "never packs it. Narrow the pattern, or rename the file if it is not secret."
                )
            found[rel] = path
    return found


def needed_distributions(tops: Iterable[str]) -> list[GlacierDist]:
    """The Glacier distributions providing ``tops`` (always glacier-core), by name."""
    table = glacier_distributions()
    if "glacier" not in table:
        raise ArtifactError(
            "glacier-core is not installed as a distribution here (pip install -e "
            "packages/glacier-core): the artifact vendors installed distributions."
        )
    dists = {table["glacier"].name: table["glacier"]}
    for top in tops:
        dist = table.get(top)
        if dist is not None:
            dists[dist.name] = dist
    return [dists[k] for k in sorted(dists)]


def app_name(pipeline: str | None, entry: Path) -> str:
    base = pipeline or entry.stem
    return canonical(f"glacier-app-{''.join(c if c.isalnum() else '-' for c in base)}").strip("-")


def build_artifact(
    entry: str | Path,
    out_dir: str | Path,
    *,
    root: str | Path | None = None,
    pipeline: str | None = None,
    plugins: Iterable[str] = (),
    include: Sequence[str] = (),
    extra_modules: Sequence[str] = (),
) -> BuiltArtifact:
    """Build the artifact of ``entry`` (a pipeline file, or any module file) into ``out_dir``.

    Args:
        root: Project root; default :func:`find_project_root`. Nothing outside it is packed.
        pipeline: The pipeline's name: names the distribution, and the entry is
            ``<entry module>:<pipeline>``.
        plugins: Top-level names of Glacier plugins to vendor besides those the modules
            import (e.g. ``glacier_aws`` for a pipeline on an ``AwsConfig``).
        include: Data files to pack: glob patterns relative to the root.
        extra_modules: Local modules imported dynamically (``importlib``), dotted names.
    """
    entry = Path(entry).resolve()
    if not entry.is_file() or entry.suffix != ".py":
        raise ArtifactError(f"Cannot package {entry}: expected an existing .py file.")
    root_dir = Path(root).resolve() if root else find_project_root(entry)
    glacier_tops = glacier_top_levels()
    scan = scan_modules(entry, root_dir, extra_modules, skip=glacier_tops)
    clash = sorted({m.split(".")[0] for m in scan.modules} & glacier_tops)
    if clash:
        raise ArtifactError(f"Project module {clash[0]!r} has the name of a Glacier package.")
    folders = search_folders(entry, root_dir)
    payload: dict[str, bytes] = {}
    modules: dict[str, str] = {}
    for name, path in scan.modules.items():
        rel = _wheel_path(path, folders)
        reason = sensitive_reason(rel)
        if reason:
            raise ArtifactError(
                f"Module {name!r} ({rel}) looks like {reason}: Glacier never packs it. Rename it."
            )
        modules[name] = rel
        payload[rel] = path.read_bytes()
    data = _data_files(root_dir, include)
    for rel, path in data.items():
        payload.setdefault(rel, path.read_bytes())
    dists = needed_distributions([*scan.external, *plugins])
    for dist in dists:
        for top, location in dist.package_paths():
            payload.update(_read_tree(top, location))
    third_party, unresolved = distributions_for_imports(scan.external - glacier_tops)
    vendored = {d.name for d in dists}
    requirements = pinned_requirements(dists, third_party, vendored)
    entry_module = next(iter(scan.modules))
    files = {rel: sha256_hex(data_) for rel, data_ in sorted(payload.items())}
    content = json.dumps([files, requirements, pipeline], sort_keys=True)
    version = f"0.0.{int(sha256_hex(content.encode())[:10], 16)}"
    manifest = ArtifactManifest(
        distribution=app_name(pipeline, entry),
        version=version,
        pipeline=pipeline,
        entry=f"{entry_module}:{pipeline}" if pipeline else None,
        modules=modules,
        data=sorted(data),
        vendored={d.name: d.version for d in dists},
        vendored_top_level=sorted({t for d in dists for t in d.top_level}),
        files=files,
        requirements=requirements,
        unresolved_imports=sorted(unresolved),
    )
    summary = f"Glacier pipeline {pipeline or entry.stem}: its modules, " + ", ".join(
        f"{k} {v}" for k, v in sorted(manifest.vendored.items())
    )
    meta = {
        "METADATA": metadata_text(manifest.distribution, version, summary, requirements),
        "WHEEL": wheel_text(f"glacier {__version__}"),
        "entry_points.txt": entry_points_text([ep for d in dists for ep in d.entry_points]),
        MANIFEST_NAME: json.dumps(manifest.model_dump(mode="json"), indent=2, sort_keys=True)
        + "\n",
    }
    target = Path(out_dir) / manifest.filename
    write_wheel(target, payload, manifest.dist_info, meta)
    return BuiltArtifact(path=target, sha256=file_sha256(target), manifest=manifest)


def _wheel_path(path: Path, folders: Sequence[Path]) -> str:
    for folder in folders:
        try:
            return path.resolve().relative_to(folder).as_posix()
        except ValueError:
            continue
    raise ArtifactError(f"{path} is outside the project's search folders.")  # pragma: no cover


def _all_resources(pipe: Pipeline) -> list[Resource]:
    """The pipeline's resources and every other resource created on their providers
    (functions and buckets tasks use as globals)."""
    from glacier.errors import PipelineParameterError
    from glacier.schedule.spec import sample_params

    found: dict[int, Resource] = {}
    try:
        built = pipe.build(**sample_params(pipe, {})).resources()
    except PipelineParameterError:  # a required parameter: the providers in its module
        built = _module_resources(pipe)
    for resource in built:
        found.setdefault(id(resource), resource)
        for other in getattr(resource.provider, "_resources", []):
            found.setdefault(id(other), other)
    return list(found.values())


def _module_resources(pipe: Pipeline) -> list[Resource]:
    """Resources of the providers the pipeline function's module defines."""
    from glacier.provider import Provider

    out: list[Resource] = []
    for value in list(getattr(pipe.fn, "__globals__", {}).values()):
        if isinstance(value, Provider):
            out += list(getattr(value, "_resources", []))
    return out


def plugins_of(pipe: Pipeline) -> set[str]:
    """Top-level names of the packages defining the configs a pipeline uses (its providers,
    buckets, functions and executors): the plugins its artifact must vendor."""
    tops: set[str] = set()
    for resource in _all_resources(pipe):
        for config in (resource.provider.config, resource.config):
            if config is not None:
                tops.add(type(config).__module__.split(".")[0])
    return tops


def handler_modules(pipe: Pipeline) -> list[str]:
    """Modules of the pipeline's serverless handlers (given as ``module:function``)."""
    from glacier.resources.serverless import Serverless

    out: list[str] = []
    for resource in _all_resources(pipe):
        if isinstance(resource, Serverless):
            module = resource.handler_ref.partition(":")[0]
            if module not in out and module != "__main__":
                out.append(module)
    return out


def split_target(target: str) -> tuple[Path, str]:
    """``FILE[:pipeline]`` → (file, pipeline or "")."""
    path_text, _, wanted = target.partition(":")
    if len(path_text) == 1 and wanted:  # a Windows drive letter, e.g. C:\\x.py
        rest, _, wanted = target[2:].partition(":")
        path_text = target[:2] + rest
    return Path(path_text), wanted


def package_pipeline(
    target: str,
    out_dir: str | Path,
    *,
    root: str | Path | None = None,
    include: Sequence[str] = (),
    extra_modules: Sequence[str] = (),
) -> BuiltArtifact:
    """``glacier package FILE[:pipeline]``: load the pipeline, then :func:`build_artifact`
    with its name (the entry is ``<module>:<pipeline name>``, which ``glacier run`` resolves
    by variable or pipeline name), its plugins and its handlers' local modules."""
    from glacier.dag.targets import load_pipeline
    from glacier.deploy.imports import find_module

    path, _ = split_target(target)
    root_dir = Path(root).resolve() if root else find_project_root(path)
    folders = search_folders(path.resolve(), root_dir)
    # Import the pipeline as the artifact will: every search folder importable.
    added = [str(f) for f in folders if str(f) not in sys.path]
    sys.path[:0] = added
    try:
        pipe = load_pipeline(target)
    finally:
        for entry in added:
            if entry in sys.path:
                sys.path.remove(entry)
    handlers = [m for m in handler_modules(pipe) if find_module(m, folders)]
    return build_artifact(
        path,
        out_dir,
        root=root_dir,
        pipeline=pipe.name,
        plugins=plugins_of(pipe),
        include=include,
        extra_modules=[*handlers, *extra_modules],
    )


def package_into_project(
    target: str,
    project_dir: str | Path,
    *,
    root: str | Path | None = None,
    include: Sequence[str] = (),
    extra_modules: Sequence[str] = (),
) -> BuiltArtifact:
    """Build the pipeline's artifact into ``<project_dir>/build/artifact/`` (replacing an
    older one): where the compiled program finds it to upload. ``glacier compile`` and
    ``glacier deploy`` call this; print :meth:`BuiltArtifact.summary` in the compile summary."""
    import shutil

    folder = Path(project_dir) / ARTIFACT_DIR
    shutil.rmtree(folder, ignore_errors=True)
    return package_pipeline(target, folder, root=root, include=include, extra_modules=extra_modules)
