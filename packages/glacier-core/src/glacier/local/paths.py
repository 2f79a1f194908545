"""Containment of the local backend: every path stays inside ``base_path/bucket_name``.

The core path policy already refuses ``..`` and absolute paths; what only the filesystem
knows is where symlinks lead. :func:`contained` resolves a bucket path (symlinks included)
and refuses one that leaves its bucket, before the caller touches anything.
"""

from __future__ import annotations

import os
from pathlib import Path

from glacier.errors import PathEscapeError


def bucket_root(base_path: Path, bucket_name: str) -> Path:
    """The bucket's folder: ``base_path/bucket_name``, absolute (``~`` already expanded)."""
    return Path(os.path.abspath(base_path.expanduser())) / bucket_name


def contained(root: Path, key: str) -> Path:
    """``root/key`` with every symlink resolved; raises :class:`PathEscapeError` when that
    lands outside ``root`` (itself resolved, so a bucket folder may be a symlink)."""
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(root / key)) if key else real_root
    if real != real_root and real_root not in real.parents:
        raise PathEscapeError(
            f"Local path {str(root / key)!r} resolves to {str(real)!r}, outside its bucket "
            f"folder {str(real_root)!r} (through a symlink or '..'). Glacier never reads, "
            "writes or deletes outside a bucket: remove the symlink or use a path inside "
            "the bucket."
        )
    return real


def inside(real_root: Path, path: Path) -> bool:
    """Whether ``path`` (a file found while listing) resolves inside ``real_root``."""
    real = Path(os.path.realpath(path))
    return real == real_root or real_root in real.parents
