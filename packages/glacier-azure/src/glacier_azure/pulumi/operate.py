"""Azure wiring of a pipeline's operating settings around its Container Apps driver.

- ``schedule`` → a second Container Apps job of the driver (same image, identity, size and
  environment) with a **Schedule** trigger running ``glacier run <entry> --scheduled-at
  latest``. Container Apps evaluates cron in UTC and cannot pass the tick, so the job's cron is
  the schedule's cron moved to UTC for every offset of its time zone (a superset: a
  daylight-saving zone fires at both candidate hours); each start runs the schedule's latest
  tick (in its zone) at most once, so the extra start finds the tick claimed and exits. A
  Logic App could pass the tick, but needs a second identity allowed to start the job; the
  scheduled job needs none.
- ``OnWrite`` triggers → an Event Grid system topic on the bucket's storage account
  (``Microsoft.Storage.BlobCreated``, subject prefix of the container and path, suffixes as
  an advanced filter, directory creations excluded) delivering with the topic's own identity
  to a Storage queue in the driver's staging account; an event-driven Container Apps job with
  a KEDA ``azure-queue`` scale rule starts for each message and runs ``python -m
  glacier_azure.events``, which takes one message and runs ``glacier run <entry> --event-uri
  <abfs uri> --event-version <etag> --trigger-id <id>`` (at most once per object version: the
  runtime's claim), then deletes the message.
- ``on_failure`` → an action group (e-mail and webhook receivers) and one Azure Monitor
  metric alert per driver job on its ``Executions`` metric with ``state = Failed``.

Who starts the driver: nobody but Container Apps itself (its schedule and its queue scaler).
The topic's identity may only send messages to that one queue (Storage Queue Data Message
Sender on the queue); the driver's identity may read and delete them (Reader and Message
Processor on the queue).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from glacier.plugin import (
    Call,
    DriverHandle,
    Expr,
    IRAlarm,
    IRSchedule,
    IRTrigger,
    ProgramWriter,
    UnsupportedFeatureError,
)
from glacier_azure.pulumi.driver import container
from glacier_azure.pulumi.jobs import driver_jobs, emit_job, job_name, job_spec, slug
from glacier_azure.pulumi.provider import placement, role_id

AZ = "azure_native."
#: Built-in roles on one queue.
QUEUE_SENDER_ROLE = "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a"
QUEUE_READER_ROLE = "19e7f393-937e-4f77-808e-94535e297925"
QUEUE_PROCESSOR_ROLE = "8a0f0c08-91a1-4084-bc3d-661d67233fed"
#: Storage calls that create a blob with content (not ADLS Gen2's empty CreateFile).
BLOB_CREATED_APIS = ["CopyBlob", "FlushWithClose", "PutBlob", "PutBlockList"]
#: How long Event Grid retries a delivery, and how long a message waits in the queue.
EVENT_TTL_MINUTES = 1440
QUEUE_TTL_SECONDS = 7 * 86400
SINGLE_RESOURCE_CRITERIA = "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"


# -- cron in UTC ----------------------------------------------------------------------------
def zone_offsets(timezone: str, year: int = 2026) -> set[timedelta]:
    """Every UTC offset ``timezone`` uses in ``year`` (sampled daily)."""
    zone = ZoneInfo(timezone)
    start = datetime(year, 1, 1, 12)
    found = set()
    for day in range(366):
        offset = (start + timedelta(days=day)).replace(tzinfo=zone).utcoffset()
        if offset is not None:
            found.add(offset)
    return found


def _expand(field: str, low: int, high: int) -> list[int] | None:
    """The values of a plain numeric cron field (``*``, ``a``, ``a-b``, steps, lists)."""
    values: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        if not (step_text.isdigit() or step_text == ""):
            return None
        step = int(step_text or 1)
        if base == "*":
            first, last = low, high
        elif re.fullmatch(r"\d+", base):
            first = int(base)
            last = high if step_text else first
        elif re.fullmatch(r"\d+-\d+", base):
            first, last = (int(v) for v in base.split("-"))
        else:
            return None
        if not (low <= first <= last <= high) or step < 1:
            return None
        values.update(range(first, last + 1, step))
    return sorted(values)


def _field(values: list[int]) -> str:
    return ",".join(str(v) for v in values)


def utc_cron(schedule: IRSchedule) -> str:
    """The schedule's cron for a UTC scheduler, firing at least at every tick in the
    schedule's zone (see the module docstring); a clear error when that cannot be written."""
    fields = schedule.cron.split()
    if len(fields) != 5:
        raise UnsupportedFeatureError(
            f"Cron {schedule.cron!r} (not five fields)", "Azure", "minute hour dom month dow"
        )
    minute, hour, dom, month, dow = fields
    offsets = zone_offsets(schedule.timezone)
    if offsets == {timedelta(0)}:
        return schedule.cron
    minutes = _expand(minute, 0, 59)
    hours = _expand(hour, 0, 23)
    if minutes is None or hours is None:
        raise UnsupportedFeatureError(
            f"Cron {schedule.cron!r} in {schedule.timezone} (named or special minute/hour "
            "values in a zone other than UTC)",
            "Azure",
            "numeric minute and hour fields, or Schedule(timezone='UTC')",
        )
    times: set[tuple[int, int]] = set()
    crosses = False
    for offset in offsets:
        shift = int(offset.total_seconds() // 60)
        for h in hours:
            for m in minutes:
                total = h * 60 + m - shift
                crosses |= not 0 <= total < 1440
                total %= 1440
                times.add(divmod(total, 60))
    utc_minutes = sorted({m for _, m in times})
    utc_hours = sorted({h for h, _ in times})
    days = (dom, month, dow)
    if crosses and days != ("*", "*", "*"):
        days = ("*", "*", "*")  # the UTC day differs from the local one: every day, filtered
    return " ".join([_field(utc_minutes), _field(utc_hours), *days])


def emit_schedule(schedule: IRSchedule, driver: DriverHandle, out: ProgramWriter) -> str:
    """The scheduled job of the driver (see the module docstring)."""
    d = driver.driver
    cron = utc_cron(schedule)
    trigger = {
        "trigger_type": "Schedule",
        "schedule_trigger_config": Call(
            AZ + "app.JobConfigurationScheduleTriggerConfigArgs",
            {"cron_expression": cron, "parallelism": 1, "replica_completion_count": 1},
        ),
    }
    info = driver.extra["artifact_info"]
    return emit_job(
        d,
        job_spec(out, driver),
        schedule.name,
        job_name(d, "schedule"),
        trigger,
        ["glacier"],
        ["run", Expr(f'{info}["entry"]'), "--scheduled-at", "latest"],
        [
            f"Schedule {schedule.cron!r} in {schedule.timezone}: Container Apps fires at "
            f"{cron!r} UTC (every candidate hour of the zone) and the driver runs the latest",
            "tick once (`--scheduled-at latest`; a start that finds it claimed exits); the "
            "logical date goes to " + (repr(schedule.param) if schedule.param else "no parameter"),
        ],
        out,
    )


# -- bucket triggers -------------------------------------------------------------------------
def subject_prefix(trigger: IRTrigger) -> str:
    key = trigger.exact_key if trigger.exact_key is not None else trigger.prefix
    return f"/blobServices/default/containers/{trigger.bucket_name}/blobs/{key}"


def event_filter(trigger: IRTrigger) -> Call:
    """BlobCreated under the container and path; suffixes (or the exact key) as advanced
    filters on the subject; only calls that commit content."""
    subject = subject_prefix(trigger)
    advanced: list[Call] = [
        Call(
            AZ + "eventgrid.StringInAdvancedFilterArgs",
            {"operator_type": "StringIn", "key": "data.api", "values": BLOB_CREATED_APIS},
        )
    ]
    if trigger.exact_key is not None:
        advanced.append(
            Call(
                AZ + "eventgrid.StringInAdvancedFilterArgs",
                {"operator_type": "StringIn", "key": "subject", "values": [subject]},
            )
        )
    elif trigger.suffixes:
        advanced.append(
            Call(
                AZ + "eventgrid.StringEndsWithAdvancedFilterArgs",
                {
                    "operator_type": "StringEndsWith",
                    "key": "subject",
                    "values": list(trigger.suffixes),
                },
            )
        )
    return Call(
        AZ + "eventgrid.EventSubscriptionFilterArgs",
        {
            "included_event_types": ["Microsoft.Storage.BlobCreated"],
            "subject_begins_with": subject,
            "is_subject_case_sensitive": True,
            "advanced_filters": advanced,
        },
    )


def _queue_role(
    name: str, principal: Any, role: str, queue: str, comment: str, d: Any, out: ProgramWriter
) -> str:
    return out.resource(
        AZ + "authorization.RoleAssignment",
        name,
        {
            "principal_id": principal,
            "principal_type": "ServicePrincipal",
            "role_definition_id": role_id(d.provider, role, out),
            "scope": Expr(f"{queue}.id"),
        },
        comment=comment,
        provider=d.provider,
    )


def emit_trigger(
    ir: Any, trigger: IRTrigger, driver: DriverHandle, out: ProgramWriter
) -> list[str]:
    """System topic (once per storage account), queue, event subscription, the queue roles
    and the event-driven job; returns notes for the compile summary."""
    d = driver.driver
    notes: list[str] = []
    handle = out.handles.buckets.get(trigger.bucket_key) if trigger.bucket_key else None
    if handle is None:
        raise UnsupportedFeatureError(
            f"A trigger on container {trigger.bucket_name!r}, which is no bucket of the "
            "pipeline's provider",
            "Azure",
            "a bucket of the driver's provider (its storage account must be known), or glacier "
            "serve (it polls any bucket)",
        )
    source = container(handle).account
    staging = container(out.handles.bucket(d.staging_key)).account
    where = placement(ir, d.provider, out)
    if not trigger.managed:
        notes.append(
            f"trigger {trigger.name}: container {trigger.bucket_name!r} is not created by this "
            f"program; an Event Grid system topic is added to its storage account {source.name!r} "
            "(Azure allows one per account: if it has one already, import it)"
        )

    def system_topic() -> str:
        return out.resource(
            AZ + "eventgrid.SystemTopic",
            f"{source.name}-events",
            {
                **where,
                "system_topic_name": f"{source.name}-events",
                "source": Expr(f"{source.var}.id"),
                "topic_type": "Microsoft.Storage.StorageAccounts",
                "identity": Call(AZ + "eventgrid.IdentityInfoArgs", {"type": "SystemAssigned"}),
                "tags": d.tags or None,
            },
            comment=f"Blob events of storage account {source.name!r} (Event Grid system topic; "
            "its own identity delivers them)",
            provider=d.provider,
            var_hint=f"{source.name}_events",
        )

    topic = out.handles.once(("azure-system-topic", source.name), system_topic)
    queue_name = slug(f"glacier-{trigger.name}")[:63].rstrip("-")
    queue = out.resource(
        AZ + "storage.Queue",
        f"{trigger.name}-queue",
        {**staging.scoped(), "queue_name": queue_name},
        comment=f"Events of trigger {trigger.name!r}, one message per new object",
        provider=d.provider,
        var_hint=f"{slug(trigger.name).replace('-', '_')}_queue",
    )
    sender = _queue_role(
        f"{trigger.name}-send",
        Expr(f"{topic}.identity.apply(lambda i: i.principal_id if i else None)"),
        QUEUE_SENDER_ROLE,
        queue,
        "The topic's identity may only send messages to this queue",
        d,
        out,
    )
    identity = driver.identity.var
    reader = _queue_role(
        f"{trigger.name}-read",
        Expr(f"{identity}.principal_id"),
        QUEUE_READER_ROLE,
        queue,
        "The driver's identity reads the queue's length (the KEDA scaler) ...",
        d,
        out,
    )
    processor = _queue_role(
        f"{trigger.name}-process",
        Expr(f"{identity}.principal_id"),
        QUEUE_PROCESSOR_ROLE,
        queue,
        "... and takes and deletes its messages (this queue only)",
        d,
        out,
    )
    out.resource(
        AZ + "eventgrid.SystemTopicEventSubscription",
        trigger.name,
        {
            "resource_group_name": where["resource_group_name"],
            "system_topic_name": Expr(f"{topic}.name"),
            "event_subscription_name": slug(trigger.name)[:64].rstrip("-"),
            "event_delivery_schema": "EventGridSchema",
            "filter": event_filter(trigger),
            "delivery_with_resource_identity": Call(
                AZ + "eventgrid.DeliveryWithResourceIdentityArgs",
                {
                    "identity": Call(
                        AZ + "eventgrid.EventSubscriptionIdentityArgs", {"type": "SystemAssigned"}
                    ),
                    "destination": Call(
                        AZ + "eventgrid.StorageQueueEventSubscriptionDestinationArgs",
                        {
                            "endpoint_type": "StorageQueue",
                            "resource_id": Expr(f"{staging.var}.id"),
                            "queue_name": queue_name,
                            "queue_message_time_to_live_in_seconds": QUEUE_TTL_SECONDS,
                        },
                    ),
                },
            ),
            "retry_policy": Call(
                AZ + "eventgrid.RetryPolicyArgs",
                {"max_delivery_attempts": 30, "event_time_to_live_in_minutes": EVENT_TTL_MINUTES},
            ),
        },
        comment=f"Blob created under {trigger.bucket_name}/{trigger.prefix}"
        + (f" ending with {', '.join(trigger.suffixes)}" if trigger.suffixes else "")
        + " -> the queue",
        provider=d.provider,
        depends_on=[sender],
        var_hint=f"{slug(trigger.name).replace('-', '_')}_subscription",
    )
    queue_url = f"https://{staging.name}.queue.core.windows.net/{queue_name}"
    rule = Call(
        AZ + "app.JobScaleRuleArgs",
        {
            "name": "queue",
            "type": "azure-queue",
            "metadata": {
                "accountName": staging.name,
                "queueName": queue_name,
                "queueLength": "1",
            },
            "identity": Expr(f"{identity}.id"),
        },
    )
    event = Call(
        AZ + "app.JobConfigurationEventTriggerConfigArgs",
        {
            "parallelism": 1,
            "replica_completion_count": 1,
            "scale": Call(
                AZ + "app.JobScaleArgs",
                {
                    "min_executions": 0,
                    "max_executions": 10,
                    "polling_interval": 30,
                    "rules": [rule],
                },
            ),
        },
    )
    info = driver.extra["artifact_info"]
    role = trigger.name.removeprefix(f"{d.pipeline}-") or "on-write"
    emit_job(
        d,
        job_spec(out, driver),
        f"{trigger.name}-job",
        job_name(d, slug(role)),
        {"trigger_type": "Event", "event_trigger_config": event},
        ["python", "-m", "glacier_azure.events"],
        ["--queue", queue_url, "--trigger-id", trigger.id, Expr(f'{info}["entry"]')],
        [
            f"Trigger {trigger.name!r}: one execution per queued event, running `glacier run "
            "<entry> --event-uri ... --event-version <etag>`",
            "through glacier_azure.events (it takes the message, runs the driver, deletes it)",
        ],
        out,
        depends_on=[reader, processor],
    )
    return notes


# -- alarms ---------------------------------------------------------------------------------
def short_group_name(text: str) -> str:
    """An action group's short name (up to 12 characters)."""
    return re.sub(r"[^A-Za-z0-9]", "", text)[:12] or "glacier"


def emit_alarm(ir: Any, alarm: IRAlarm, driver: DriverHandle, out: ProgramWriter) -> None:
    d = driver.driver
    where = placement(ir, d.provider, out)
    if alarm.webhook is not None and not alarm.webhook.startswith("https://"):
        raise UnsupportedFeatureError(
            f"Alert webhook {alarm.webhook!r} (plain http)",
            "Azure",
            "an https:// webhook",
        )
    emails = [
        Call(
            AZ + "monitor.MicrosoftCommonEmailReceiverArgs",
            {"name": f"email-{n}", "email_address": email, "use_common_alert_schema": True},
        )
        for n, email in enumerate(alarm.emails, start=1)
    ]
    hooks = (
        [
            Call(
                AZ + "monitor.WebhookReceiverArgs",
                {"name": "webhook", "service_uri": alarm.webhook, "use_common_alert_schema": True},
            )
        ]
        if alarm.webhook
        else []
    )
    group = out.resource(
        AZ + "monitor.ActionGroup",
        alarm.name,
        {
            "resource_group_name": where["resource_group_name"],
            "location": "global",
            "group_short_name": short_group_name(d.pipeline),
            "enabled": True,
            "email_receivers": emails or None,
            "webhook_receivers": hooks or None,
            "tags": d.tags or None,
        },
        comment=f"Who hears of failed runs of {d.pipeline!r} (e-mail, webhook: the common "
        "alert schema)",
        provider=d.provider,
        var_hint=f"{slug(alarm.name).replace('-', '_')}_group",
    )
    for job in _driver_jobs(out, driver):
        out.resource(
            AZ + "monitor.MetricAlert",
            f"{alarm.name}-{job['role']}",
            {
                "resource_group_name": where["resource_group_name"],
                "location": "global",
                "description": f"Glacier: a run of {d.pipeline} failed ({job['role']} job)",
                "severity": 1,
                "enabled": True,
                "scopes": [Expr(f"{job['var']}.id")],
                "evaluation_frequency": "PT1M",
                "window_size": "PT5M",
                "auto_mitigate": False,
                "criteria": Call(
                    AZ + "monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs",
                    {
                        "odata_type": SINGLE_RESOURCE_CRITERIA,
                        "all_of": [
                            Call(
                                AZ + "monitor.MetricCriteriaArgs",
                                {
                                    "criterion_type": "StaticThresholdCriterion",
                                    "name": "failed-executions",
                                    "metric_namespace": "Microsoft.App/jobs",
                                    "metric_name": "Executions",
                                    "dimensions": [
                                        Call(
                                            AZ + "monitor.MetricDimensionArgs",
                                            {
                                                "name": "state",
                                                "operator": "Include",
                                                "values": ["Failed"],
                                            },
                                        )
                                    ],
                                    "operator": "GreaterThan",
                                    "threshold": 0,
                                    "time_aggregation": "Total",
                                },
                            )
                        ],
                    },
                ),
                "actions": [
                    Call(
                        AZ + "monitor.MetricAlertActionArgs",
                        {"action_group_id": Expr(f"{group}.id")},
                    )
                ],
                "tags": d.tags or None,
            },
            comment=f"A failed execution of the driver's {job['role']} job",
            provider=d.provider,
        )


def _driver_jobs(out: ProgramWriter, driver: DriverHandle) -> list[dict[str, str]]:
    """The driver's jobs (the driver, its schedule and trigger jobs): alarms watch each."""
    return driver_jobs(out, driver.driver)
