"""``glacier backfill FILE -p day=2026-11-01..2026-11-07``: run the values that have no
succeeded run yet, with bounded concurrency."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    """Add ``backfill`` to the ``glacier`` parser."""
    p = sub.add_parser("backfill", help="run a parameter range, skipping what already succeeded")
    p.add_argument("target", metavar="FILE[:pipeline]")
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="one range NAME=FIRST..LAST[/STEP] (inclusive) and any fixed NAME=VALUE",
    )
    p.add_argument("--max-concurrent", type=int, default=2, help="runs at once (default 2)")
    p.add_argument("--dry-run", action="store_true", help="only print what would run")
    p.set_defaults(func=cmd_backfill)


def cmd_backfill(args: argparse.Namespace) -> int:
    from glacier.backfill import backfill, expand, plan
    from glacier.cli.loader import load_pipeline
    from glacier.runs.recorder import store_for

    pipe = load_pipeline(args.target)
    name, param_sets = expand(pipe.fn, args.param)
    label = next((p for p in args.param if p.split("=", 1)[0].strip() == name), name)
    if args.dry_run:
        todo = plan(pipe, param_sets, store_for(pipe))
        for params, run_id in todo.done:
            print(f"skip {_show(params)} (succeeded in run {run_id})")
        for params in todo.todo:
            print(f"run  {_show(params)}")
        return 0
    launches = backfill(
        pipe, param_sets, max_concurrent=args.max_concurrent, stream=sys.stderr, label=label
    )
    failed = [launch for launch in launches if launch.record is None or not launch.record.ok]
    print(
        f"backfill of {pipe.name!r}: {len(launches)} run(s), {len(failed)} failed, "
        f"{len(param_sets) - len(launches)} already succeeded"
    )
    return 1 if failed else 0


def _show(params: dict[str, Any]) -> str:
    from glacier.runs.record import jsonable

    return " ".join(f"{k}={jsonable(v)}" for k, v in params.items())
