"""``glacier runs list|show``: read run records (table output, or ``--json``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glacier.runs.record import RunRecord
    from glacier.runs.store import RunStore


def register(sub: Any) -> None:
    """Add ``runs`` to the ``glacier`` parser."""
    p = sub.add_parser("runs", help="list and show run records (glacier runs list|show)")
    runs_sub = p.add_subparsers(dest="runs_command", required=True)

    ls = runs_sub.add_parser("list", help="recent runs, newest first")
    ls.add_argument("--pipeline", help="only this pipeline")
    ls.add_argument(
        "--status", choices=["running", "succeeded", "failed", "cancelled"], help="only this"
    )
    ls.add_argument("--limit", type=int, default=20, help="at most N runs (default 20)")
    _common(ls)
    ls.set_defaults(func=cmd_list)

    show = runs_sub.add_parser("show", help="one run with its tasks")
    show.add_argument("run_id", metavar="RUN_ID")
    show.add_argument("--pipeline", help="look only in this pipeline's runs")
    _common(show)
    show.set_defaults(func=cmd_show)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.add_argument(
        "--store",
        metavar="URI",
        help="where the records are (default: GLACIER_RUNS_URI, else ./data/_glacier/runs/)",
    )


def _store(args: argparse.Namespace) -> RunStore:
    from glacier.runs.config import default_store, store_from_uri

    return store_from_uri(args.store, source="--store") if args.store else default_store()


def cmd_list(args: argparse.Namespace) -> int:
    from glacier.cli.tables import table
    from glacier.errors import ConfigError

    if args.limit < 1:
        raise ConfigError(f"--limit must be >= 1, got {args.limit}.")
    store = _store(args)
    status = args.status
    records = list(
        store.records(
            args.pipeline,
            where=(lambda r: r.status == status) if status else None,
            limit=args.limit,
        )
    )
    if args.json:
        print(json.dumps([_summary(r) for r in records], indent=2))
        return 0
    if not records:
        print(f"no runs in {store.location}", file=sys.stderr)
        return 0
    rows = [
        [
            r.run_id,
            r.pipeline,
            r.status,
            trigger_text(r.trigger, r.resumed_from),
            r.started_at or "",
            _seconds(r.duration_s),
            " ".join(f"{k}={v}" for k, v in r.params.items()),
        ]
        for r in records
    ]
    print(table(["run id", "pipeline", "status", "trigger", "started", "duration", "params"], rows))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from glacier.cli.tables import table

    store = _store(args)
    record = store.find(args.run_id, args.pipeline)
    if args.json:
        print(record.to_json(indent=2))
        return 0
    lines = [
        f"run       {record.run_id}",
        f"pipeline  {record.pipeline}",
        f"status    {record.status}",
        f"trigger   {trigger_text(record.trigger, record.resumed_from)}",
        f"params    {json.dumps(record.params)}",
        f"started   {record.started_at or ''}",
        f"ended     {record.ended_at or ''}",
        f"duration  {_seconds(record.duration_s)}",
        f"host      {record.host or ''} (pid {record.pid})",
    ]
    if record.error is not None:
        task = f" in task {record.error.task!r}" if record.error.task else ""
        lines.append(f"error     {record.error.short()}{task}")
    rows = []
    for name, t in record.tasks.items():
        what = t.error.short() if t.error is not None else (t.reason or "")
        rows.append(
            [
                name,
                t.status,
                str(t.attempts),
                _seconds(t.duration_s),
                "" if t.rows_written is None else f"{t.rows_written:,}",
                t.executor,
                t.job_id or "",
                what,
            ]
        )
    print("\n".join(lines))
    print()
    header = ["task", "status", "attempts", "duration", "rows", "executor", "job id", "error"]
    print(table(header, rows, max_width=80))
    extra = [(n, t) for n, t in record.tasks.items() if t.run_url or t.uris_written]
    for name, t in extra:
        for uri in t.uris_written:
            print(f"{name}: wrote {uri}")
        if t.run_url:
            print(f"{name}: job {t.job_id} {t.run_url}")
    return 0


def trigger_text(trigger: dict[str, Any], resumed_from: str | None = None) -> str:
    kind = str(trigger.get("kind", "manual"))
    if kind == "schedule":
        text = f"schedule {trigger.get('logical_date', '')}"
    elif kind == "event":
        text = f"event {trigger.get('uri', '')}"
    else:
        text = kind
    return f"{text} (resume of {resumed_from})" if resumed_from else text


def _summary(r: RunRecord) -> dict[str, Any]:
    return {
        "run_id": r.run_id,
        "pipeline": r.pipeline,
        "status": r.status,
        "trigger": r.trigger,
        "resumed_from": r.resumed_from,
        "params": r.params,
        "started_at": r.started_at,
        "ended_at": r.ended_at,
        "duration_s": r.duration_s,
        "error": None if r.error is None else r.error.short(),
    }


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}s"


def add_resume_option(p: argparse.ArgumentParser) -> None:
    """``glacier run FILE --resume RUN_ID``."""
    p.add_argument(
        "--resume",
        metavar="RUN_ID",
        help="rerun only the failed and not-run tasks of an earlier run (see docs/operating.md)",
    )


def cmd_resume(args: argparse.Namespace) -> int:
    """``glacier run FILE --resume RUN_ID``: the summary table of the tasks that ran."""
    from glacier.cli.loader import load_pipeline
    from glacier.dag.progress import ConsoleProgress, summary_table
    from glacier.runs.resume import resume

    pipe = load_pipeline(args.target)
    result, skipped = resume(
        pipe,
        args.resume,
        max_workers=args.max_workers,
        progress=None if args.quiet else ConsoleProgress(),
    )
    if skipped:
        print(f"skipped (succeeded in run {args.resume}): {', '.join(skipped)}")
    if not result.tasks:
        print(f"nothing to resume: every task of run {args.resume} succeeded")
        return 0
    print(summary_table(result))
    for run in result.failed:
        print(
            f"\ntask {run.name!r} failed: {type(run.error).__name__}: {run.error}", file=sys.stderr
        )
    return 0 if result.ok else 1
