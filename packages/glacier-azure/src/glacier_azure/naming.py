"""Azure Blob container naming rules."""

from __future__ import annotations

import re

#: Whole-name pattern, used with ``fullmatch`` (``$`` would accept a trailing newline).
_CONTAINER = re.compile(r"[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]")


def validate_container_name(name: str) -> None:
    """Raise ValueError naming the broken rule."""
    if not isinstance(name, str):
        raise ValueError(f"container names are strings, not {type(name).__name__}")
    if not 3 <= len(name) <= 63:
        raise ValueError(f"container names are 3-63 characters long (this one has {len(name)})")
    if not _CONTAINER.fullmatch(name):
        raise ValueError(
            "container names use only lowercase letters, digits and single hyphens, and start "
            "and end with a letter or digit"
        )
