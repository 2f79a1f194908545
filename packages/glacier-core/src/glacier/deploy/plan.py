"""The deployment plan in pipeline terms: what the compiled program creates per bucket, task and
function, and what each identity is granted, computed by running the program under Pulumi's
mocks (:mod:`glacier.deploy.mockrun`) — no cloud, credentials or Pulumi CLI involved.

Registered Pulumi resources are attributed to the Glacier resource whose name their logical
name starts with (emitters name them ``<glacier name>`` or ``<glacier name>-<part>``); the rest
(explicit providers, shared helpers) are listed as shared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glacier.deploy.existing import describe_existing
from glacier.deploy.record import STACK_OUTPUT, DeploymentRecord, record_from_stack_outputs
from glacier.errors import DeployError, DeploymentRecordError

if TYPE_CHECKING:
    from glacier.compiler.deploy_ir import IRDeployment
    from glacier.compiler.ir import IRGraph


@dataclass
class PlanItem:
    """One Glacier resource (or the shared group) and what the program creates for it."""

    kind: str
    name: str
    provider: str
    details: list[str] = field(default_factory=list)
    grants: list[str] = field(default_factory=list)
    resources: list[tuple[str, str]] = field(default_factory=list)

    def render(self) -> list[str]:
        head = f"{self.kind} {self.name}" + (f" ({self.provider})" if self.provider else "")
        lines = [head]
        lines += [f"    {d}" for d in self.details]
        if self.grants:
            lines.append("    grants to its identity:")
            lines += [f"      {g}" for g in self.grants]
        counts = Counter(_short(t) for t, _ in self.resources)
        if counts:
            summary = ", ".join(f"{n} x {t}" if n > 1 else t for t, n in sorted(counts.items()))
            lines.append(f"    creates {len(self.resources)}: {summary}")
        else:
            lines.append("    creates nothing (referenced, or no cloud resource)")
        return lines


@dataclass
class DeployPlan:
    """The plan of one pipeline on one stack."""

    pipeline: str
    stack: str
    items: list[PlanItem]
    shared: PlanItem
    outputs: dict[str, Any]
    record: DeploymentRecord | None = None
    record_problem: str | None = None

    @property
    def resource_count(self) -> int:
        return sum(len(i.resources) for i in self.items) + len(self.shared.resources)

    def render(self) -> str:
        lines = [
            f"Plan: pipeline {self.pipeline!r} on stack {self.stack!r}: "
            f"{self.resource_count} cloud resources (computed under Pulumi mocks)",
            "",
        ]
        for item in [*self.items, self.shared]:
            lines += item.render()
        lines.append("")
        if self.record is not None:
            lines.append(
                f"deployment record: exported as {STACK_OUTPUT!r} "
                f"({len(self.record.resources)} resources"
                + (", artifact" if self.record.artifact else ", no artifact")
                + ")"
            )
        else:
            lines.append(f"deployment record: {self.record_problem}")
        return "\n".join(lines) + "\n"


def _short(pulumi_type: str) -> str:
    """``aws:iam/rolePolicy:RolePolicy`` → ``aws RolePolicy``."""
    package, _, rest = pulumi_type.partition(":")
    return f"{package} {rest.rpartition(':')[2] or rest}"


def _users(item: PlanItem) -> list[str]:
    if not item.details:
        return []
    return item.details[0].removeprefix("staging of ").split(", ")


def run_under_mocks(
    project_dir: str | Path, stack: str, python: str | None = None
) -> dict[str, Any]:
    """Run the exported program under mocks in a child process; its registrations and
    outputs. Raises :class:`DeployError` with the program's error."""
    env = {**os.environ}
    proc = subprocess.run(
        [
            python or sys.executable,
            "-W",
            "ignore",
            "-m",
            "glacier.deploy.mockrun",
            str(project_dir),
            stack,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-20:])
        hint = ""
        if "No module named 'pulumi" in proc.stderr:
            hint = (
                "\nInstall the program's requirements where glacier runs: pip install -r "
                f"{Path(project_dir) / 'requirements.txt'}"
            )
        raise DeployError(f"The compiled program failed under Pulumi mocks:\n{tail}{hint}")
    return dict(json.loads(proc.stdout))


