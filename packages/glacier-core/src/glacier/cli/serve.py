"""``glacier serve FILE...``: fire the pipelines' schedules and triggers on this machine."""

from __future__ import annotations

import argparse
import runpy
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glacier.dag.pipeline import Pipeline


def register(sub: Any) -> None:
    """Add ``serve`` to the ``glacier`` parser."""
    p = sub.add_parser(
        "serve", help="run pipelines on their schedules and bucket triggers, on this machine"
    )
    p.add_argument("targets", nargs="+", metavar="FILE[:pipeline]")
    p.add_argument("--max-concurrent", type=int, default=4, help="runs at once (default 4)")
    p.add_argument(
        "--poll-interval",
        type=float,
        default=30.0,
        help="seconds between listings of cloud buckets (default 30; local folders are watched)",
    )
    p.add_argument(
        "--grace",
        type=float,
        default=30.0,
        help="on SIGTERM/Ctrl-C, seconds to let running runs finish (default 30)",
    )
    p.add_argument("--no-watch", action="store_true", help="poll local folders too")
    p.set_defaults(func=cmd_serve)


def load_all(target: str) -> list[Pipeline]:
    """``FILE:name`` -> that pipeline; ``FILE`` -> every pipeline in the file."""
    from glacier.cli.loader import LoadError, load_pipeline
    from glacier.dag.pipeline import Pipeline

    if ":" in target[2:]:
        return [load_pipeline(target)]
    path = Path(target)
    if not path.is_file():
        raise LoadError(f"No such file: {path}")
    sys.path.insert(0, str(path.parent.resolve()))
    namespace = runpy.run_path(str(path), run_name="glacier_user_pipeline")
    found = [obj for obj in namespace.values() if isinstance(obj, Pipeline)]
    if not found:
        raise LoadError(f"{path} defines no @pipeline")
    return list({id(p): p for p in found}.values())


def cmd_serve(args: argparse.Namespace) -> int:
    from glacier.serve.loop import Server

    pipes: list[Pipeline] = []
    for target in args.targets:
        pipes.extend(load_all(target))
    server = Server(
        pipes,
        max_concurrent=args.max_concurrent,
        poll_interval=args.poll_interval,
        grace=args.grace,
        watch=not args.no_watch,
    )

    def on_signal(signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        if server.stopping.is_set():
            server.log(f"{name} again: not waiting for running runs")
            server.stop(force=True)
        else:
            server.log(f"{name}: stopping (send it again to stop at once)")
            server.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.serve_forever()
    server.log("stopped")
    return 0
