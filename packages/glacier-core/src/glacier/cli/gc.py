"""``glacier gc``: remove what killed local writers left behind.

Removes abandoned temp files, uncommitted and superseded dataset versions under a local base
path (see :mod:`glacier.local.leftovers`); never a committed version, never the entries of a
writer that is still running.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``glacier gc`` on the CLI's subcommands."""
    p = sub.add_parser(
        "gc", help="remove leftovers of killed local writers (temp files, dead versions)"
    )
    p.add_argument(
        "--base-path",
        type=Path,
        default=None,
        help="local base path (default: $GLACIER_LOCAL_BASE_PATH or ./data)",
    )
    p.add_argument(
        "--older-than",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="only leftovers not modified for this long (default 0). Entries without a lock "
        "to test (older Glacier versions, creation interrupted) also need one hour.",
    )
    p.add_argument("--dry-run", action="store_true", help="list what would go, remove nothing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from glacier.errors import ConfigError
    from glacier.local.config import LocalConfig
    from glacier.local.leftovers import sweep_tree

    base: Path = args.base_path or LocalConfig.from_env().base_path
    base = base.expanduser()
    if args.older_than < 0:
        raise ConfigError("glacier gc: --older-than must be >= 0 seconds.")
    if not base.is_dir():
        raise ConfigError(
            f"glacier gc: base path {str(base)!r} is not a folder; pass --base-path or set "
            "GLACIER_LOCAL_BASE_PATH."
        )
    found = sweep_tree(base, older_than=args.older_than, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for leftover in found:
        print(f"{verb} {leftover.path}  ({leftover.reason}, {leftover.bytes} bytes)")
    total = sum(f.bytes for f in found)
    print(f"{verb} {len(found)} leftover(s), {total / 1e6:.1f} MB, under {base}")
    return 0
