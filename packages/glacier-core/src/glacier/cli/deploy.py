"""``glacier deploy FILE --stack NAME [--plan|--preview|--destroy]`` (see
:mod:`glacier.deploy.automation`)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "deploy",
        help="compile, package and deploy a pipeline with Pulumi (Automation API)",
        description="Compile the pipeline, build its artifact, show the plan per bucket, task "
        "and function, then run `pulumi up` on the stack and save the deployment record "
        "(.glacier/deployments/STACK.json next to the pipeline; use it with GLACIER_STACK).",
    )
    p.add_argument("target", metavar="FILE[:pipeline]")
    p.add_argument("--stack", required=True, help="Pulumi stack name (e.g. prod)")
    p.add_argument("--out", default="infra", help="Pulumi project folder (default: ./infra)")
    p.add_argument("--root", default=None, help="project root for the artifact")
    p.add_argument(
        "--include", action="append", default=[], metavar="GLOB", help="data files to pack"
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--plan", action="store_true", help="only show the plan (no Pulumi CLI, no cloud)"
    )
    mode.add_argument("--preview", action="store_true", help="pulumi preview, change nothing")
    mode.add_argument("--destroy", action="store_true", help="destroy the stack's resources")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from glacier.deploy.automation import Mode, deploy

    mode: Mode = "up"
    if args.plan:
        mode = "plan"
    elif args.preview:
        mode = "preview"
    elif args.destroy:
        mode = "destroy"
    deploy(
        args.target,
        args.stack,
        mode=mode,
        out=args.out,
        root=args.root,
        include=tuple(args.include),
    )
    return 0
