"""The bucket path policy: one rule for every backend, checked when a Bucket is created.

A path is a key relative to its bucket. It is refused (with :class:`InvalidPathError`, before
any side effect) when it is not a ``str``, holds control characters or lone surrogates, has
``.``/``..``/empty segments or backslashes, holds glob or IAM metacharacters (live in Polars
scans and in AWS IAM resource ARNs), starts with ``/`` (except the exact path ``"/"``, the
explicit bucket-root dataset) or is longer than 1024 bytes in UTF-8 (the S3/GCS key limit).
"""

from __future__ import annotations

from dataclasses import dataclass

from glacier.errors import InvalidPathError

#: S3 and GCS object keys are at most 1024 bytes of UTF-8.
MAX_PATH_BYTES = 1024
#: Glob characters Polars expands in scans, and ``$``/``{}`` of IAM policy variables.
METACHARACTERS = "*?[]{}$"
_SHOWN = 60


@dataclass(frozen=True)
class BucketPath:
    """A checked path: ``key`` relative to the bucket (``""`` is the bucket root), and
    whether the bucket root was declared explicitly with ``path="/"``."""

    key: str
    explicit_root: bool = False


def parse_bucket_path(path: object, bucket_name: str) -> BucketPath:
    """Check ``path`` against the policy; raise :class:`InvalidPathError` naming the field,
    the value and the fix."""
    if not isinstance(path, str):
        raise InvalidPathError(
            f"Bucket {bucket_name!r}: path must be a str, a key relative to the bucket such as "
            f"'events/' or 'raw/sales.parquet'; got {type(path).__name__} {show(path)}."
        )
    if path == "/":
        return BucketPath("", explicit_root=True)
    if path == "":
        return BucketPath("")
    problem = _problem(path)
    if problem is not None:
        raise InvalidPathError(f"Bucket {bucket_name!r}: invalid path={show(path)}: {problem}")
    return BucketPath(path)


def show(value: object) -> str:
    """``repr`` of a value, truncated so a 5,000-character path does not flood the message."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _problem(path: str) -> str | None:
    """What is wrong with ``path`` and how to fix it, or None when it is fine."""
    try:
        size = len(path.encode("utf-8"))
    except UnicodeEncodeError as exc:
        return (
            f"it holds a lone surrogate at index {exc.start}, which is not valid text; "
            "decode the name properly (e.g. bytes.decode('utf-8'))."
        )
    for index, char in enumerate(path):
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return f"it holds the control character {char!r} at index {index}; remove it."
    if size > MAX_PATH_BYTES:
        return (
            f"it is {size} bytes long in UTF-8; object keys are at most {MAX_PATH_BYTES} bytes "
            "(S3, GCS). Use a shorter path."
        )
    if "\\" in path:
        return "it holds a backslash; separate folders with '/' (e.g. 'raw/sales.parquet')."
    for char in METACHARACTERS:
        if char in path:
            return (
                f"it holds {char!r}; the characters {METACHARACTERS} are wildcards in Polars "
                "scans and in cloud IAM policies (a grant on 'logs/*' covers every object). "
                "Name folders and objects without them."
            )
    if path.startswith("/"):
        return (
            f"it starts with '/'; a path is relative to its bucket: write "
            f"{show(path.lstrip('/'))}, or path='/' alone for the bucket-root dataset."
        )
    segments = path.split("/")
    if path.endswith("/"):
        segments.pop()  # a dataset prefix ends with '/'
    for segment in segments:
        if segment in {".", ".."}:
            return (
                f"it has a {segment!r} segment; a path names a key inside its bucket and "
                "cannot step out of it or into the current folder. Write the key directly."
            )
        if segment == "":
            return "it has an empty segment ('//'); write each folder once ('a/b', not 'a//b')."
    return None
