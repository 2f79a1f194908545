"""``glacier package FILE[:pipeline]``: build the pipeline's code artifact (see
:mod:`glacier.deploy.artifact`) and print what was packed."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "package",
        help="build the pipeline's code artifact (one wheel every engine installs)",
        description="Build ONE wheel with the pipeline file, the project modules it imports, "
        "glacier-core and the plugins it needs, pinned requirements and a manifest. Dotfiles, "
        ".env, keys and credential files are never packed.",
    )
    p.add_argument("target", metavar="FILE[:pipeline]")
    p.add_argument("--out", default="dist", help="output folder (default: ./dist)")
    p.add_argument(
        "--root", default=None, help="project root (default: nearest pyproject.toml/.git)"
    )
    p.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help="data files to pack, relative to the root (repeatable)",
    )
    p.add_argument(
        "--module",
        action="append",
        default=[],
        metavar="NAME",
        help="a project module imported dynamically (repeatable)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from glacier.deploy.artifact import package_pipeline

    built = package_pipeline(
        args.target,
        args.out,
        root=args.root,
        include=args.include,
        extra_modules=args.module,
    )
    print(built.summary())
    print(f"wrote {built.path}")
    return 0
