"""GCP wiring of a pipeline's operating settings around its Cloud Run driver job.

- ``schedule`` → a Cloud Scheduler job (the cron in the schedule's time zone) POSTing to the
  Cloud Run Admin API ``…/jobs/<job>:run`` with an OAuth token, overriding the container's
  args with ``run <entry> --scheduled-at latest``: Cloud Scheduler cannot put its tick in
  the body, so the driver takes the schedule's latest tick at or before now (in the
  schedule's zone) and runs each tick at most once.
- ``OnWrite`` triggers → an Eventarc trigger on ``google.cloud.storage.object.v1.finalized``
  of the bucket (Eventarc filters direct Cloud Storage events by bucket only) to a Workflows
  workflow that checks the key against the trigger's prefix and suffixes (an RE2 match) and
  runs the driver job with ``--event-uri gs://<bucket>/<key> --event-version <generation>
  --trigger-id <id>``. Eventarc cannot target a Cloud Run *job* nor pass it arguments, hence
  the workflow. The driver runs one object generation at most once (a conditional create of
  a marker in the run store), so repeated deliveries run the pipeline once.
- ``on_failure`` → a Cloud Monitoring alert policy on the driver job's
  ``run.googleapis.com/job/completed_execution_count`` with ``result = "failed"``, notifying
  an e-mail channel per address and/or a webhook channel.

Who starts the driver: a service account per schedule / trigger holding one custom role with
exactly ``run.jobs.run`` and ``run.jobs.runWithOverrides``, bound on the driver job only
(``roles/run.invoker`` lacks ``runWithOverrides``, which passing args needs; the predefined
role that has it, ``roles/run.developer``, also updates jobs).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from glacier.plugin import (
    DRIVER_CONTAINER,
    Call,
    CompilerError,
    DriverHandle,
    Expr,
    Helper,
    IRAlarm,
    IRSchedule,
    IRTrigger,
    ProgramWriter,
    UnsupportedFeatureError,
)
from glacier_gcp.pulumi.driver import custom_role
from glacier_gcp.pulumi.labels import account_id
from glacier_gcp.pulumi.labels import labels as gcp_labels
from glacier_gcp.pulumi.storage import gcp_config, gcs_config, invoke_options

#: What may start the driver: run it, with args overridden (nothing else on any resource).
START_PERMISSIONS = ["run.jobs.run", "run.jobs.runWithOverrides"]
START_ROLE_ID = "glacierDriverStarter"
#: ``--scheduled-at latest``: the schedule's latest tick at or before now.
LATEST = "latest"
FINALIZED = "google.cloud.storage.object.v1.finalized"
#: The Eventarc trigger's identity: receive events, execute workflows (no resource-level
#: IAM exists for either; the workflow it executes may only start the driver).
EVENT_RECEIVER_ROLE = "roles/eventarc.eventReceiver"
WORKFLOWS_INVOKER_ROLE = "roles/workflows.invoker"
#: Cloud Storage's service agent publishes direct events (Eventarc's Pub/Sub transport).
PUBLISHER_ROLE = "roles/pubsub.publisher"
FAILED_EXECUTIONS = "run.googleapis.com/job/completed_execution_count"
#: Cloud Scheduler takes an HTTP body base64-encoded.
BODY_HELPER = Helper(
    "glacier_json_body",
    ("import base64", "import json"),
    (
        "def glacier_json_body(value: dict) -> str:",
        '    """`value` as JSON, base64-encoded (an HTTP body of Cloud Scheduler)."""',
        "    return base64.b64encode(json.dumps(value).encode()).decode()",
    ),
)


# -- who may start the driver ---------------------------------------------------------------
def start_identity(name: str, purpose: str, driver: DriverHandle, out: ProgramWriter) -> str:
    """A service account that may start exactly the driver job (with args); returns its
    variable."""
    d = driver.driver
    gcp = gcp_config(d.provider)
    sa = out.resource(
        "gcp.serviceaccount.Account",
        f"{name}-sa",
        {
            "account_id": account_id(name),
            "display_name": f"Glacier {purpose} of {d.pipeline}"[:100],
            "project": gcp.project,
        },
        comment=f"The {purpose} of {d.pipeline!r}: may start its driver job and nothing else",
        provider=d.provider,
        var_hint=f"{name}_sa",
    )
    role = custom_role(d.provider, START_ROLE_ID, "Glacier driver starter", START_PERMISSIONS, out)
    out.resource(
        "gcp.cloudrunv2.JobIamMember",
        f"{name}-start",
        {
            "project": gcp.project,
            "location": gcp.region,
            "name": Expr(f"{driver.var}.name"),
            "role": Expr(f"{role}.name"),
            "member": Expr(f"{sa}.member"),
        },
        comment="Run the driver job with overridden args: on that job only",
        provider=d.provider,
        var_hint=f"{name}_start",
    )
    return sa


def run_args(driver: DriverHandle, args: list[Any]) -> list[Any]:
    """The driver container's args for one start: ``run <entry> *args``."""
    return ["run", Expr(f'{driver.extra["artifact_info"]}["entry"]'), *args]


