"""Bucket names MinIO accepts (the S3 rules): checked when a bucket is declared, before any
request, so a bad name fails with the rule it breaks."""

from __future__ import annotations

import re

#: A whole name, used with ``fullmatch`` (``$`` would accept a trailing newline).
_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP = re.compile(r"\d+\.\d+\.\d+\.\d+")


def validate_bucket_name(name: str) -> None:
    """Raise ``ValueError`` naming the broken rule (Glacier adds the bucket and the fix)."""
    if not 3 <= len(name) <= 63:
        raise ValueError(f"MinIO bucket names are 3-63 characters long (this one has {len(name)})")
    if not _NAME.fullmatch(name):
        raise ValueError(
            "MinIO bucket names use only lowercase letters, digits, dots and hyphens, and "
            "start and end with a letter or digit"
        )
    if ".." in name or ".-" in name or "-." in name:
        raise ValueError("MinIO bucket names cannot contain '..', '.-' or '-.'")
    if _IP.fullmatch(name):
        raise ValueError("MinIO bucket names cannot look like an IP address")
