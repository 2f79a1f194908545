"""Every exception Glacier raises on purpose.

Messages name the thing that is wrong and how to fix it. Original exceptions are kept as
``__cause__`` (``raise ... from exc``).
"""

from __future__ import annotations


class GlacierError(Exception):
    """Base class of all Glacier errors."""


class ConfigError(GlacierError, ValueError):
    """A configuration value is missing or invalid."""


class PluginError(GlacierError):
    """A plugin could not be loaded or conflicts with another plugin."""


class PluginLoadError(PluginError, ImportError):
    """An installed plugin failed to import; the original exception is the cause."""


class DuplicateRegistrationError(PluginError):
    """Two plugins registered the same name."""


class MissingPluginError(GlacierError, ImportError):
    """A name or a config type needs a plugin distribution that is not installed.

    An ``ImportError``, so ``from glacier.config import AwsConfig`` shows this message.
    """


class UnknownNameError(GlacierError, ImportError):
    """A name that no installed plugin provides (often a typo)."""


class AdapterNotFoundError(GlacierError, LookupError):
    """No adapter is registered for a resource with the given config."""


class ResourceError(GlacierError, ValueError):
    """A resource was created with invalid arguments."""


class InvalidBucketNameError(ResourceError):
    """A bucket name breaks its cloud's naming rules."""


class InvalidPathError(ResourceError):
    """A bucket ``path`` breaks the path policy (see :mod:`glacier.resources.paths`), or an
    operation would touch more than the path names (``write()`` on the whole bucket)."""


class PathEscapeError(InvalidPathError):
    """A local path resolves (through ``..`` or a symlink) to a place outside its bucket."""


class StorageError(GlacierError):
    """Reading or writing a bucket failed. The message names the URI and the cause."""

    def __init__(self, message: str, *, uri: str | None = None) -> None:
        super().__init__(message)
        self.uri = uri


class ObjectNotFoundError(StorageError, FileNotFoundError):
    """The object (or dataset prefix) at a URI does not exist."""


class BucketNotFoundError(StorageError):
    """The bucket or container does not exist."""


class AccessDeniedError(StorageError, PermissionError):
    """Credentials are missing or do not grant access."""


class PipelineDefinitionError(GlacierError, ValueError):
    """A pipeline or task is defined or called incorrectly. Raised before anything runs."""


class PipelineParameterError(PipelineDefinitionError):
    """A pipeline parameter is missing, unknown or has a bad value. Names the parameter."""


class ScriptLoadError(GlacierError):
    """A pipeline file could not be loaded: missing, a directory, a syntax error, or its
    top-level code raised (the message names ``file:line``; the original is the cause)."""


class TaskOutputError(GlacierError):
    """A task returned a value that is invalid at the task boundary, such as a LazyFrame
    whose query plan does not resolve (a column that does not exist)."""


class PipelineFailedError(GlacierError):
    """A pipeline run had failing tasks. ``result`` holds the full run result."""

    def __init__(self, message: str, result: object) -> None:
        super().__init__(message)
        self.result = result


class TaskTimeoutError(GlacierError, TimeoutError):
    """A task ran longer than its ``timeout``."""


class PollTimeoutError(GlacierError, TimeoutError):
    """A poll (:func:`glacier.backoff.poll`) reached its deadline before its check returned a
    value."""


class JobError(GlacierError):
    """A job on an executor failed. Carries the engine's error text and run URL if known."""

    def __init__(
        self, message: str, *, job_id: str | None = None, run_url: str | None = None
    ) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.run_url = run_url


class FunctionInvocationError(GlacierError):
    """A serverless function raised. Carries the remote error message and request id."""

    def __init__(
        self, message: str, *, request_id: str | None = None, remote_type: str | None = None
    ) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.remote_type = remote_type


class MissingTaskOutputError(GlacierError, LookupError):
    """A task run on its own (``glacier run --task``) needs the output of an upstream task
    that has not run in the same run (or failed). Names the task and the run key."""


class NotSupportedError(GlacierError, NotImplementedError):
    """A feature a backend cannot provide here. The message says what to use instead."""


class RunNotFoundError(GlacierError, LookupError):
    """No run record with the given run id exists in the run store."""


class RunRecordWarning(UserWarning):
    """A run record could not be written or read; the run itself is not affected."""


class DeploymentRecordError(ConfigError):
    """A deployment record (``GLACIER_DEPLOYMENT``, ``.glacier/deployments/<stack>.json`` or a
    stack's outputs) is missing, unreadable or does not match the running pipeline."""


class ArtifactError(GlacierError):
    """The code artifact cannot be built, or a job's code is not in the artifact."""


class DeployError(GlacierError):
    """``glacier deploy`` cannot run (no Pulumi CLI, no Pulumi SDK) or the deployment failed."""


class MissingDependencyError(GlacierError, ImportError):
    """An optional dependency (an extra of glacier-core) is not installed. The message gives
    the ``pip install`` command."""