def overrides(driver: DriverHandle, args: list[Any]) -> dict[str, Any]:
    """The Cloud Run Admin API v2 ``jobs.run`` body."""
    return {
        "overrides": {
            "containerOverrides": [{"name": DRIVER_CONTAINER, "args": run_args(driver, args)}]
        }
    }


# -- schedules -------------------------------------------------------------------------------
def emit_schedule(schedule: IRSchedule, driver: DriverHandle, out: ProgramWriter) -> str:
    d = driver.driver
    gcp = gcp_config(d.provider)
    if len(schedule.cron.split()) != 5:
        raise UnsupportedFeatureError(
            f"Cron {schedule.cron!r} (not five fields)",
            "GCP",
            "five fields: minute hour day-of-month month day-of-week",
        )
    sa = start_identity(schedule.name, "schedule", driver, out)
    out.add_helper(BODY_HELPER)
    body = out.value(
        f"{schedule.name}_body",
        Call("glacier_json_body", args=(overrides(driver, ["--scheduled-at", LATEST]),)),
        comment="The jobs.run request: the driver's args with --scheduled-at latest (Cloud "
        "Scheduler cannot pass its tick; the driver takes the latest tick, once)",
    )
    uri = Call(
        "pulumi.Output.concat",
        args=(
            f"https://run.googleapis.com/v2/projects/{gcp.project}/locations/{gcp.region}/jobs/",
            Expr(f"{driver.var}.name"),
            ":run",
        ),
    )
    return out.resource(
        "gcp.cloudscheduler.Job",
        schedule.name,
        {
            "name": scheduler_name(schedule.name),
            "project": gcp.project,
            "region": gcp.region,
            "description": f"Glacier: runs {d.pipeline} at {schedule.cron} ({schedule.timezone})",
            "schedule": schedule.cron,
            "time_zone": schedule.timezone,
            "attempt_deadline": "180s",
            "retry_config": Call(
                "gcp.cloudscheduler.JobRetryConfigArgs",
                {"retry_count": 3, "max_retry_duration": "3600s"},
            ),
            "http_target": Call(
                "gcp.cloudscheduler.JobHttpTargetArgs",
                {
                    "uri": uri,
                    "http_method": "POST",
                    "headers": {"Content-Type": "application/json"},
                    "body": Expr(body),
                    "oauth_token": Call(
                        "gcp.cloudscheduler.JobHttpTargetOauthTokenArgs",
                        {
                            "service_account_email": Expr(f"{sa}.email"),
                            "scope": "https://www.googleapis.com/auth/cloud-platform",
                        },
                    ),
                },
            ),
        },
        comment=[
            f"Schedule {schedule.cron!r} in {schedule.timezone}: starts the driver job; the "
            "driver hands the logical date to "
            + (f"{schedule.param!r}" if schedule.param else "no parameter")
            + " and runs each tick once.",
        ],
        provider=d.provider,
        var_hint=f"{schedule.name}_scheduler",
    )


