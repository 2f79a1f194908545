"""Where Glacier keeps caches: ``$GLACIER_CACHE_DIR``, else ``$XDG_CACHE_HOME/glacier``,
else ``~/.cache/glacier``. Everything in it can be deleted at any time."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "GLACIER_CACHE_DIR"


def cache_root() -> Path:
    """The cache folder (not created here)."""
    base = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "glacier"
    )
    return Path(base)
