"""``glacier`` CLI: run, graph, plugins, compile, migrate.

argparse (stdlib) keeps ``glacier --help`` fast; subcommands import what they need late.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _cmd_run(args: argparse.Namespace) -> int:
    from glacier.cli.loader import load_pipeline
    from glacier.dag.progress import ConsoleProgress, summary_table

    pipe = load_pipeline(args.target)
    result = pipe.run(
        max_workers=args.max_workers,
        raise_on_failure=False,
        progress=None if args.quiet else ConsoleProgress(),
    )
    print(summary_table(result))
    for run in result.failed:
        print(
            f"\ntask {run.name!r} failed: {type(run.error).__name__}: {run.error}", file=sys.stderr
        )
    return 0 if result.ok else 1


def _cmd_graph(args: argparse.Namespace) -> int:
    from glacier.cli.loader import load_pipeline

    sys.stdout.write(load_pipeline(args.target).graph(format=args.format))
    return 0


def _cmd_plugins(args: argparse.Namespace) -> int:
    from importlib import metadata

    from glacier.plugins.manager import distribution_of
    from glacier.plugins.registry import get_registry

    registry = get_registry()
    for plugin in sorted(registry.plugins):
        dist = distribution_of(plugin)
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = "?"
        print(f"{plugin}  ({dist} {version})")
        for category, names in sorted(registry.owned_by(plugin).items()):
            print(f"    {category:<11} {', '.join(sorted(names))}")
    return 0


def _cmd_compile(args: argparse.Namespace) -> int:
    from glacier.cli.loader import load_pipeline
    from glacier.compiler import PulumiCompiler

    infra = load_pipeline(args.target).compile(PulumiCompiler())
    if args.check:
        print(f"ok: {args.target} compiles ({len(infra.resources)} resources)")
        return 0
    infra.export_pulumi(args.out)
    print(f"wrote Pulumi project to {args.out}")
    return 0


def _cmd_migrate(argv: list[str]) -> int:
    from glacier.migrate import main as migrate_main

    return migrate_main(argv)


def build_parser() -> argparse.ArgumentParser:
    from glacier._version import __version__

    parser = argparse.ArgumentParser(
        prog="glacier", description="Cloud-agnostic data pipelines on Polars."
    )
    parser.add_argument("--version", action="version", version=f"glacier {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run a pipeline: glacier run FILE[:pipeline]")
    p.add_argument("target", metavar="FILE[:pipeline]")
    p.add_argument("--max-workers", type=int, default=None)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("graph", help="print the DAG (Mermaid by default)")
    p.add_argument("target", metavar="FILE[:pipeline]")
    p.add_argument("--format", choices=["mermaid", "dot"], default="mermaid")
    p.set_defaults(func=_cmd_graph)

    p = sub.add_parser("plugins", help="list installed plugins and what they register")
    p.set_defaults(func=_cmd_plugins)

    p = sub.add_parser("compile", help="compile a pipeline to a Pulumi project")
    p.add_argument("target", metavar="FILE[:pipeline]")
    p.add_argument("--out", default="infra", help="output folder (default: ./infra)")
    p.add_argument("--check", action="store_true", help="validate only, write nothing")
    p.set_defaults(func=_cmd_compile)

    sub.add_parser("migrate", help="rewrite V2 code to the V3 API (see glacier migrate -h)")
    from glacier.cli import deploy, package

    package.add_parser(sub)
    deploy.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["migrate"]:
        return _cmd_migrate(argv[1:])
    args = build_parser().parse_args(argv)
    from glacier.cli.loader import LoadError
    from glacier.errors import GlacierError

    try:
        return int(args.func(args))
    except (LoadError, GlacierError) as exc:
        print(f"glacier {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
