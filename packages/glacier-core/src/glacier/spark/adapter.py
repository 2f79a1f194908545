"""SparkSubmitAdapter: each job is one ``spark-submit`` of the entry script (client mode).

Status comes from the spark-submit process (its exit code is the driver's), cancel terminates
it (Spark then removes the application from the cluster), and the error text is the driver's
Python traceback. The code artifact is passed with ``--py-files`` (a local copy: the driver runs
here, in client mode, and Spark ships the wheel to the executors).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glacier.adapters.base import ExecutorAdapter, JobStatus
from glacier.errors import ConfigError
from glacier.jobs.refs import subprocess_pythonpath
from glacier.jobs.spec import BucketSpec
from glacier.spark.config import SparkConfig
from glacier.spark.package import local_path, python_error, stage_job


@dataclass
class _SparkJob:
    proc: subprocess.Popen[bytes]
    log: Path
    cancelled: bool = False


def find_spark_submit(spark_home: str | None = None) -> str:
    """Path of ``spark-submit``: ``spark_home``, ``$SPARK_HOME``, the pyspark package, PATH."""
    homes = [spark_home, os.environ.get("SPARK_HOME")]
    spec = importlib.util.find_spec("pyspark")
    if spec is not None and spec.origin:
        homes.append(str(Path(spec.origin).parent))
    for home in homes:
        if home:
            candidate = Path(home) / "bin" / "spark-submit"
            if candidate.is_file():
                return str(candidate)
    found = shutil.which("spark-submit")
    if found:
        return found
    raise ConfigError(
        "SparkConfig: spark-submit not found. Install Spark's Python package "
        "(pip install 'pyspark>=3.5'), set SparkConfig(spark_home=...) or $SPARK_HOME, or put "
        "spark-submit on PATH."
    )


class SparkSubmitAdapter(ExecutorAdapter):
    """Runs job packages with ``spark-submit --master <SparkConfig.master>``."""

    def __init__(self, resource: Any, provider: Any) -> None:
        super().__init__(resource, provider)
        self._jobs: dict[str, _SparkJob] = {}
        self._lock = threading.Lock()

    @property
    def settings(self) -> SparkConfig:
        config = self.resource.config
        assert isinstance(config, SparkConfig)
        return config

    def staging_location(self, job_id: str) -> BucketSpec | None:
        """The staging bucket when set (``None``: the default rule), else a temporary folder
        on this machine."""
        if self.settings.staging_bucket:
            return None
        from glacier.local.config import LocalConfig
        from glacier.provider import Provider

        base = Path(tempfile.gettempdir()) / "glacier-staging"
        return BucketSpec.of(
            Provider(config=LocalConfig(base_path=base)).bucket("spark", job_id + "/")
        )

    def command(
        self, entry: str, spec_uri: str, name: str, py_files: list[str] | None = None
    ) -> list[str]:
        """The spark-submit command line for one staged job."""
        settings = self.settings
        python = settings.python or sys.executable
        conf = {
            "spark.pyspark.python": python,
            "spark.pyspark.driver.python": python,
            "spark.ui.showConsoleProgress": "false",
            **settings.conf,
        }
        cmd = [find_spark_submit(settings.spark_home), "--master", settings.master]
        cmd += ["--deploy-mode", settings.deploy_mode, "--name", name]
        for key, value in conf.items():
            cmd += ["--conf", f"{key}={value}"]
        if py_files:
            cmd += ["--py-files", ",".join(py_files)]
        return [*cmd, *settings.submit_args, entry, spec_uri]

    def submit_job(self, job: dict[str, Any]) -> str:
        staged = stage_job(job, provider=self.provider)
        entry = local_path(staged.entry_uri) or staged.entry_uri
        py_files: list[str] = []
        if staged.spec.artifact is not None:
            from glacier.deploy.runtime import fetch

            py_files.append(str(fetch(staged.spec.artifact)))
        cmd = self.command(entry, staged.spec_uri, staged.name, py_files)
        log_dir = Path(tempfile.mkdtemp(prefix="glacier-spark-"))
        log = log_dir / "driver.log"
        python = self.settings.python or sys.executable
        env = {
            **os.environ,
            "PYSPARK_PYTHON": python,
            "PYSPARK_DRIVER_PYTHON": python,
        }
        if staged.spec.artifact is None:
            # No artifact: the task's code comes from this process's import path.
            env["PYTHONPATH"] = subprocess_pythonpath()
        with open(log, "wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        job_id = f"spark-{staged.spec.job_id}"
        with self._lock:
            self._jobs[job_id] = _SparkJob(proc=proc, log=log)
        return job_id

    def _get(self, job_id: str) -> _SparkJob:
        with self._lock:
            try:
                return self._jobs[job_id]
            except KeyError:
                raise KeyError(f"No Spark job {job_id!r} submitted by this process") from None

    def get_job_status(self, job_id: str) -> JobStatus:
        job = self._get(job_id)
        code = job.proc.poll()
        if code is None:
            return JobStatus.RUNNING
        if job.cancelled:
            return JobStatus.CANCELLED
        return JobStatus.SUCCEEDED if code == 0 else JobStatus.FAILED

    def cancel_job(self, job_id: str) -> None:
        job = self._get(job_id)
        if job.proc.poll() is not None:
            return
        job.cancelled = True
        job.proc.terminate()
        try:
            job.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            job.proc.kill()

    def get_job_error(self, job_id: str) -> str | None:
        job = self._get(job_id)
        if job.proc.poll() in (None, 0):
            return None
        text = job.log.read_text(errors="replace")
        return python_error(text) or f"spark-submit exited with code {job.proc.returncode}"

    def get_run_url(self, job_id: str) -> str | None:
        return self._get(job_id).log.as_uri()
