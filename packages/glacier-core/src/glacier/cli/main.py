"""``glacier`` CLI: run, graph, plugins, compile, migrate.

argparse (stdlib) keeps ``glacier --help`` fast; subcommands import what they need late.
Pipeline files are loaded once (:mod:`glacier.dag.loading`): a module-level
``pipeline.run()`` in them is skipped, with a note.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, Literal

from glacier.cli.params import add_param_option, bind_for_shape, parse_params


def _load(args: argparse.Namespace) -> Any:
    """The command's pipeline; prints the note when its file runs a pipeline at load."""
    from glacier.cli.loader import load_target

    target = load_target(args.target)
    if target.skipped is not None:
        action = {
            "run": "runs the pipeline itself",
            "graph": "draws the pipeline without running it",
            "compile": "compiles the pipeline without running it",
        }.get(args.command, "loads the file without running it")
        print(target.skipped.note(f"{action} (glacier {args.command})"), file=sys.stderr)
    return target.pipeline


def _cmd_run(args: argparse.Namespace) -> int:
    if args.task is not None or args.run_key is not None:  # one task: glacier/dag/stepwise.py
        return _cmd_run_task(args)
    if getattr(args, "resume", None):  # operating: glacier/cli/runs.py
        from glacier.cli.runs import cmd_resume

        return cmd_resume(args)
    from glacier.dag.progress import ConsoleProgress, summary_table

    pipe = _load(args)
    given: dict[str, Any] = dict(parse_params(args.param))
    launch = None
    if args.scheduled_at or args.event_uri:  # started by a cloud scheduler / bucket event
        from glacier.runs.cloud import claim, event_start, scheduled_start
        from glacier.runs.record import new_run_id
        from glacier.runs.recorder import Launch, store_for

        if args.event_uri:
            start = event_start(pipe, args.event_uri, args.event_version or "", args.trigger_id)
        else:
            start = scheduled_start(pipe, args.scheduled_at)
        if start.ignored:
            print(f"glacier: not run: {start.ignored}")
            return 0
        run_id = new_run_id()
        first = claim(store_for(pipe), str(pipe.name), start, run_id)
        if first is not None:
            print(f"glacier: already started as run {first} (a repeated delivery): not run again")
            return 0
        given = {**start.params, **given}
        launch = Launch(trigger=start.trigger, run_id=run_id)
    params = pipe.params.bind(given, text=True)
    import contextlib

    from glacier.runs.recorder import launching

    with launching(launch) if launch is not None else contextlib.nullcontext():
        result = pipe.run(
            max_workers=args.max_workers,
            raise_on_failure=False,
            progress=None if args.quiet else ConsoleProgress(),
            **params,
        )
    print(summary_table(result))
    for run in result.failed:
        print(
            f"\ntask {run.name!r} failed: {type(run.error).__name__}: {run.error}", file=sys.stderr
        )
        if run.location is not None:
            code = f": {run.location.line}" if run.location.line else ""
            print(f"    at {run.location}{code}", file=sys.stderr)
    return 0 if result.ok else 1


