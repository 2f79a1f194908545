"""The artifact at run time: jobs carry it, engines install it, the runner checks it.

On the submitting side, :func:`attach_artifact` (called by
:func:`glacier.spark.package.stage_job` for every engine) puts the deployment record's
artifact on the job and rewrites the task reference to the module it has in the artifact
(a task defined in a file loaded by path becomes ``module:function``); a task whose code is
not in the artifact, or changed since it was built, is refused before anything is submitted.

On the engine, :func:`check_installed` (called by :func:`glacier.jobs.runner.run_job`) makes
sure the task's module is the artifact's own file: an engine that did not install the
artifact, or imports the task from somewhere else, fails with a clear error instead of
running other code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import uuid
import zipfile
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from glacier.cache_dir import cache_root
from glacier.deploy.artifact import MANIFEST_NAME, ArtifactManifest, file_sha256
from glacier.errors import ArtifactError

if TYPE_CHECKING:
    from glacier.deploy.record import ArtifactRecord
    from glacier.jobs.spec import JobSpec


def cache_dir() -> Path:
    """Where fetched artifacts are kept: ``artifacts/`` in Glacier's cache folder
    (``$GLACIER_CACHE_DIR`` or ``~/.cache/glacier``)."""
    return cache_root() / "artifacts"


def _parse_filename(filename: str) -> tuple[str, str]:
    """(escaped distribution name, version) of a wheel file name."""
    parts = filename.removesuffix(".whl").split("-")
    if len(parts) < 5:
        raise ArtifactError(f"{filename!r} is not a wheel file name.")
    return parts[0], parts[1]


def manifest_from_wheel(path: str | Path) -> ArtifactManifest:
    """The manifest inside a built artifact wheel."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith(f".dist-info/{MANIFEST_NAME}")]
            if len(names) != 1:
                raise ArtifactError(f"{path} is not a Glacier artifact (no {MANIFEST_NAME}).")
            return ArtifactManifest.model_validate_json(zf.read(names[0]))
    except zipfile.BadZipFile as exc:
        raise ArtifactError(f"{path} is not a wheel (zip): {exc}") from None


def installed_manifest(filename: str) -> ArtifactManifest | None:
    """The manifest of the artifact ``filename`` when that exact version is installed in
    this environment (pip install, or a wheel on ``sys.path``); else None."""
    name, version = _parse_filename(filename)
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    if dist.version != version:
        return None
    text = dist.read_text(MANIFEST_NAME)
    return ArtifactManifest.model_validate_json(text) if text else None


