"""Local executor: each job runs ``python -m glacier.jobs.runner`` in its own worker process,
at most ``max_workers`` at once, with real status and cancel (the process is terminated)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glacier.adapters.base import ExecutorAdapter, JobStatus
from glacier.jobs.refs import subprocess_pythonpath
from glacier.jobs.spec import BucketSpec, JobSpec
from glacier.local.compute_config import LocalExecutorConfig


@dataclass
class _Job:
    spec_path: Path
    status: JobStatus = JobStatus.PENDING
    proc: subprocess.Popen[bytes] | None = None
    future: Future[None] | None = None
    error: str | None = None
    cancelled: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_jobs: dict[str, _Job] = {}
_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(size: int) -> ThreadPoolExecutor:
    with _pools_lock:
        if size not in _pools:
            _pools[size] = ThreadPoolExecutor(size, thread_name_prefix="glacier-local-exec")
        return _pools[size]


class LocalExecutorAdapter(ExecutorAdapter):
    """Runs job documents (:mod:`glacier.jobs`) in local worker processes."""

    @property
    def settings(self) -> LocalExecutorConfig:
        config = self.resource.config
        return config if isinstance(config, LocalExecutorConfig) else LocalExecutorConfig()

    def submit_job(self, job: dict[str, Any]) -> str:
        spec = JobSpec.model_validate(job)
        job_id = f"local-{spec.job_id}-{uuid.uuid4().hex[:8]}"
        folder = Path(tempfile.mkdtemp(prefix="glacier-job-"))
        spec_path = folder / "job.json"
        spec_path.write_text(spec.model_dump_json())
        record = _Job(spec_path=spec_path)
        _jobs[job_id] = record
        record.future = _pool(self.settings.max_workers).submit(self._run, record)
        return job_id

    def _run(self, record: _Job) -> None:
        with record.lock:
            if record.cancelled:
                return
            python = self.settings.python or sys.executable
            log = record.spec_path.with_name("stderr.log")
            env = {**os.environ, "PYTHONPATH": subprocess_pythonpath()}
            with open(log, "wb") as err:
                record.proc = subprocess.Popen(
                    [python, "-m", "glacier.jobs.runner", str(record.spec_path)],
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    env=env,
                )
            record.status = JobStatus.RUNNING
        code = record.proc.wait()
        with record.lock:
            if record.cancelled:
                record.status = JobStatus.CANCELLED
            elif code == 0:
                record.status = JobStatus.SUCCEEDED
            else:
                record.status = JobStatus.FAILED
                text = log.read_text(errors="replace").strip()
                record.error = text[-4000:] or f"worker exited with code {code}"

    def staging_location(self, job_id: str) -> BucketSpec:
        """Local jobs stage in a temporary folder, whatever the executor's provider."""
        from glacier.local.config import LocalConfig
        from glacier.provider import Provider

        config = self.settings
        base = Path(config.staging_bucket or tempfile.gettempdir()) / "glacier-staging"
        provider = Provider(config=LocalConfig(base_path=base))
        return BucketSpec.of(provider.bucket("jobs", path=f"{job_id}/"))

    def _get(self, job_id: str) -> _Job:
        try:
            return _jobs[job_id]
        except KeyError:
            raise KeyError(f"No local job {job_id!r}") from None

    def get_job_status(self, job_id: str) -> JobStatus:
        return self._get(job_id).status

    def cancel_job(self, job_id: str) -> None:
        record = self._get(job_id)
        with record.lock:
            if record.status.finished:
                return
            record.cancelled = True
            if record.proc is None:
                record.status = JobStatus.CANCELLED
            elif record.proc.poll() is None:
                record.proc.terminate()

    def get_job_error(self, job_id: str) -> str | None:
        return self._get(job_id).error

    def get_run_url(self, job_id: str) -> str | None:
        return self._get(job_id).spec_path.parent.as_uri()
