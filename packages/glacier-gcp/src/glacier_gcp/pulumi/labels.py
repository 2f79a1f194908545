"""GCP labels: lowercase letters, digits, ``_`` and ``-``; keys start with a letter; at
most 63 characters (international letters are kept lowercase)."""

from __future__ import annotations

import re

_BAD = re.compile(r"[^a-z0-9_-]")


def label_value(text: str) -> str:
    return _BAD.sub("_", text.lower())[:63]


def label_key(text: str) -> str:
    key = label_value(text)
    return key if key[:1].isalpha() else f"k{key}"[:63]


def labels(tags: dict[str, str]) -> dict[str, str] | None:
    """Provider tags as GCP labels (sorted, sanitised); None when there are none."""
    out = {label_key(k): label_value(v) for k, v in sorted(tags.items()) if k}
    return out or None


def account_id(name: str) -> str:
    """A service account id (6-30 chars, ``[a-z][a-z0-9-]*[a-z0-9]``) for a Glacier name."""
    import hashlib

    base = re.sub(r"[^a-z0-9-]", "-", name.lower()).strip("-")
    base = re.sub(r"-+", "-", base)
    if not base[:1].isalpha():
        base = f"gl-{base}"
    if len(base) < 6 or len(base) > 30 or base != name:
        digest = hashlib.sha256(name.encode()).hexdigest()[:6]
        base = f"{base[:23].rstrip('-')}-{digest}"
    return base[:30]