def fetch(artifact: ArtifactRecord) -> Path:
    """A local copy of the artifact (cached by SHA-256, verified)."""
    from glacier.jobs.entrypoint import local_path

    local = local_path(artifact.uri)
    if local is not None:
        path = Path(local)
        if not path.is_file():
            raise ArtifactError(f"The artifact {artifact.uri} does not exist.")
        _verify(path, artifact)
        return path
    filename = artifact.filename or artifact.uri.rstrip("/").rsplit("/", 1)[-1]
    target = cache_dir() / artifact.sha256 / filename
    if target.is_file():
        return target
    import fsspec

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{filename}.{uuid.uuid4().hex}.tmp")
    try:
        with fsspec.open(artifact.uri, "rb") as src, open(tmp, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        _verify(tmp, artifact)
        os.replace(tmp, target)
    except FileNotFoundError:
        raise ArtifactError(
            f"The artifact {artifact.uri} does not exist: deploy again (glacier deploy)."
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _verify(path: Path, artifact: ArtifactRecord) -> None:
    actual = file_sha256(path)
    if actual != artifact.sha256:
        raise ArtifactError(
            f"The artifact at {artifact.uri} has SHA-256 {actual}, but the deployment record "
            f"says {artifact.sha256}: it was replaced after the deployment. Deploy again."
        )


_manifests: dict[str, ArtifactManifest] = {}


def artifact_manifest(artifact: ArtifactRecord) -> ArtifactManifest:
    """The manifest of ``artifact``: from this environment when installed, else fetched
    (cached per SHA-256: a pipeline stages many jobs with the same artifact)."""
    cached = _manifests.get(artifact.sha256)
    if cached is not None:
        return cached
    found = installed_manifest(artifact.filename) if artifact.filename else None
    manifest = found if found is not None else manifest_from_wheel(fetch(artifact))
    _manifests[artifact.sha256] = manifest
    return manifest


def _module_file(module: str) -> str | None:
    loaded = sys.modules.get(module)
    origin = getattr(loaded, "__file__", None) if loaded is not None else None
    if origin:
        return str(origin)
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec is not None and spec.has_location else None


def _source_sha(module: str) -> str | None:
    """SHA-256 of the source ``module`` is imported from (files and zip-imported wheels)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.has_location or spec.origin is None or spec.loader is None:
        return None
    get_data = getattr(spec.loader, "get_data", None)
    data = get_data(spec.origin) if get_data else Path(spec.origin).read_bytes()
    return hashlib.sha256(data).hexdigest()


def artifact_ref(ref: str, manifest: ArtifactManifest, task_name: str) -> str:
    """``ref`` as the artifact's ``module:qualname``; raises when the task's code is not in
    the artifact or differs from it."""
    target, _, qualname = ref.rpartition(":")
    rebuild = (
        "Build and deploy the artifact again (glacier deploy FILE --stack NAME), or unset "
        "GLACIER_DEPLOYMENT / GLACIER_STACK to run against your own engines."
    )
    if target.endswith(".py"):
        sha = file_sha256(target) if Path(target).is_file() else ""
        module = manifest.module_for_file(target, sha)
        if module is None:
            raise ArtifactError(
                f"Task {task_name!r} ({target}) is not in the deployed artifact "
                f"{manifest.filename}, or changed since it was built. {rebuild}"
            )
        return f"{module}:{qualname}"
    rel = manifest.module_path(target)
    if rel is None:
        raise ArtifactError(
            f"Task {task_name!r}: module {target!r} is not in the deployed artifact "
            f"{manifest.filename} (its modules: {', '.join(manifest.modules) or 'none'}). "
            f"{rebuild}"
        )
    local = _module_file(target)
    if local and Path(local).is_file() and file_sha256(local) != manifest.files.get(rel):
        raise ArtifactError(
            f"Task {task_name!r}: module {target!r} ({local}) changed since the deployed "
            f"artifact {manifest.filename} was built. {rebuild}"
        )
    return ref


def attach_artifact(spec: JobSpec) -> JobSpec:
    """The job with the deployment's artifact attached and its task reference made
    importable from it (no laptop paths); unchanged when no artifact is in force."""
    artifact = spec.artifact
    if artifact is None:
        from glacier.deploy.record import current_deployment

        record = current_deployment()
        if record is None or record.artifact is None:
            return spec
        artifact = record.artifact
    manifest = artifact_manifest(artifact)
    task = artifact_ref(spec.task, manifest, spec.task_name)
    return spec.model_copy(update={"artifact": artifact, "task": task, "python_path": []})


def check_installed(spec: JobSpec) -> None:
    """On the engine: the artifact the job names is installed here and the task's module is
    its file. Raises :class:`ArtifactError` otherwise (the engine did not install it)."""
    artifact = spec.artifact
    if artifact is None:
        return
    filename = artifact.filename or artifact.uri.rstrip("/").rsplit("/", 1)[-1]
    manifest = installed_manifest(filename)
    if manifest is None:
        raise ArtifactError(
            f"Job {spec.job_id}: artifact {filename} is not installed on this engine. The "
            "engine must install it (Databricks library, Glue --additional-python-modules, "
            "--py-files / pythonFileUris / pyFiles, pip install in the driver image)."
        )
    module = spec.task.rpartition(":")[0]
    rel = manifest.module_path(module)
    if rel is None:
        raise ArtifactError(
            f"Job {spec.job_id}: task module {module!r} is not in artifact {filename}."
        )
    if _source_sha(module) != manifest.files.get(rel):
        raise ArtifactError(
            f"Job {spec.job_id}: task module {module!r} is imported from "
            f"{_module_file(module)}, not from artifact {filename}."
        )
