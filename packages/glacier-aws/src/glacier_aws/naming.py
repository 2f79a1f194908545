"""S3 bucket naming rules (general purpose buckets)."""

from __future__ import annotations

import re

#: Whole-name patterns, used with ``fullmatch`` (``$`` would accept a trailing newline).
_S3 = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP = re.compile(r"\d+\.\d+\.\d+\.\d+")


def validate_s3_bucket_name(name: str) -> None:
    """Raise ValueError naming the broken rule."""
    if not isinstance(name, str):
        raise ValueError(f"S3 bucket names are strings, not {type(name).__name__}")
    if not 3 <= len(name) <= 63:
        raise ValueError(f"S3 bucket names are 3-63 characters long (this one has {len(name)})")
    if not _S3.fullmatch(name):
        raise ValueError(
            "S3 bucket names use only lowercase letters, digits, dots and hyphens, and start "
            "and end with a letter or digit"
        )
    if ".." in name or ".-" in name or "-." in name:
        raise ValueError("S3 bucket names cannot contain '..', '.-' or '-.'")
    if _IP.fullmatch(name):
        raise ValueError("S3 bucket names cannot look like an IP address")
    if name.startswith(("xn--", "sthree-", "amzn-s3-demo-")) or name.endswith(
        ("-s3alias", "--ol-s3", "--x-s3", ".mrap")
    ):
        raise ValueError("S3 reserves this bucket name prefix or suffix")