def _cmd_run_task(args: argparse.Namespace) -> int:
    """``glacier run FILE --task NAME --run-key KEY``: one task of a run an engine's own job
    orchestrates (glacier/dag/stepwise.py)."""
    from glacier.errors import PipelineParameterError

    if args.task is None or args.run_key is None:
        raise PipelineParameterError(
            "--task and --run-key go together: --task NAME runs one task of the run keyed "
            "--run-key KEY (its upstream outputs come from that run)."
        )
    if args.event_uri or getattr(args, "resume", None):
        raise PipelineParameterError(
            "--task runs one task of an engine-orchestrated run; it cannot be combined with "
            "--event-uri or --resume."
        )
    import traceback

    from glacier.dag.stepwise import prepare_task

    pipe = _load(args)
    given: dict[str, Any] = dict(parse_params(args.param))
    if args.scheduled_at:
        # the engine's scheduler starts the job once per tick (no claim): only the logical
        # date, from the tick at or before the trigger time the engine passes
        from glacier.runs.cloud import parse_time, scheduled_start

        tick = args.scheduled_at
        if pipe.schedule is not None and tick.strip().lower() != "latest":
            found = pipe.schedule.last_at_or_before(parse_time(tick))
            tick = found.isoformat() if found is not None else tick
        given = {**scheduled_start(pipe, tick).params, **given}
    graph = pipe.build(**pipe.params.bind(given, text=True))
    prepared = prepare_task(graph, args.task, args.run_key)  # checks first: exit 2, no effects
    try:
        step = prepared.run()
    except Exception as exc:
        traceback.print_exc()
        print(f"\ntask {args.task!r} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"glacier: task {step.task!r} of run {step.run_key!r} succeeded: {step.output_uri}")
    for uri in step.uris_written:
        print(f"    wrote {uri}")
    return 0


def _cmd_graph(args: argparse.Namespace) -> int:
    from glacier.dag import render

    pipe = _load(args)
    params, _ = bind_for_shape(pipe, args.param)
    graph = pipe.build(**params)  # not pipe.graph(): a parameter may be called "format"
    sys.stdout.write(render.to_dot(graph) if args.format == "dot" else render.to_mermaid(graph))
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
    import tempfile
    from collections import Counter

    from glacier.compiler import PulumiCompiler
    from glacier.deploy.artifact import package_pipeline

    pipe = _load(args)
    bound, sampled = bind_for_shape(pipe, args.param)
    # the compiler fills the schedule's and triggers' parameters itself
    params = {name: value for name, value in bound.items() if name not in sampled}
    with tempfile.TemporaryDirectory(prefix="glacier-artifact-") as folder:
        # the code artifact (build/artifact/): what the driver and every engine install
        built = package_pipeline(args.target, folder)
        driver: Literal["auto"] | bool = False if args.no_driver else "auto"
        infra = pipe.compile(PulumiCompiler(driver=driver, artifact=built, **params))
        infra.artifact = built
        kinds = Counter(str(r.kind) for r in infra.resources)
        if infra.deployment is not None and infra.deployment.driver is not None:
            kinds["driver"] += 1
        if infra.deployment is not None and infra.deployment.job is not None:
            kinds[f"{infra.deployment.job.engine} job"] += 1
        what = ", ".join(f"{n} {kind}{'' if n == 1 else 's'}" for kind, n in sorted(kinds.items()))
        count = getattr(infra, "pulumi_resource_count", None)
        summary = f"{count} Pulumi resources ({what})" if count is not None else what
        if args.check:
            print(f"ok: pipeline {pipe.name!r} compiles to {summary}; nothing written")
        else:
            infra.export_pulumi(args.out)
            print(f"wrote Pulumi project of pipeline {pipe.name!r} to {args.out}: {summary}")
        print(built.summary())
    for note in infra.notes:
        print(f"note: {note}")
    return 0


def _cmd_migrate(argv: list[str]) -> int:
    from glacier.migrate import main as migrate_main

    return migrate_main(argv)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _sub(
    sub: Any, name: str, summary: str, examples: str, details: str = ""
) -> argparse.ArgumentParser:
    """A subcommand whose help shows a one-line description and examples."""
    description = f"{summary}\n\n{details}" if details else summary
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=description,
        epilog=f"examples:\n{examples}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


TARGET_HELP = "the pipeline file; :NAME picks a pipeline when the file defines several"


def build_parser() -> argparse.ArgumentParser:
    from glacier._version import __version__

    parser = argparse.ArgumentParser(
        prog="glacier",
        description="Cloud-agnostic data pipelines on Polars.",
        epilog="Run `glacier COMMAND --help` for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"glacier {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _sub(
        sub,
        "run",
        "Run a pipeline with progress lines and a summary table.",
        "  glacier run examples/sales_pipeline.py\n"
        "  glacier run pipelines.py:daily -p day=2026-11-01 -p limit=100 --max-workers 4",
        "The file is loaded once; a module-level pipeline.run() in it is skipped (with a "
        "note).\nExit status: 0 when every task succeeded, 1 when a task failed, 2 for a "
        "usage or\ndefinition error.",
    )
    p.add_argument("target", metavar="FILE[:NAME]", help=TARGET_HELP)
    add_param_option(p)
    p.add_argument(
        "--max-workers",
        type=_positive_int,
        default=None,
        metavar="N",
        help="most tasks running at once (default: one per core, more while tasks wait on I/O)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    step = p.add_argument_group(
        "one task of an engine-orchestrated run (a compiled Databricks Job runs each task so)"
    )
    step.add_argument(
        "--task", metavar="NAME", help="run only this task; its upstream outputs come from the run"
    )
    step.add_argument(
        "--run-key",
        metavar="KEY",
        help="the run the task belongs to (Databricks: {{job.run_id}}); outputs are staged "
        "under <staging>/_glacier/jobs/dag-runs/KEY/",
    )
    started = p.add_argument_group(
        "started by the cloud (the compiled driver's schedules and triggers; each start "
        "runs at most once)"
    )
    started.add_argument(
        "--scheduled-at",
        metavar="TIME",
        help="the tick of the pipeline's schedule (ISO time, or latest)",
    )
    started.add_argument("--event-uri", metavar="URI", help="the object a bucket event names")
    started.add_argument(
        "--event-version", metavar="V", help="its version (S3 sequencer, GCS generation, ETag)"
    )
    started.add_argument("--trigger-id", metavar="ID", help="which OnWrite trigger fired")
    p.set_defaults(func=_cmd_run)
    from glacier.cli import backfill, runs, serve  # operating commands (glacier/cli/*.py)

    runs.add_resume_option(p)

    p = _sub(
        sub,
        "graph",
        "Print the DAG as Mermaid (default) or Graphviz dot.",
        "  glacier graph examples/sales_pipeline.py\n"
        "  glacier graph examples/sales_pipeline.py --format dot | dot -Tsvg > sales.svg",
        "Reads are drawn bucket -> task, writes task -> bucket; tasks on an executor are\n"
        "grouped in a box named after it; serverless functions are hexagons.",
    )
    p.add_argument("target", metavar="FILE[:NAME]", help=TARGET_HELP)
    add_param_option(p)
    p.add_argument("--format", choices=["mermaid", "dot"], default="mermaid")
    p.set_defaults(func=_cmd_graph)

    p = _sub(
        sub,
        "plugins",
        "List installed plugins, their versions and what each registers.",
        "  glacier plugins\n  GLACIER_DISABLE_PLUGINS=aws glacier plugins",
    )
    p.set_defaults(func=_cmd_plugins)

    p = _sub(
        sub,
        "compile",
        "Compile a pipeline to a Pulumi project (Python).",
        "  glacier compile examples/escape_hatches/aws_pipeline.py --out infra/aws\n"
        "  glacier compile examples/escape_hatches/aws_pipeline.py --check\n"
        "  AWS_REGION=eu-west-1 glacier compile examples/sales_pipeline.py --check",
        "The pipeline's providers need cloud configs (AwsConfig, AzureConfig, GcpConfig);\n"
        "LocalConfig has no infrastructure to compile. Compiling never imports Pulumi.",
    )
    p.add_argument("target", metavar="FILE[:NAME]", help=TARGET_HELP)
    add_param_option(p)
    p.add_argument("--out", default="infra", metavar="DIR", help="output folder (default: infra)")
    p.add_argument(
        "--check",
        action="store_true",
        help="compile and count the resources; write nothing",
    )
    p.add_argument(
        "--no-driver",
        action="store_true",
        help="emit no cloud driver (run the pipeline with `glacier run` against the record)",
    )
    p.set_defaults(func=_cmd_compile)

    _sub(
        sub,
        "migrate",
        "Rewrite Glacier V2 code to the V3 API (see glacier migrate --help).",
        "  glacier migrate --diff src/\n  glacier migrate --check src/ scripts/etl.py",
    )
    for module in (runs, serve, backfill):  # operating commands: runs, serve, backfill
        module.register(sub)

    from glacier.cli import gc

    gc.add_parser(sub)
    from glacier.cli import deploy, package

    package.add_parser(sub)
    deploy.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`glacier graph FILE | head`): stop quietly, as `cat` does.
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what shells report for a command killed by SIGPIPE


def _main(argv: list[str]) -> int:
    if argv[:1] == ["migrate"]:
        return _cmd_migrate(argv[1:])
    args = build_parser().parse_args(argv)
    from glacier.errors import GlacierError

    try:
        return int(args.func(args))
    except GlacierError as exc:
        print(f"glacier {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