def scheduler_name(name: str) -> str:
    """A Cloud Scheduler job id (letters, digits, ``-``, ``_``; at most 500)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name)[:500]


def resource_id(name: str, limit: int = 63) -> str:
    """A Workflows / Eventarc id for a Glacier name: a-z, 0-9, ``-``, starting with a
    letter, at most ``limit`` characters (a hash keeps shortened names unique)."""
    base = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]+", "-", name.lower())).strip("-")
    if not base[:1].isalpha():
        base = f"g-{base}"
    if len(base) > limit or base != name:
        digest = hashlib.sha256(name.encode()).hexdigest()[:6]
        base = f"{base[: limit - 7].rstrip('-')}-{digest}"
    return base


# -- bucket triggers -------------------------------------------------------------------------
def key_pattern(trigger: IRTrigger) -> str | None:
    """An RE2 pattern of the keys the trigger starts on (None: every key of the bucket)."""
    if trigger.exact_key is not None:
        return f"^{re.escape(trigger.exact_key)}$"
    if trigger.suffixes:
        ends = "|".join(re.escape(s) for s in trigger.suffixes)
        return f"^{re.escape(trigger.prefix)}.*({ends})$"
    if trigger.prefix:
        return f"^{re.escape(trigger.prefix)}"
    return None


def _literal(value: str, what: str) -> str:
    """A Workflows literal: a string that is not an expression (``${...}``)."""
    if "${" in value:
        raise CompilerError(
            f"The {what} {value!r} contains '${{', which Workflows would evaluate as an "
            "expression; rename it."
        )
    return value


def workflow_definition(trigger: IRTrigger, driver: DriverHandle) -> dict[str, Any]:
    """The workflow (JSON source): skip keys outside the trigger, else run the driver job
    with the object's URI, generation and the trigger id (without waiting for it)."""
    d = driver.driver
    gcp = gcp_config(d.provider)
    steps: list[dict[str, Any]] = [
        {
            "init": {
                "assign": [
                    {"bucket": "${event.data.bucket}"},
                    {"object": "${event.data.name}"},
                    {"generation": "${string(event.data.generation)}"},
                ]
            }
        }
    ]
    pattern = key_pattern(trigger)
    if pattern is not None:
        steps.append({"pattern": {"assign": [{"pattern": _literal(pattern, "trigger key")}]}})
        steps.append(
            {
                "check": {
                    "switch": [
                        {
                            "condition": "${not(text.match_regex(object, pattern))}",
                            "return": "skipped: the key does not match the trigger",
                        }
                    ]
                }
            }
        )
    args = [
        "--event-uri",
        '${"gs://" + bucket + "/" + object}',
        "--event-version",
        "${generation}",
        "--trigger-id",
        _literal(trigger.id, "trigger id"),
    ]
    steps.append(
        {
            "start": {
                "call": "googleapis.run.v2.projects.locations.jobs.run",
                "args": {
                    "name": Call(
                        "pulumi.Output.concat",
                        args=(
                            f"projects/{gcp.project}/locations/{gcp.region}/jobs/",
                            Expr(f"{driver.var}.name"),
                        ),
                    ),
                    "connector_params": {"skip_polling": True},
                    "body": overrides(driver, args),
                },
                "result": "operation",
            }
        }
    )
    steps.append({"done": {"return": "${operation.name}"}})
    return {"main": {"params": ["event"], "steps": steps}}


def _gcs_agent_publisher(trigger: IRTrigger, driver: DriverHandle, out: ProgramWriter) -> str:
    """Cloud Storage's service agent may publish to Pub/Sub (how direct events reach
    Eventarc), once per project."""
    d = driver.driver
    gcp = gcp_config(d.provider)

    def emit() -> str:
        agent = out.value(
            f"{d.provider.key}_gcs_agent",
            Call(
                "gcp.storage.get_project_service_account_output",
                {"project": gcp.project, "opts": invoke_options(d.provider, out)},
            ),
            comment="Cloud Storage's service agent of the project",
        )
        return out.resource(
            "gcp.projects.IAMMember",
            f"{d.provider.key}-gcs-events",
            {"project": gcp.project, "role": PUBLISHER_ROLE, "member": Expr(f"{agent}.member")},
            comment="Cloud Storage's service agent publishes object events for Eventarc "
            "(Google's agent, not a Glacier identity; required by direct storage events). "
            "Kept on destroy (retain_on_delete): other stacks' triggers in the project use the "
            "same project binding",
            provider=d.provider,
            extra_opts={"retain_on_delete": True},
        )

    return out.handles.once(("gcs-agent-publisher", gcp.project), emit)


