"""``OnWrite``: run a pipeline when an object is written under a bucket prefix.

Declarative, so a compiler can emit the cloud's event wiring from it (S3 event
notifications via EventBridge, Eventarc on GCS object finalize, Event Grid BlobCreated):
:attr:`OnWrite.bucket` (bucket name and path), :attr:`OnWrite.prefix`,
:attr:`OnWrite.suffixes` and :attr:`OnWrite.param`. ``glacier serve`` runs the same
definition locally (watching local folders, polling object stores).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from glacier.errors import PipelineDefinitionError

if TYPE_CHECKING:
    from glacier.resources.bucket import Bucket

#: The parameter that receives the object when ``param`` is not given and the pipeline
#: function accepts it.
DEFAULT_PARAM = "uri"


@dataclass(frozen=True, eq=False)
class OnWrite:
    """Run the pipeline once per object written under ``bucket`` (its path, plus
    ``prefix``) whose name ends with one of ``suffix``.

    >>> raw = provider.bucket("lake", path="landing/")
    >>> @pipeline(triggers=[OnWrite(raw, suffix=".parquet", param="uri")])
    ... def ingest(uri: str): ...

    The parameter receives the object's URI (``s3://lake/landing/x.parquet``); annotate it
    ``Bucket`` to receive a bucket of that one object instead. Objects whose path has a part
    starting with ``.`` or ``_`` are ignored (temporary files, Glacier's own ``_glacier/``).
    """

    bucket: Bucket
    suffix: str | Sequence[str] | None = None
    prefix: str = ""
    param: str | None = None

    def __post_init__(self) -> None:
        from glacier.resources.bucket import Bucket

        if not isinstance(self.bucket, Bucket):
            raise PipelineDefinitionError(
                "OnWrite(bucket, ...) needs a bucket made with provider.bucket(...), got "
                f"{type(self.bucket).__name__}."
            )
        suffixes = (self.suffix,) if isinstance(self.suffix, str) else tuple(self.suffix or ())
        for s in suffixes:
            if not isinstance(s, str) or not s:
                raise PipelineDefinitionError(
                    f"OnWrite suffix must be non-empty text such as '.parquet', got {s!r}."
                )
        object.__setattr__(self, "suffix", suffixes or None)
        if not isinstance(self.prefix, str):
            raise PipelineDefinitionError(f"OnWrite prefix must be text, got {self.prefix!r}.")
        object.__setattr__(self, "prefix", self.prefix.lstrip("/"))
        if self.param is not None and (not isinstance(self.param, str) or not self.param):
            raise PipelineDefinitionError(
                f"OnWrite param must be a parameter name, got {self.param!r}."
            )

    @property
    def suffixes(self) -> tuple[str, ...]:
        """The suffixes as a tuple (empty: every object)."""
        return tuple(self.suffix or ())

    @property
    def event(self) -> str:
        """The kind of event (only object writes for now)."""
        return "write"

    @property
    def id(self) -> str:
        """A stable short id of this trigger (names its serve state)."""
        bucket = self.bucket
        parts = [
            type(bucket.provider.config).__name__,
            bucket.bucket_name,
            bucket.path,
            self.prefix,
            ",".join(self.suffixes),
        ]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

    def matches(self, key: str) -> bool:
        """Whether an object key (relative to the bucket's watched prefix) fires."""
        if not key.startswith(self.prefix):
            return False
        if any(part.startswith((".", "_")) for part in key.split("/")):
            return False
        return not self.suffixes or key.endswith(self.suffixes)

    def __repr__(self) -> str:
        return (
            f"OnWrite(bucket={self.bucket.bucket_name!r}, path={self.bucket.path!r}, "
            f"prefix={self.prefix!r}, suffix={self.suffixes!r}, param={self.param!r})"
        )


def trigger_param(trigger: OnWrite, fn: Callable[..., Any], pipeline: str) -> str | None:
    """The parameter receiving the object: ``trigger.param`` (which must exist), or
    ``uri`` when the function takes it, else none."""
    from glacier.schedule.params import accepts

    if trigger.param is not None:
        if not accepts(fn, trigger.param):
            raise PipelineDefinitionError(
                f"Pipeline {pipeline!r}: OnWrite hands the object URI to parameter "
                f"{trigger.param!r}, but the pipeline function has no such parameter. Add "
                f"'{trigger.param}: str' to its signature or change OnWrite(param=...)."
            )
        return trigger.param
    return DEFAULT_PARAM if accepts(fn, DEFAULT_PARAM) else None
