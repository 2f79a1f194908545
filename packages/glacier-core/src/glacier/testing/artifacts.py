"""Code artifacts in engine tests: what a stand-in engine does with the job's artifact, and a
deployment record that makes every job carry one.

A real engine installs the artifact it is given (a Databricks ``whl`` library, Glue
``--additional-python-modules``, Spark ``--py-files``...) before it runs the job. A stand-in
engine (a local HTTP server running jobs in subprocesses) calls :func:`install_artifact` at
submission: it fetches the wheel with the engine's own credentials, checks the job's task is
in it (else :class:`EngineRefused`), installs it once per SHA-256, and returns the only
``PYTHONPATH`` the job's subprocess gets, so the job can only run the artifact's code::

    try:
        pythonpath = install_artifact(wheel_uri, spec_uri, engine_env, mode="pip")
    except EngineRefused as exc:
        return error_response(400, str(exc))

:func:`artifact_record` builds an artifact from a module file (vendoring every installed
Glacier distribution) and returns a deployment record naming it: set it as
``GLACIER_DEPLOYMENT`` and every staged job carries the artifact.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from glacier.deploy.record import DeploymentRecord


class EngineRefused(Exception):
    """The stand-in engine refuses the job: its code is not in the artifact it brings."""


#: Runs in a subprocess with the engine's environment (its storage credentials): fetches the
#: artifact and the job spec, checks the task's module is in the artifact, installs it once per
#: SHA-256, and prints the path to put on PYTHONPATH. Exit code 3 with a reason = refused.
_INSTALL = r"""
import hashlib, io, json, os, sys, tempfile, zipfile
uri, spec_uri, root, mode = sys.argv[1:5]

def read(u):
    if u.startswith("file:"):
        from urllib.parse import unquote, urlparse
        u = unquote(urlparse(u).path)
    if "://" not in u:
        with open(u, "rb") as fh:
            return fh.read()
    import fsspec
    with fsspec.open(u, "rb") as fh:
        return fh.read()

def refuse(reason):
    print(reason)
    raise SystemExit(3)

data = read(uri)
sha = hashlib.sha256(data).hexdigest()
folder = os.path.join(root, sha)
wheel = os.path.join(folder, uri.rstrip("/").rsplit("/", 1)[-1])
try:
    zf = zipfile.ZipFile(io.BytesIO(data))
except zipfile.BadZipFile:
    refuse(f"{uri} is not a wheel")
names = [n for n in zf.namelist() if n.endswith(".dist-info/glacier-artifact.json")]
if len(names) != 1:
    refuse(f"{uri} is not a Glacier artifact (no glacier-artifact.json)")
manifest = json.loads(zf.read(names[0]))
spec = json.loads(read(spec_uri))
named = spec.get("artifact") or {}
if named.get("sha256") != sha:
    refuse(f"the job's spec names artifact {named.get('uri')}, not the one given: {uri}")
module = spec["task"].rpartition(":")[0]
base = module.replace(".", "/")
if module not in manifest["modules"] and not {base + ".py", base + "/__init__.py"} & set(
    manifest["files"]
):
    refuse(f"task module {module!r} is not in artifact {os.path.basename(wheel)}")
site = os.path.join(folder, "site")
if not os.path.exists(wheel):
    os.makedirs(folder, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=folder)
    with open(os.path.join(tmp, "w.whl"), "wb") as fh:
        fh.write(data)
    zipfile.ZipFile(os.path.join(tmp, "w.whl")).extractall(os.path.join(tmp, "site"))
    for src, dst in ((os.path.join(tmp, "site"), site), (os.path.join(tmp, "w.whl"), wheel)):
        try:
            os.rename(src, dst)  # a concurrent install of the same artifact may have won
        except OSError:
            pass
print(site if mode == "pip" else wheel)
"""

#: Where stand-in engines install artifacts (removed when the process exits).
INSTALL_ROOT = Path(tempfile.gettempdir()) / f"glacier-test-engines-{os.getpid()}"
atexit.register(shutil.rmtree, INSTALL_ROOT, True)


def install_artifact(
    artifact_uri: str | None,
    spec_uri: str,
    env: dict[str, str] | None = None,
    mode: str = "pip",
) -> str:
    """Install the job's artifact like an engine; returns the job's ``PYTHONPATH``.

    ``mode``: ``pip`` (Databricks, Glue: the wheel is installed, here extracted into a
    folder; its requirements are taken as present) or ``pyfiles`` (Spark ``--py-files``,
    Dataproc ``pythonFileUris``, Synapse ``pyFiles``: the wheel itself goes on the path).
    ``env`` is the engine's environment (credentials to read the artifact and the spec).
    Raises :class:`EngineRefused` when no artifact is given, it is not a Glacier artifact or
    not the one the spec names, or the job's task module is not in it.
    """
    if not artifact_uri:
        raise EngineRefused(
            "the job brings no code artifact, and this engine has no Glacier or task code installed"
        )
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", _INSTALL, artifact_uri, spec_uri, str(INSTALL_ROOT), mode],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        check=False,
        timeout=120,
    )
    if proc.returncode == 3:
        raise EngineRefused(proc.stdout.strip())
    if proc.returncode != 0:
        raise EngineRefused(f"could not install {artifact_uri}: {proc.stderr[-2000:]}")
    return proc.stdout.strip().splitlines()[-1]


def artifact_record(
    module_file: str | Path,
    out_dir: str | Path,
    *,
    root: str | Path | None = None,
    pipeline: str = "engine-tests",
    stack: str = "test",
) -> DeploymentRecord:
    """Build an artifact of ``module_file`` (and the local modules it imports) vendoring every
    installed Glacier distribution, and return a deployment record naming it (a
    ``file://`` URI). ``GLACIER_DEPLOYMENT=record.to_json()`` makes every job carry it."""
    from glacier.deploy.artifact import build_artifact
    from glacier.deploy.dists import glacier_distributions

    module_file = Path(module_file)
    built = build_artifact(
        module_file,
        out_dir,
        root=root or module_file.parent,
        plugins=sorted(glacier_distributions()),
    )
    return DeploymentRecord(pipeline=pipeline, stack=stack, artifact=built.record())
