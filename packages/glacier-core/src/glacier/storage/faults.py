"""Storage faults as Glacier errors that name the URI.

Polars reports I/O failures as ``OSError`` without an errno, as ``ComputeError`` mentioning
``(os error 27)``, and sometimes panics: ``PanicException`` derives from ``BaseException``,
so ``except Exception`` misses it. :func:`storage_errors` turns each into a
:class:`~glacier.errors.StorageError` (``AccessDeniedError`` for permissions,
``ObjectNotFoundError`` for a missing file) naming the URI and the operation, chained to the
original. Errors about the data or the user's own plan (a missing column, an exception raised
by a UDF) pass through unchanged.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from contextlib import contextmanager

from glacier.errors import (
    AccessDeniedError,
    GlacierError,
    ObjectNotFoundError,
    StorageError,
)

_OS_ERROR = re.compile(r"\(os error (\d+)\)")
_HINTS = {
    errno.EFBIG: "the file is larger than this process may write (ulimit -f) or the "
    "filesystem allows",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n)",
    errno.EROFS: "the filesystem is read-only",
}


def os_errno(exc: BaseException) -> int | None:
    """The errno of an OS-level failure, also when Polars only put it in the message."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno
    match = _OS_ERROR.search(str(exc))
    return int(match.group(1)) if match else None


def translate(exc: BaseException, uri: str, action: str, *, plan_is_ours: bool) -> BaseException:
    """The Glacier error for ``exc``, or ``exc`` itself when it is not a storage fault.

    ``plan_is_ours``: every Polars error is a storage fault (Glacier built the query, e.g. a
    scan of a corrupt file); otherwise only panics and OS-level errors are.
    """
    import polars as pl

    if isinstance(exc, GlacierError):
        return exc
    code = os_errno(exc)
    panic = isinstance(exc, pl.exceptions.PanicException)
    if panic:
        what = f"Polars panicked: {exc}"
    elif isinstance(exc, OSError) or code is not None:
        hint = _HINTS.get(code) if code is not None else None
        what = f"{exc}" + (f" ({hint})" if hint else "")
    elif plan_is_ours and isinstance(exc, pl.exceptions.PolarsError):
        what = f"{type(exc).__name__}: {exc}"
    else:  # the data's or the user's own error (or KeyboardInterrupt...): unchanged
        return exc
    message = f"{action} {uri} failed: {what}"
    if code in (errno.EACCES, errno.EPERM):
        return AccessDeniedError(message, uri=uri)
    if code == errno.ENOENT and not panic:
        return ObjectNotFoundError(message, uri=uri)
    return StorageError(message, uri=uri)


@contextmanager
def storage_errors(uri: str, action: str, *, plan_is_ours: bool = False) -> Iterator[None]:
    """Re-raise storage faults in the block as Glacier errors naming ``uri``."""
    try:
        yield
    except BaseException as exc:
        error = translate(exc, uri, action, plan_is_ours=plan_is_ours)
        if error is exc:
            raise
        raise error from exc