def emit_trigger(trigger: IRTrigger, driver: DriverHandle, out: ProgramWriter) -> list[str]:
    """The starter and receiver service accounts, the workflow and the Eventarc trigger;
    returns notes for the compile summary."""
    d = driver.driver
    gcp = gcp_config(d.provider)
    notes: list[str] = []
    handle = out.handles.buckets.get(trigger.bucket_key) if trigger.bucket_key else None
    bucket_name: Any = trigger.bucket_name
    if handle is not None:
        bucket_name = Expr(f"{handle.var}.name")
        location = (gcs_config(handle.bucket).location or gcp.region).lower()
    else:
        location = gcp.region
        notes.append(
            f"trigger {trigger.name}: bucket {trigger.bucket_name!r} is not one of this "
            f"program's; its Eventarc trigger is in {location} (it must be the bucket's "
            "location)"
        )
    starter = start_identity(trigger.name, "bucket trigger", driver, out)
    publisher = _gcs_agent_publisher(trigger, driver, out)
    workflow = out.resource(
        "gcp.workflows.Workflow",
        trigger.name,
        {
            "name": resource_id(trigger.name),
            "project": gcp.project,
            "region": gcp.region,
            "description": f"Glacier: starts {d.pipeline} on objects written to "
            f"{trigger.bucket_name}/{trigger.prefix}"[:1000],
            "service_account": Expr(f"{starter}.email"),
            "call_log_level": "LOG_ERRORS_ONLY",
            "labels": gcp_labels(d.tags),
            "deletion_protection": False,
            "source_contents": Call(
                "pulumi.Output.json_dumps", args=(workflow_definition(trigger, driver),)
            ),
        },
        comment=[
            f"Objects finalized in {trigger.bucket_name!r} under {trigger.prefix!r}"
            + (f" ending with {', '.join(trigger.suffixes)}" if trigger.suffixes else "")
            + ": run the driver job with the object's URI and generation.",
            "Runs as the starter service account (may start the driver job only).",
        ],
        provider=d.provider,
        var_hint=f"{trigger.name}_workflow",
    )
    receiver_name = f"{trigger.name}-events"
    receiver = out.resource(
        "gcp.serviceaccount.Account",
        f"{receiver_name}-sa",
        {
            "account_id": account_id(receiver_name),
            "display_name": f"Glacier events of {d.pipeline}"[:100],
            "project": gcp.project,
        },
        comment="Eventarc's identity for this trigger: receives the events, executes workflows",
        provider=d.provider,
        var_hint=f"{receiver_name}_sa",
    )
    bindings = []
    for role, what in ((EVENT_RECEIVER_ROLE, "receive"), (WORKFLOWS_INVOKER_ROLE, "invoke")):
        bindings.append(
            out.resource(
                "gcp.projects.IAMMember",
                f"{receiver_name}-{what}",
                {"project": gcp.project, "role": role, "member": Expr(f"{receiver}.member")},
                comment=f"{role}: GCP has no narrower resource to grant it on",
                provider=d.provider,
            )
        )
    out.resource(
        "gcp.eventarc.Trigger",
        trigger.name,
        {
            "name": resource_id(trigger.name),
            "project": gcp.project,
            "location": location,
            "matching_criterias": [
                Call(
                    "gcp.eventarc.TriggerMatchingCriteriaArgs",
                    {"attribute": "type", "value": FINALIZED},
                ),
                Call(
                    "gcp.eventarc.TriggerMatchingCriteriaArgs",
                    {"attribute": "bucket", "value": bucket_name},
                ),
            ],
            "destination": Call(
                "gcp.eventarc.TriggerDestinationArgs", {"workflow": Expr(f"{workflow}.id")}
            ),
            "service_account": Expr(f"{receiver}.email"),
            "labels": gcp_labels(d.tags),
        },
        comment=f"Object finalized in {trigger.bucket_name!r} -> the workflow above",
        provider=d.provider,
        depends_on=[publisher, *bindings],
        var_hint=f"{trigger.name}_trigger",
    )
    return notes