def build_plan(
    ir: IRGraph,
    stack: str,
    mocked: dict[str, Any],
    deployment: IRDeployment | None = None,
) -> DeployPlan:
    """Group the mocked registrations by Glacier resource, with the IR's grants (and the
    driver's, with its artifact, schedules, triggers and alarms, when there is one)."""
    items: list[PlanItem] = []
    keys: list[tuple[str, PlanItem]] = []
    for bucket in ir.buckets:
        paths = ", ".join(
            f"{n} ({p or '/'})" for n, p in zip(bucket.names, bucket.paths, strict=False)
        )
        item = PlanItem("bucket", bucket.bucket_name, bucket.provider.key)
        if paths:
            item.details.append(f"holds {paths}")
        items.append(item)
        keys.append((bucket.bucket_name, item))
    staging: dict[str, PlanItem] = {}
    for compute in (*ir.functions, *ir.executors):
        engine = getattr(type(compute.config), "engine", "") if compute.config else ""
        kind = "function" if compute.kind == "function" else f"executor [{engine or 'cloud'}]"
        item = PlanItem(kind, compute.name, compute.provider.key)
        if compute.kind == "function":
            item.details.append(f"handler {getattr(compute.resource, 'handler_ref', '?')}")
        elif compute.tasks:
            item.details.append(f"runs tasks {', '.join(compute.tasks)}")
        existing = describe_existing(compute.name, compute.config) if compute.config else None
        if existing:
            item.details.append(existing.split(": ", 1)[1])
        for grant in sorted(compute.grants, key=lambda g: (g.mode, g.bucket, g.prefix)):
            granted = ir.bucket(grant.bucket).bucket_name
            item.grants.append(f"{grant.mode:<5} {granted}/{grant.prefix}*")
        stage = getattr(compute.config, "staging_bucket", None)
        if stage:
            item.grants.append(f"staging {stage}/_glacier/jobs/*")
            if stage not in {b.bucket_name for b in ir.buckets}:
                holder = staging.setdefault(stage, PlanItem("bucket", stage, compute.provider.key))
                holder.details = [f"staging of {', '.join([*_users(holder), compute.name])}"]
        items.append(item)
        keys.append((compute.name, item))
    for name, holder in staging.items():
        items.insert(len(ir.buckets), holder)
        keys.append((name, holder))
    driver = deployment.driver if deployment is not None else None
    if driver is not None and deployment is not None:
        item = PlanItem("driver", driver.name, driver.provider.key)
        item.details.append(f"runs `glacier run` (tasks in it: {', '.join(driver.local_tasks)})")
        starts = [f"schedule {s.cron} ({s.timezone})" for s in deployment.schedules]
        starts += [f"writes to {t.bucket_name}/{t.prefix}" for t in deployment.triggers]
        if starts:
            item.details.append(f"started by: {'; '.join(starts)}")
        if deployment.alarms:
            item.details.append("alerts on failure")
        for grant in driver.grants:
            item.grants.append(f"{grant.mode:<5} {grant.bucket.split('/', 1)[1]}/{grant.prefix}*")
        item.grants += [f"invoke {f}" for f in driver.functions]
        item.grants += [f"submit {e}" for e in driver.executors]
        items.append(item)
        keys.append((ir.pipeline, item))  # <pipeline>-driver, -artifact, -schedule, ...
    job = deployment.job if deployment is not None else None
    if job is not None:  # the pipeline as one engine job (glacier/compiler/job_ir.py)
        item = PlanItem(f"{job.engine} job", job.name, job.provider.key)
        item.details.append(
            f"runs the DAG: {len(job.tasks)} tasks ({', '.join(t.key for t in job.tasks)}), "
            "each `glacier run --task`"
        )
        if job.schedule is not None:
            item.details.append(f"schedule {job.schedule.cron} ({job.schedule.timezone})")
        if job.alarms:
            item.details.append("alerts on failure")
        for reader, producer in job.staging_reads:
            item.grants.append(f"read  {job.staging[producer]}/_glacier/jobs/* (to {reader})")
        items.append(item)
        keys.append((ir.pipeline, item))  # <pipeline>-job, -artifact, -on-failure, ...
    shared = PlanItem("shared", "(providers and shared resources)", "")
    keys.sort(key=lambda kv: len(kv[0]), reverse=True)
    for res in mocked.get("resources", []):
        name, typ = str(res["name"]), str(res["type"])
        owner = next((it for k, it in keys if name == k or name.startswith(k + "-")), shared)
        owner.resources.append((typ, name))
    outputs = dict(mocked.get("outputs") or {})
    plan = DeployPlan(ir.pipeline, stack, items, shared, outputs)
    if STACK_OUTPUT in outputs:
        try:
            plan.record = record_from_stack_outputs(outputs, stack=stack)
        except DeploymentRecordError as exc:
            plan.record_problem = f"INVALID: {exc}"
    else:
        plan.record_problem = (
            f"not exported (the program has no {STACK_OUTPUT!r} output): the runtime will use "
            "the configs alone"
        )
    return plan
