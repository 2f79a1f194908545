"""The job package on storage, shared by every Python-on-Spark engine.

A staged job is two objects under the job's staging prefix (see
:meth:`glacier.adapters.base.ExecutorAdapter.staging`)::

    <prefix>/job.json                 the JobSpec (JSON)
    <prefix>/glacier_entrypoint.py    glacier/jobs/entrypoint.py, unchanged

and the engine is told to run ``glacier_entrypoint.py <prefix>/job.json``. The runner writes
the task's result under the same prefix, where :mod:`glacier.dag.remote` fetches it.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glacier.jobs import entrypoint
from glacier.jobs.spec import BucketSpec, JobSpec

if TYPE_CHECKING:
    from glacier.provider import Provider

SPEC_NAME = "job.json"
_LOG_LINE = re.compile(r"^\d{2,4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}")
ENTRY_NAME = "glacier_entrypoint.py"


@dataclass(frozen=True)
class StagedJob:
    """Where a job's package was written."""

    spec: JobSpec
    prefix_uri: str
    spec_uri: str
    entry_uri: str

    @property
    def name(self) -> str:
        """A run name engines accept (letters, digits, ``-`` and ``_``)."""
        raw = f"glacier-{self.spec.task_name}"
        return "".join(c if c.isalnum() or c in "-_" else "-" for c in raw)[:100]


def entrypoint_source() -> str:
    """The text of the standalone entry script."""
    return Path(entrypoint.__file__).read_text(encoding="utf-8")


def local_path(uri: str) -> str | None:
    """Filesystem path of a local path or ``file://`` URI; None for remote storage."""
    return entrypoint.local_path(uri)


def prefix_uri(target: BucketSpec, provider: Provider | None = None) -> str:
    """The engine-facing URI of a staging prefix, ending in ``/``. ``provider`` (when the spec
    was made from its config) keeps credentials that a spec deliberately omits."""
    uri = target.open(target.owned_by(provider))._get_adapter().get_engine_uri()
    return uri if uri.endswith("/") else uri + "/"


def write_spec_text(target: BucketSpec, text: str, provider: Provider | None = None) -> str:
    """Write a small text object at ``target`` (an object path) through its bucket's own
    filesystem, authenticated from ``provider`` (when the spec was made from its config), so
    credentials given in the provider's config apply. Returns its URI."""
    from glacier.storage.object_store import ObjectStoreBucketAdapter

    bucket = target.open(target.owned_by(provider))
    uri = bucket.get_uri()
    adapter = bucket._get_adapter()
    if local_path(uri) is not None or not isinstance(adapter, ObjectStoreBucketAdapter):
        write_text(uri, text)
        return uri
    with adapter.fs.open(adapter.fs_path(adapter.key), "wt", encoding="utf-8") as fh:
        fh.write(text)
    return uri


def write_text(uri: str, text: str, storage_options: dict[str, Any] | None = None) -> None:
    """Write a small text object: atomically on local paths, with fsspec elsewhere."""
    path = local_path(uri)
    if path is not None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
        return
    import fsspec

    with fsspec.open(uri, "wt", encoding="utf-8", **(storage_options or {})) as fh:
        fh.write(text)


def stage_job(
    job: dict[str, Any],
    *,
    provider: Provider | None = None,
    storage_options: dict[str, Any] | None = None,
    entry_uri: str | None = None,
) -> StagedJob:
    """Validate ``job``, attach the deployment's code artifact (when one is in force, see
    :func:`glacier.deploy.runtime.attach_artifact`) and write its package under its result
    prefix. ``StagedJob.spec.artifact`` is what the engine must install.

    ``entry_uri`` points at an entry script already on storage the engine reads (then only
    the spec is written); ``storage_options`` go to fsspec for remote prefixes.
    """
    from glacier.deploy.runtime import attach_artifact

    spec = attach_artifact(JobSpec.model_validate(job))
    prefix = prefix_uri(spec.result, provider)

    def put(name: str, text: str) -> None:
        if storage_options is None:
            write_spec_text(spec.result.child(name), text, provider)
        else:
            write_text(prefix + name, text, storage_options)

    spec_uri = prefix + SPEC_NAME
    put(SPEC_NAME, spec.model_dump_json())
    if entry_uri is None:
        entry_uri = prefix + ENTRY_NAME
        put(ENTRY_NAME, entrypoint_source())
    return StagedJob(spec=spec, prefix_uri=prefix, spec_uri=spec_uri, entry_uri=entry_uri)


def python_error(text: str, limit: int = 4000) -> str:
    """The most useful part of a driver log: the last Python traceback, else the tail."""
    marker = "Traceback (most recent call last)"
    index = text.rfind(marker)
    chunk = text[index:] if index >= 0 else text
    lines = [ln for ln in chunk.strip().splitlines() if ln.strip() and not _LOG_LINE.match(ln)]
    if index < 0:
        lines = lines[-40:]
    return "\n".join(lines)[-limit:]
