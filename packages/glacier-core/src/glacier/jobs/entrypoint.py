"""Engine entry script: runs one Glacier job package under any engine's Python entry point.

    python entrypoint.py SPEC_URI
    spark-submit entrypoint.py SPEC_URI
    (Glue) --glacier-spec SPEC_URI among the job arguments

Databricks ``spark_python_task``, a Glue job script, a Dataproc PySpark job, a Synapse Spark
batch, an EMR step and ``spark-submit`` all start a Python file with arguments; this is that
file. It is self-contained (stdlib only until it imports :mod:`glacier.jobs.runner`), so it can
be uploaded next to the spec and run where ``glacier-core`` (plus the plugin of the storage the
spec points at) is installed.

``SPEC_URI`` is a local path, a ``file://`` URI, or any URI fsspec opens (``s3://``,
``gs://``, ``abfss://``, ``dbfs:/`` as ``/dbfs/...``). When the process is a Spark driver
(started by spark-submit or an engine), a SparkSession is created first so the task can use
it through :func:`glacier.spark.session`.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import unquote, urlparse

SPEC_FLAG = "--glacier-spec"


def spec_uri_from_argv(argv: list[str]) -> str:
    """The spec URI: the value after ``--glacier-spec`` (Glue passes ``--key value`` pairs),
    else the first positional argument."""
    if SPEC_FLAG in argv:
        index = argv.index(SPEC_FLAG)
        if index + 1 < len(argv):
            return argv[index + 1]
    for arg in argv:
        if arg.startswith(f"{SPEC_FLAG}="):
            return arg.split("=", 1)[1]
    positional = [a for a in argv if not a.startswith("--")]
    if not positional:
        raise SystemExit(f"usage: entrypoint.py SPEC_URI  (or {SPEC_FLAG} SPEC_URI)")
    return positional[0]


def local_path(uri: str) -> str | None:
    """The filesystem path of a local path or ``file://`` URI; None for remote URIs."""
    if uri.startswith("file:"):
        return unquote(urlparse(uri).path)
    if uri.startswith("dbfs:/"):
        return "/dbfs/" + uri[len("dbfs:/") :].lstrip("/")
    if "://" not in uri:
        return uri
    return None


def read_text(uri: str) -> str:
    """Read a small text object from a local path or any fsspec-supported URI."""
    path = local_path(uri)
    if path is not None:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    import fsspec  # present wherever a cloud storage plugin (s3fs, gcsfs, adlfs) is installed

    with fsspec.open(uri, "rt", encoding="utf-8") as fh:
        return str(fh.read())


def in_spark_driver() -> bool:
    """Whether this process was started as a PySpark driver (spark-submit or an engine)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ or "DATABRICKS_RUNTIME_VERSION" in os.environ


def main(argv: list[str] | None = None) -> int:
    """Load the spec named on the command line and run it; exceptions propagate (exit 1)."""
    args = sys.argv[1:] if argv is None else argv
    uri = spec_uri_from_argv(args)
    text = read_text(uri)
    from glacier.jobs.runner import run_job
    from glacier.jobs.spec import JobSpec

    spec = JobSpec.model_validate_json(text)
    session = None
    if in_spark_driver():
        from pyspark.sql import SparkSession

        session = SparkSession.builder.appName(f"glacier-{spec.task_name}").getOrCreate()
    try:
        run_job(spec)
    finally:
        if session is not None and "DATABRICKS_RUNTIME_VERSION" not in os.environ:
            session.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
