"""GCS bucket naming rules."""

from __future__ import annotations

import re

#: Whole-part pattern, used with ``fullmatch`` (``$`` would accept a trailing newline).
_PART = re.compile(r"[a-z0-9][a-z0-9_-]*[a-z0-9]|[a-z0-9]")


def validate_gcs_bucket_name(name: str) -> None:
    """Raise ValueError naming the broken rule."""
    if not isinstance(name, str):
        raise ValueError(f"GCS bucket names are strings, not {type(name).__name__}")
    limit = 222 if "." in name else 63
    if not 3 <= len(name) <= limit:
        raise ValueError(
            f"GCS bucket names are 3-63 characters (up to 222 with dots); this one has {len(name)}"
        )
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*[a-z0-9]", name):
        raise ValueError(
            "GCS bucket names use only lowercase letters, digits, '-', '_' and '.', and start "
            "and end with a letter or digit"
        )
    if any(len(part) > 63 or not _PART.fullmatch(part) for part in name.split(".")):
        raise ValueError("each dot-separated part of a GCS bucket name is 1-63 valid characters")
    if name.startswith("goog") or "google" in name or "g00gle" in name:
        raise ValueError("GCS bucket names cannot start with 'goog' or contain 'google'")
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        raise ValueError("GCS bucket names cannot look like an IP address")
