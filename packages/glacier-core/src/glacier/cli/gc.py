"""``glacier gc``: remove what killed or failed writers left behind.

Without a file: abandoned temp files, uncommitted and superseded dataset versions under a
local base path (see :mod:`glacier.local.leftovers`). With ``FILE``: the same for every
bucket the pipeline file defines at module level, on any backend (object stores: part files
of no committed version; Delta tables: delta-rs vacuum). Never a committed version, never
the entries of a writer that is still running.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``glacier gc`` on the CLI's subcommands."""
    p = sub.add_parser(
        "gc",
        help="remove leftovers of killed writers (temp files, dead versions, orphan parts)",
        description="Remove what killed or failed writers left: temp files, uncommitted and "
        "superseded dataset versions, part files of no committed version, Delta files no "
        "version needs. Never a committed version.",
        epilog="examples:\n  glacier gc --dry-run\n  glacier gc sales.py --older-than 86400",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "file",
        nargs="?",
        default=None,
        metavar="FILE",
        help="a pipeline file: clean the buckets it defines at module level, on any backend "
        "(default: the whole local base path)",
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
        metavar="SECONDS",
        default=None,
        help="only leftovers not modified for this long (default: 0 locally, where a running "
        "writer's files are locked; 24 hours on object stores). Local entries without a lock "
        "to test (older Glacier versions, creation interrupted) also need one hour.",
    )
    p.add_argument("--dry-run", action="store_true", help="list what would go, remove nothing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from glacier.errors import ConfigError
    from glacier.local.config import LocalConfig
    from glacier.local.leftovers import sweep_tree

    if args.older_than is not None and args.older_than < 0:
        raise ConfigError("glacier gc: --older-than must be >= 0 seconds.")
    if args.file is not None:
        if args.base_path is not None:
            raise ConfigError(
                "glacier gc: give FILE or --base-path, not both (FILE cleans the buckets the "
                "file defines; --base-path a whole local base path)."
            )
        return _run_file(args.file, args.older_than, args.dry_run)
    base: Path = args.base_path or LocalConfig.from_env().base_path
    base = base.expanduser()
    if not base.is_dir():
        raise ConfigError(
            f"glacier gc: base path {str(base)!r} is not a folder; pass --base-path or set "
            "GLACIER_LOCAL_BASE_PATH."
        )
    found = sweep_tree(base, older_than=args.older_than or 0.0, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for leftover in found:
        print(f"{verb} {leftover.path}  ({leftover.reason}, {leftover.bytes} bytes)")
    total = sum(f.bytes for f in found)
    print(f"{verb} {len(found)} leftover(s), {total / 1e6:.1f} MB, under {base}")
    return 0


def _run_file(file: str, older_than: float | None, dry_run: bool) -> int:
    """Clean every bucket ``file`` defines at module level (loaded without running it)."""
    from datetime import timedelta

    from glacier.dag.loading import load_script
    from glacier.errors import ConfigError
    from glacier.resources.bucket import Bucket

    module = load_script(Path(file)).module
    buckets = {id(v): v for v in vars(module).values() if isinstance(v, Bucket)}
    if not buckets:
        raise ConfigError(
            f"glacier gc: {file} defines no bucket at module level "
            '(e.g. raw = provider.bucket("lake", path="raw/")).'
        )
    age = None if older_than is None else timedelta(seconds=older_than)
    verb = "would remove" if dry_run else "removed"
    total = 0
    for bucket in buckets.values():
        found = bucket.gc(age, dry_run=dry_run)
        total += len(found)
        for uri in found:
            print(f"{verb} {uri}")
        print(f"{bucket.name}: {verb} {len(found)} leftover(s) under {bucket.get_uri()}")
    print(f"{verb} {total} leftover(s) in {len(buckets)} bucket(s) of {file}")
    return 0