# -- alarms ---------------------------------------------------------------------------------
def failure_filter(job_name: str) -> str:
    """The Monitoring filter of the driver job's failed executions."""
    return (
        'resource.type = "cloud_run_job" AND '
        f'resource.labels.job_name = "{job_name}" AND '
        f'metric.type = "{FAILED_EXECUTIONS}" AND '
        'metric.labels.result = "failed"'
    )


def emit_alarm(alarm: IRAlarm, driver: DriverHandle, out: ProgramWriter) -> str:
    d = driver.driver
    gcp = gcp_config(d.provider)
    channels: list[Expr] = []
    for n, email in enumerate(alarm.emails, start=1):
        var = out.resource(
            "gcp.monitoring.NotificationChannel",
            f"{alarm.name}-email-{n}",
            {
                "project": gcp.project,
                "type": "email",
                "display_name": f"Glacier {d.pipeline} failures: {email}"[:100],
                "labels": {"email_address": email},
            },
            comment=f"E-mail {email}",
            provider=d.provider,
        )
        channels.append(Expr(f"{var}.name"))
    if alarm.webhook is not None:
        if not alarm.webhook.startswith("https://"):
            raise UnsupportedFeatureError(
                f"Alert webhook {alarm.webhook!r} (plain http)",
                "GCP",
                "an https:// webhook (alerts are not sent in clear text)",
            )
        var = out.resource(
            "gcp.monitoring.NotificationChannel",
            f"{alarm.name}-webhook",
            {
                "project": gcp.project,
                "type": "webhook_tokenauth",
                "display_name": f"Glacier {d.pipeline} failures webhook"[:100],
                "labels": {"url": alarm.webhook},
            },
            comment=f"POST failures to {alarm.webhook} (Cloud Monitoring's incident JSON)",
            provider=d.provider,
        )
        channels.append(Expr(f"{var}.name"))
    job = driver.extra["job_name"]
    return out.resource(
        "gcp.monitoring.AlertPolicy",
        alarm.name,
        {
            "project": gcp.project,
            "display_name": f"Glacier: a run of {d.pipeline} failed"[:512],
            "combiner": "OR",
            "severity": "ERROR",
            "conditions": [
                Call(
                    "gcp.monitoring.AlertPolicyConditionArgs",
                    {
                        "display_name": f"failed executions of {job}",
                        "condition_threshold": Call(
                            "gcp.monitoring.AlertPolicyConditionConditionThresholdArgs",
                            {
                                "filter": failure_filter(job),
                                "comparison": "COMPARISON_GT",
                                "threshold_value": 0,
                                "duration": "0s",
                                "aggregations": [
                                    Call(
                                        "gcp.monitoring."
                                        "AlertPolicyConditionConditionThresholdAggregationArgs",
                                        {
                                            "alignment_period": "60s",
                                            "per_series_aligner": "ALIGN_DELTA",
                                        },
                                    )
                                ],
                            },
                        ),
                    },
                )
            ],
            "notification_channels": channels,
            "documentation": Call(
                "gcp.monitoring.AlertPolicyDocumentationArgs",
                {
                    "content": f"The Glacier driver job {job} of pipeline {d.pipeline} ended "
                    "with a failed execution. Run records: `glacier runs list --status failed`; "
                    "logs: Cloud Logging, resource cloud_run_job.",
                    "mime_type": "text/markdown",
                },
            ),
            "alert_strategy": Call(
                "gcp.monitoring.AlertPolicyAlertStrategyArgs", {"auto_close": "86400s"}
            ),
        },
        comment="An execution of the driver job failed (non-zero exit, or could not start)",
        provider=d.provider,
        var_hint=f"{alarm.name}_policy",
    )
