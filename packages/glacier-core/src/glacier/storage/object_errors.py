"""Error messages of the object-store adapter: SDK exceptions become :mod:`glacier.errors`
errors that name the URI, the cause in plain words and the fix, with secrets blanked out."""

from __future__ import annotations

import contextlib
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar

from glacier.errors import (
    AccessDeniedError,
    BucketNotFoundError,
    GlacierError,
    ObjectNotFoundError,
    StorageError,
)
from glacier.storage.failures import ErrorKind, generic_kind, is_disk_full, is_read_failure

if TYPE_CHECKING:
    from glacier.resources.bucket import Bucket
    from glacier.storage.formats import Format

_MAX_DETAIL = 300
#: Shorter values are not real secrets; blanking them would garble every message.
_MIN_SECRET = 4


class ErrorTranslation:
    """Mixin of :class:`~glacier.storage.object_store.ObjectStoreBucketAdapter`."""

    bucket_word: ClassVar[str] = "bucket"
    credentials_hint: ClassVar[str] = ""
    resource: Bucket

    @property
    @abstractmethod
    def fmt(self) -> Format: ...

    def error_kind(self, exc: BaseException) -> ErrorKind | None:
        """Cloud-specific classification of an SDK exception (``None``: use the generic
        rules, which look at exception types and well-known error codes)."""
        return None

    def secrets(self) -> Sequence[str]:
        """Secret values to blank out of any message (keys, tokens, connection strings)."""
        return ()

    def _bucket_exists(self) -> bool:
        """Whether the bucket exists (``True`` when that cannot be told)."""
        return True

    @contextlib.contextmanager
    def _translating(self, action: str, uri: str) -> Iterator[None]:
        """Turn SDK exceptions (and Polars panics) into :mod:`glacier.errors` naming
        ``uri`` and the cause."""
        try:
            yield
        except GlacierError:
            raise
        except BaseException as exc:
            if not is_read_failure(exc):
                raise
            raise self._translate(exc, action, uri) from exc

    def _translate(
        self, exc: BaseException, action: str, uri: str, *, reading: bool = False
    ) -> StorageError:
        if is_disk_full(exc):
            return StorageError(
                f"Cannot {action} {uri}: the local disk is full or the file is too large "
                f"({self._detail(exc)}). Free space in the temporary folder (TMPDIR) or "
                "write less data per call.",
                uri=uri,
            )
        kind = self.error_kind(exc) or generic_kind(exc, reading=reading)
        if kind == "object" and not self._bucket_exists():
            kind = "bucket"
        return self._error(kind, action, uri, exc)

    def _error(
        self, kind: ErrorKind | None, action: str, uri: str, exc: BaseException | None
    ) -> StorageError:
        detail = self._detail(exc) if exc is not None else ""
        cause = f" ({detail})" if detail else ""
        word = self.bucket_word
        bucket = self.resource.bucket_name
        if kind == "bucket":
            return BucketNotFoundError(
                f"Cannot {action} {uri}: the {word} {bucket!r} does not exist. Create it first, "
                f"or check bucket_name and the account/endpoint in the provider config.",
                uri=uri,
            )
        if kind == "object":
            return ObjectNotFoundError(
                f"Cannot {action} {uri}: no object at that path. Write it first or check "
                "bucket_name/path.",
                uri=uri,
            )
        if kind == "credentials":
            return AccessDeniedError(
                f"Cannot {action} {uri}: no credentials were found{cause}. "
                f"{self.credentials_hint}".rstrip(),
                uri=uri,
            )
        if kind == "access":
            return AccessDeniedError(
                f"Cannot {action} {uri}: permission denied{cause}. Check that the credentials "
                f"are valid and allow this on the {word} {bucket!r}.",
                uri=uri,
            )
        if kind == "format":
            return StorageError(
                f"Cannot read {uri} as {self.fmt.name}: the data is not valid "
                f"{self.fmt.name}{cause}. Check the bucket's format= or the file's contents.",
                uri=uri,
            )
        return StorageError(f"Cannot {action} {uri}{cause or ': unknown error'}.", uri=uri)

    def _detail(self, exc: BaseException) -> str:
        """A short, one-line description of ``exc`` with every secret blanked out."""
        text = " ".join(str(exc).split()) or type(exc).__name__
        for secret in self.secrets():
            if len(secret) >= _MIN_SECRET:
                text = text.replace(secret, "***")
        if len(text) > _MAX_DETAIL:
            text = text[: _MAX_DETAIL - 3] + "..."
        return f"{type(exc).__name__}: {text}"
