"""How storage failures are recognised and classified before they become Glacier errors.

Cloud SDKs, fsspec, pyarrow and Polars report the same problems (missing bucket, denied
access, no credentials, a broken file) in many shapes; :func:`generic_kind` maps them onto a
few kinds by exception type and the error codes clouds put in messages. Polars reports bugs
in its readers as ``PanicException``, a ``BaseException`` that ``except Exception`` misses:
:func:`is_read_failure` says which exceptions Glacier translates (every failure, panics
included, but never ``KeyboardInterrupt``/``SystemExit``).
"""

from __future__ import annotations

import re
from typing import Literal

#: How an underlying exception is classified before it becomes a Glacier error.
ErrorKind = Literal["bucket", "object", "access", "credentials", "format"]

_BUCKET_MARKERS = (
    "NoSuchBucket",
    "ContainerNotFound",
    "bucket does not exist",
    "container does not exist",
    "The specified bucket",
)
_CREDENTIAL_MARKERS = (
    "Unable to locate credentials",
    "NoCredentialsError",
    "DefaultCredentialsError",
    "CredentialUnavailable",
    "could not find default credentials",
    "No credentials",
)
_ACCESS_MARKERS = (
    "AccessDenied",
    "Access Denied",
    "Forbidden",
    "AuthorizationFailure",
    "AuthorizationPermissionMismatch",
    "AuthenticationFailed",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "ClientAuthenticationError",
    "failed to authenticate",
)
_HTTP_DENIED = re.compile(
    r"(status|code)\D{0,24}\b40[13]\b|\b40[13] (Forbidden|Unauthorized)", re.I
)
_FORMAT_MARKERS = (
    "parquet",
    "out of specification",
    "magic",
    "invalid utf-8",
    "could not parse",
    "ArrowInvalid",
    "malformed",
    "EOF",
    "footer",
)
#: errno values of a full disk or a file over the size limit (EFBIG, ENOSPC, EDQUOT).
DISK_FULL_ERRNOS = (27, 28, 122)
_DISK_FULL_MARKERS = ("File too large", "No space left on device", "Disk quota exceeded")


def panic_type() -> type[BaseException]:
    """Polars' ``PanicException`` class (a ``BaseException``)."""
    from polars.exceptions import PanicException

    return PanicException


def is_read_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure Glacier translates: any ``Exception`` or a Polars panic
    (not ``KeyboardInterrupt``, ``SystemExit`` or ``GeneratorExit``)."""
    return isinstance(exc, (Exception, panic_type()))


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or its cause) says the local disk is full or a file is too large."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in DISK_FULL_ERRNOS:
            return True
        if any(m in str(seen) for m in _DISK_FULL_MARKERS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def generic_kind(exc: BaseException, *, reading: bool = False) -> ErrorKind | None:
    """Classify by exception type and the error codes clouds put in messages."""
    text = f"{type(exc).__name__}: {exc}"
    if any(m.lower() in text.lower() for m in _CREDENTIAL_MARKERS):
        return "credentials"
    if any(m in text for m in _BUCKET_MARKERS):
        return "bucket"
    if (
        isinstance(exc, PermissionError)
        or any(m in text for m in _ACCESS_MARKERS)
        or _HTTP_DENIED.search(text)
    ):
        return "access"
    if isinstance(exc, FileNotFoundError):
        return "object"
    if reading and any(m.lower() in text.lower() for m in _FORMAT_MARKERS):
        return "format"
    if reading and type(exc).__module__.startswith(("polars", "pyarrow", "pyo3")):
        return "format"
    return None
