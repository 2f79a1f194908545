"""A Lambda deployment zip built from the artifact, with its requirements vendored for the
function's platform (Polars' manylinux wheels included).

``pip install --target`` installs the artifact wheel and its pinned requirements for the target
(``--platform manylinux… --implementation cp --python-version 3.11 --only-binary=:all:``), so
the zip holds Linux binaries whatever machine builds it; then generated files (the handler
wrapper) are added and the folder is zipped deterministically. Lambda's python3.11 runtime runs
on Amazon Linux 2 (glibc 2.26): only ``manylinux2014`` (glibc 2.17) wheels work there; from
python3.12 on (Amazon Linux 2023, glibc 2.34) ``manylinux_2_28`` wheels are accepted too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from glacier.deploy.artifact import file_sha256
from glacier.deploy.wheel import ZIP_EPOCH
from glacier.errors import ArtifactError

#: Lambda's limit on a function's unzipped code (and layers).
UNZIPPED_LIMIT = 250 * 1024 * 1024
#: Left out of the zip: console scripts (their shebang is this machine's), pip's bookkeeping.
_DROP_DIRS = ("bin",)
_DROP_FILES = ("direct_url.json", "INSTALLER", "REQUESTED")


@dataclass(frozen=True)
class LambdaPackage:
    """A built Lambda zip."""

    path: Path
    sha256: str
    unzipped_bytes: int


def lambda_platforms(python_version: str, architecture: str) -> list[str]:
    """pip ``--platform`` tags whose wheels run on Lambda's ``python<version>`` runtime."""
    arch = {"x86_64": "x86_64", "arm64": "aarch64"}.get(architecture)
    if arch is None:
        raise ArtifactError(f"Lambda architecture must be x86_64 or arm64, not {architecture!r}.")
    major, _, minor = python_version.partition(".")
    if not (major == "3" and minor.isdigit() and int(minor) >= 11):
        raise ArtifactError(f"Lambda python_version must be 3.11 or newer, not {python_version!r}.")
    tags = [f"manylinux2014_{arch}"]
    if int(minor) >= 12:
        tags = [f"manylinux_2_28_{arch}", *tags]
    return tags


def package_lambda(
    artifact: str | Path,
    out: str | Path,
    *,
    architecture: Literal["x86_64", "arm64"] = "x86_64",
    python_version: str = "3.11",
    files: Mapping[str, str] | None = None,
    extra_requirements: Sequence[str] = (),
    pip: Sequence[str] | None = None,
) -> LambdaPackage:
    """Build ``out`` (a zip): the artifact's code and requirements for Lambda's platform.

    Args:
        artifact: The artifact wheel (:func:`glacier.deploy.artifact.build_artifact`).
        out: The zip to write.
        architecture: The function's architecture (``LambdaConfig.architecture``).
        python_version: The runtime's Python (``python3.11`` → ``"3.11"``).
        files: Generated files to add at the zip's root (path → text), e.g. the handler
            wrapper ``glacier_handler.py``.
        extra_requirements: More pip requirements (``LambdaConfig.requirements``).
        pip: The pip command (default: this interpreter's ``-m pip``).
    """
    artifact = Path(artifact)
    if not artifact.is_file():
        raise ArtifactError(f"No artifact at {artifact}: build it first (glacier package).")
    command = [*(pip or [sys.executable, "-m", "pip"]), "install", "--quiet", "--no-compile"]
    for tag in lambda_platforms(python_version, architecture):
        command += ["--platform", tag]
    command += ["--implementation", "cp", "--python-version", python_version]
    command += ["--only-binary=:all:", "--upgrade", "--disable-pip-version-check"]
    with tempfile.TemporaryDirectory(prefix="glacier-lambda-") as tmp:
        target = Path(tmp) / "package"
        proc = subprocess.run(
            [*command, "--target", str(target), str(artifact), *extra_requirements],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise ArtifactError(
                f"Cannot vendor the requirements of {artifact.name} for Lambda "
                f"(python{python_version}, {architecture}): pip said:\n"
                + _pip_error(proc.stderr or proc.stdout)
                + "\nA requirement may have no manylinux wheel for this platform: pin a version "
                "that has one, or use a container image."
            )
        _tidy(target)
        for rel, text in (files or {}).items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        if size > UNZIPPED_LIMIT:
            raise ArtifactError(
                f"The Lambda package of {artifact.name} is {size / 2**20:.0f} MiB unzipped; "
                f"Lambda allows {UNZIPPED_LIMIT // 2**20} MiB. Trim the requirements, move some "
                "to layers, or run the function from a container image."
            )
        out_path = Path(out)
        zip_folder(target, out_path)
    return LambdaPackage(path=out_path, sha256=file_sha256(out_path), unzipped_bytes=size)


def zip_folder(folder: Path, archive: Path, level: int = 6) -> None:
    """Zip ``folder`` deterministically (sorted entries, fixed timestamps, mode 0644), written
    atomically. Level 6: large native libraries compress ~10x faster than at 9, ~1% bigger."""
    files = sorted(
        (p for p in folder.rglob("*") if p.is_file()),
        key=lambda p: p.relative_to(folder).as_posix(),
    )
    archive.parent.mkdir(parents=True, exist_ok=True)
    tmp = archive.with_name(f".{archive.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=ZIP_EPOCH)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            with open(path, "rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    tmp.replace(archive)


def _pip_error(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip() and "WARNING: Location" not in ln]
    return "\n".join(lines[-15:])


def _tidy(target: Path) -> None:
    """Remove what must not ship (scripts with this machine's shebang, caches, pip's
    per-install files that name local paths)."""
    for name in _DROP_DIRS:
        shutil.rmtree(target / name, ignore_errors=True)
    for cache in list(target.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    for info in target.glob("*.dist-info"):
        for name in _DROP_FILES:
            (info / name).unlink(missing_ok=True)
