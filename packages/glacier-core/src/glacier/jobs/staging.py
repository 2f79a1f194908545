"""Where a job's inputs, spec and result are staged: a dataset prefix in a bucket the engine
can read, ``<staging bucket>/_glacier/jobs/<job id>/``.

This lives in the jobs layer, not in the adapters: it builds a :class:`~glacier.Bucket` through
the executor's provider and reads the deployment record, which adapters (a lower layer) never
do. An adapter with its own idea of staging (Spark without a staging bucket stages in a local
folder) overrides :meth:`~glacier.adapters.base.ExecutorAdapter.staging_location`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glacier.errors import ConfigError
from glacier.jobs.spec import BucketSpec

if TYPE_CHECKING:
    from glacier.adapters.base import ExecutorAdapter

#: Prefix of every job's staging folder in its staging bucket.
JOBS_PREFIX = "_glacier/jobs/"


def staging_prefix(adapter: ExecutorAdapter, job_id: str) -> BucketSpec:
    """The staging prefix of job ``job_id`` on ``adapter``'s executor: the adapter's own
    :meth:`~glacier.adapters.base.ExecutorAdapter.staging_location` when it has one, else the
    deployment record's staging bucket for this executor, else the config's
    ``staging_bucket``; a clear :class:`~glacier.errors.ConfigError` when there is none."""
    own = adapter.staging_location(job_id)
    if own is not None:
        return own
    from glacier.deploy.record import deployed_value

    executor = adapter.resource
    config = executor.config
    bucket_name = deployed_value(executor, "staging_bucket") or getattr(
        config, "staging_bucket", None
    )
    if not bucket_name:
        raise ConfigError(
            f"Executor {executor.name!r}: {type(config).__name__}.staging_bucket is "
            "required to stage task inputs and results (a bucket the engine can read)."
        )
    bucket = adapter.provider.bucket(bucket_name, path=f"{JOBS_PREFIX}{job_id}/")
    return BucketSpec.of(bucket)
