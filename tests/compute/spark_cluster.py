"""A real Spark standalone cluster (master + one worker) on loopback, for tests."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from glacier.errors import PollTimeoutError
from tests.polling import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spark_home() -> Path:
    import pyspark  # installed via pip for these tests

    return Path(pyspark.__file__).parent


def _alive_workers(webui: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{webui}/json/", timeout=2) as resp:
            return int(json.load(resp).get("aliveworkers", 0))
    except OSError:
        return 0


@contextlib.contextmanager
def standalone_cluster(workdir: Path, *, cores: int = 1, memory: str = "1g") -> Iterator[str]:
    """Start master + worker with ``spark-class``; yield ``spark://127.0.0.1:PORT``."""
    spark_class = str(spark_home() / "bin" / "spark-class")
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_NO_DAEMONIZE": "1",
        "SPARK_DAEMON_MEMORY": "256m",
    }
    port, webui = free_port(), free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with open(workdir / "master.log", "wb") as log:
            procs.append(
                subprocess.Popen(
                    [
                        spark_class,
                        "org.apache.spark.deploy.master.Master",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--webui-port",
                        str(webui),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                )
            )
        master = f"spark://127.0.0.1:{port}"
        with open(workdir / "worker.log", "wb") as log:
            procs.append(
                subprocess.Popen(
                    [
                        spark_class,
                        "org.apache.spark.deploy.worker.Worker",
                        master,
                        "--host",
                        "127.0.0.1",
                        "--cores",
                        str(cores),
                        "--memory",
                        memory,
                        "--webui-port",
                        str(free_port()),
                        "--work-dir",
                        str(workdir / "work"),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                )
            )

        def up() -> bool:
            if any(p.poll() is not None for p in procs):
                raise RuntimeError("a Spark process exited")
            return _alive_workers(webui) >= 1

        try:
            wait_until(up, "a live Spark worker", timeout=90)
        except (RuntimeError, PollTimeoutError) as exc:
            logs = "\n".join(
                (workdir / n).read_text(errors="replace")[-3000:]
                for n in ("master.log", "worker.log")
            )
            raise RuntimeError(f"Spark cluster did not start ({exc}):\n{logs}") from exc
        yield master
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
