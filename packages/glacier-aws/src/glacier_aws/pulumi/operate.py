"""AWS wiring of a pipeline's operating settings around its ECS driver.

- ``schedule`` → an EventBridge Scheduler schedule (cron in the schedule's time zone,
  flexible window off) whose target runs the driver's task definition with
  ``glacier run <entry> --scheduled-at <aws.scheduler.scheduled-time>``: the driver turns the
  tick into the logical date (in the schedule's zone) and runs each tick at most once.
- ``OnWrite`` triggers → EventBridge notifications on the bucket (``BucketNotification(
  eventbridge=True)``, on buckets the program manages) and an EventBridge rule on
  ``Object Created`` for that bucket, key prefix and suffixes, targeting the driver with
  ``--event-uri s3://<bucket>/<key> --event-version <sequencer> --trigger-id <id>``; the
  driver runs one object version at most once (a conditional create of a marker in the run
  store), so repeated deliveries run the pipeline once.
- ``on_failure`` → an EventBridge rule on the driver cluster's ``ECS Task State Change`` to
  ``STOPPED`` with a non-zero exit code (or a task that failed to start), to an SNS topic
  with e-mail subscriptions and/or an API destination POSTing to the webhook.

Every role here may only start the driver: ``ecs:RunTask`` on its task definition (in its
cluster) and ``iam:PassRole`` on exactly the driver's two roles, to ECS tasks only.
"""

from __future__ import annotations

import re
from typing import Any

from glacier.plugin import (
    DRIVER_CONTAINER,
    Call,
    DriverHandle,
    Expr,
    IRAlarm,
    IRSchedule,
    IRTrigger,
    ProgramWriter,
    UnsupportedFeatureError,
)
from glacier_aws.pulumi import policy

#: Context attribute EventBridge Scheduler replaces with the tick (``2026-11-01T01:00:00Z``).
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
#: How long (seconds) a failed start is retried (the driver dedupes repeated starts).
MAX_EVENT_AGE = 3600
_DOW = {str(i): str(i % 7 + 1) for i in range(8)}  # cron 0/7=SUN -> AWS 1=SUN ... 6=SAT -> 7


# -- cron -------------------------------------------------------------------------------------
def aws_cron(cron: str) -> str:
    """A five-field cron expression as EventBridge's ``cron(min hour dom month dow year)``.

    AWS needs ``?`` in day-of-month or day-of-week (one of them unrestricted) and numbers
    days of the week 1-7 from Sunday; standard cron ORs the two day fields when both are
    set, which AWS cannot express: that is an error naming the fix."""
    fields = cron.split()
    if len(fields) != 5:
        raise UnsupportedFeatureError(
            f"Cron {cron!r} (not five fields)", "AWS", "five fields: minute hour dom month dow"
        )
    minute, hour, dom, month, dow = fields
    if dom != "*" and dow != "*":
        raise UnsupportedFeatureError(
            f"Cron {cron!r} restricting both day-of-month and day-of-week",
            "AWS",
            "two schedules (one per day field), or '*' in one of them",
        )
    if dow == "*":
        return f"cron({minute} {hour} {dom} {month} ? *)"
    return f"cron({minute} {hour} ? {month} {_aws_dow(dow, cron)} *)"


def _aws_dow(field: str, cron: str) -> str:
    """Day-of-week numbers shifted to AWS's 1=Sunday (names, ``L``, ``#`` and steps kept)."""

    def one(token: str) -> str:
        step = ""
        if "/" in token:
            token, _, rest = token.partition("/")
            step = "/" + rest
        if token == "*":
            return token + step
        if "#" in token:
            day, _, nth = token.partition("#")
            return f"{_day(day, cron)}#{nth}{step}"
        if token.endswith("L") and token != "L":
            return f"{_day(token[:-1], cron)}L{step}"
        if "-" in token:
            low, _, high = token.partition("-")
            return f"{_day(low, cron)}-{_day(high, cron)}{step}"
        return _day(token, cron) + step

    return ",".join(one(t) for t in field.split(","))


def _day(token: str, cron: str) -> str:
    if token.isdigit():
        if token not in _DOW:
            raise UnsupportedFeatureError(f"Cron {cron!r} day {token}", "AWS", "0-7")
        return _DOW[token]
    return token.upper()  # SUN..SAT mean the same on AWS


# -- who may start the driver ---------------------------------------------------------------
def start_role(name: str, service: str, driver: DriverHandle, out: ProgramWriter) -> str:
    """A role ``service`` assumes that may run exactly the driver's task definition in its
    cluster and pass exactly the driver's two roles to ECS tasks; returns the role var."""
    d = driver.driver
    role = out.resource(
        "aws.iam.Role",
        f"{name}-role",
        {
            "description": f"Starts the Glacier driver of {d.pipeline} (only that)",
            "assume_role_policy": policy.assume_role(service),
            "tags": d.tags or None,
        },
        comment=f"Assumed by {service}: may start the driver of {d.pipeline!r} and nothing else",
        provider=d.provider,
        var_hint=f"{name}_role",
    )
    statements: list[dict[str, Any]] = [
        {
            "Sid": "RunDriver",
            "Effect": "Allow",
            "Action": ["ecs:RunTask"],
            "Resource": Expr(f"{driver.var}.arn"),
            "Condition": {"ArnEquals": {"ecs:cluster": Expr(f"{driver.extra['cluster']}.arn")}},
        },
        {
            "Sid": "PassDriverRoles",
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": [
                Expr(f"{driver.identity.var}.arn"),
                Expr(f"{driver.extra['execution_role']}.arn"),
            ],
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
    ]
    out.resource(
        "aws.iam.RolePolicy",
        f"{name}-start",
        {"role": Expr(f"{role}.id"), "policy": policy.document(statements)},
        comment="Run the driver's task definition (in its cluster), pass its two roles",
        provider=d.provider,
        var_hint=f"{name}_start_policy",
    )
    return role


def _overrides(driver: DriverHandle, args: list[Any]) -> dict[str, Any]:
    """RunTask overrides: the driver container's command with ``args`` after the entry."""
    info = out_info(driver)
    command = ["run", Expr(f'{info}["entry"]'), *args]
    return {"containerOverrides": [{"name": DRIVER_CONTAINER, "command": command}]}


def out_info(driver: DriverHandle) -> str:
    return driver.extra["artifact_info"]


def _network(kind: str, driver: DriverHandle) -> Call:
    return Call(
        f"aws.{kind}NetworkConfigurationArgs",
        {
            "subnets": Expr(driver.extra["subnets"]),
            "security_groups": Expr(driver.extra["security_groups"]),
            "assign_public_ip": driver.driver.config.public_ip,
        },
    )


# -- schedules -------------------------------------------------------------------------------
def emit_schedule(schedule: IRSchedule, driver: DriverHandle, out: ProgramWriter) -> str:
    d = driver.driver
    role = start_role(schedule.name, "scheduler.amazonaws.com", driver, out)
    expression = aws_cron(schedule.cron)
    target = Call(
        "aws.scheduler.ScheduleTargetArgs",
        {
            "arn": Expr(f"{driver.extra['cluster']}.arn"),
            "role_arn": Expr(f"{role}.arn"),
            "ecs_parameters": Call(
                "aws.scheduler.ScheduleTargetEcsParametersArgs",
                {
                    "task_definition_arn": Expr(f"{driver.var}.arn"),
                    "launch_type": "FARGATE",
                    "task_count": 1,
                    "network_configuration": _network(
                        "scheduler.ScheduleTargetEcsParameters", driver
                    ),
                },
            ),
            "input": Call(
                "pulumi.Output.json_dumps",
                args=(_overrides(driver, ["--scheduled-at", SCHEDULED_TIME]),),
            ),
            "retry_policy": Call(
                "aws.scheduler.ScheduleTargetRetryPolicyArgs",
                {"maximum_event_age_in_seconds": MAX_EVENT_AGE, "maximum_retry_attempts": 3},
            ),
        },
    )
    return out.resource(
        "aws.scheduler.Schedule",
        schedule.name,
        {
            "description": f"Glacier: runs {d.pipeline} at {schedule.cron} ({schedule.timezone})",
            "schedule_expression": expression,
            "schedule_expression_timezone": schedule.timezone,
            "flexible_time_window": Call(
                "aws.scheduler.ScheduleFlexibleTimeWindowArgs", {"mode": "OFF"}
            ),
            "state": "ENABLED",
            "target": target,
        },
        comment=[
            f"Schedule {schedule.cron!r} in {schedule.timezone} ({expression}): starts the driver "
            "with the tick; the driver hands the logical date to "
            + (f"{schedule.param!r}" if schedule.param else "no parameter")
            + " and runs each tick once.",
        ],
        provider=d.provider,
        var_hint=f"{schedule.name}_schedule",
    )


# -- bucket triggers -------------------------------------------------------------------------
def _wildcard(text: str) -> str:
    """Literal text inside an EventBridge ``wildcard`` pattern (``*`` and ``\\`` escaped)."""
    return re.sub(r"([*\\])", r"\\\1", text)


def key_filter(trigger: IRTrigger) -> list[Any] | None:
    """The ``detail.object.key`` filter: exact key, prefix, or prefix*suffix wildcards."""
    if trigger.exact_key is not None:
        return [trigger.exact_key]
    if trigger.suffixes:
        return [
            {"wildcard": f"{_wildcard(trigger.prefix)}*{_wildcard(s)}"} for s in trigger.suffixes
        ]
    if trigger.prefix:
        return [{"prefix": trigger.prefix}]
    return None


def event_pattern(trigger: IRTrigger, bucket: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    keys = key_filter(trigger)
    if keys is not None:
        obj["key"] = keys
    detail: dict[str, Any] = {"bucket": {"name": [bucket]}}
    if obj:
        detail["object"] = obj
    return {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": detail}


def emit_trigger(trigger: IRTrigger, driver: DriverHandle, out: ProgramWriter) -> list[str]:
    """EventBridge notifications of the bucket (when managed here), the rule, the target;
    returns notes for the compile summary."""
    d = driver.driver
    notes: list[str] = []
    bucket_name: Any = trigger.bucket_name
    handle = out.handles.buckets.get(trigger.bucket_key) if trigger.bucket_key else None
    if handle is not None:
        bucket_name = Expr(f"{handle.var}.bucket")
    if trigger.managed and handle is not None:

        def notify() -> str:
            return out.resource(
                "aws.s3.BucketNotification",
                f"{trigger.bucket_name}-events",
                {"bucket": Expr(f"{handle.var}.id"), "eventbridge": True},
                comment=f"Send {trigger.bucket_name!r}'s object events to EventBridge",
                provider=handle.provider,
                var_hint=f"{trigger.bucket_name}_events",
            )

        out.handles.once(("s3-eventbridge", trigger.bucket_key), notify)
    else:
        notes.append(
            f"trigger {trigger.name}: bucket {trigger.bucket_name!r} is not managed by this "
            "program; turn on its EventBridge notifications yourself (aws s3api "
            "put-bucket-notification-configuration --notification-configuration "
            "'{\"EventBridgeConfiguration\": {}}'), or the trigger never fires"
        )
    rule = out.resource(
        "aws.cloudwatch.EventRule",
        trigger.name,
        {
            "description": f"Glacier: objects written to {trigger.bucket_name}/{trigger.prefix}"
            + (f"*{'|'.join(trigger.suffixes)}" if trigger.suffixes else "*"),
            "event_pattern": Call(
                "pulumi.Output.json_dumps", args=(event_pattern(trigger, bucket_name),)
            ),
        },
        comment=f"Object Created under {trigger.bucket_name}/{trigger.prefix}"
        + (f" ending with {', '.join(trigger.suffixes)}" if trigger.suffixes else ""),
        provider=d.provider,
        var_hint=f"{trigger.name}_rule",
    )
    role = start_role(trigger.name, "events.amazonaws.com", driver, out)
    template = _overrides(
        driver,
        [
            "--event-uri",
            "s3://<bucket>/<key>",
            "--event-version",
            "<sequencer>",
            "--trigger-id",
            trigger.id,
        ],
    )
    out.resource(
        "aws.cloudwatch.EventTarget",
        f"{trigger.name}-driver",
        {
            "rule": Expr(f"{rule}.name"),
            "arn": Expr(f"{driver.extra['cluster']}.arn"),
            "role_arn": Expr(f"{role}.arn"),
            "ecs_target": Call(
                "aws.cloudwatch.EventTargetEcsTargetArgs",
                {
                    "task_definition_arn": Expr(f"{driver.var}.arn"),
                    "launch_type": "FARGATE",
                    "task_count": 1,
                    "network_configuration": _network("cloudwatch.EventTargetEcsTarget", driver),
                },
            ),
            "input_transformer": Call(
                "aws.cloudwatch.EventTargetInputTransformerArgs",
                {
                    "input_paths": {
                        "bucket": "$.detail.bucket.name",
                        "key": "$.detail.object.key",
                        "sequencer": "$.detail.object.sequencer",
                    },
                    "input_template": Call("pulumi.Output.json_dumps", args=(template,)),
                },
            ),
            "retry_policy": Call(
                "aws.cloudwatch.EventTargetRetryPolicyArgs",
                {"maximum_event_age_in_seconds": MAX_EVENT_AGE, "maximum_retry_attempts": 3},
            ),
        },
        comment="Start the driver with the object's URI and version (one run per version)",
        provider=d.provider,
        var_hint=f"{trigger.name}_target",
    )
    return notes


# -- alarms ---------------------------------------------------------------------------------
def failure_pattern(driver: DriverHandle) -> dict[str, Any]:
    """The driver's task stopped with a non-zero exit code, or failed to start."""
    return {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "clusterArn": [Expr(f"{driver.extra['cluster']}.arn")],
            "lastStatus": ["STOPPED"],
            "$or": [
                {"containers": {"exitCode": [{"anything-but": 0}]}},
                {"stopCode": ["TaskFailedToStart"]},
            ],
        },
    }


def emit_alarm(alarm: IRAlarm, driver: DriverHandle, out: ProgramWriter) -> None:
    d = driver.driver
    rule = out.resource(
        "aws.cloudwatch.EventRule",
        alarm.name,
        {
            "description": f"Glacier: a run of {d.pipeline} failed",
            "event_pattern": Call("pulumi.Output.json_dumps", args=(failure_pattern(driver),)),
        },
        comment="The driver task stopped with a non-zero exit code, or could not start",
        provider=d.provider,
        var_hint=f"{alarm.name}_rule",
    )
    paths = {
        "task": "$.detail.taskArn",
        "reason": "$.detail.stoppedReason",
        "stopped": "$.detail.stoppedAt",
    }
    if alarm.emails:
        topic = out.resource(
            "aws.sns.Topic",
            alarm.name,
            {"kms_master_key_id": "alias/aws/sns", "tags": d.tags or None},
            comment=f"Failure alerts of {d.pipeline!r} (e-mail)",
            provider=d.provider,
            var_hint=f"{alarm.name}_topic",
        )
        out.resource(
            "aws.sns.TopicPolicy",
            alarm.name,
            {
                "arn": Expr(f"{topic}.arn"),
                "policy": policy.document(
                    [
                        {
                            "Sid": "FromTheFailureRule",
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": ["sns:Publish"],
                            "Resource": Expr(f"{topic}.arn"),
                            "Condition": {"ArnEquals": {"aws:SourceArn": Expr(f"{rule}.arn")}},
                        }
                    ]
                ),
            },
            comment="Only the failure rule may publish",
            provider=d.provider,
        )
        for n, email in enumerate(alarm.emails, start=1):
            out.resource(
                "aws.sns.TopicSubscription",
                f"{alarm.name}-email-{n}",
                {"topic": Expr(f"{topic}.arn"), "protocol": "email", "endpoint": email},
                comment=f"E-mail {email} (the address confirms the subscription once)",
                provider=d.provider,
            )
        out.resource(
            "aws.cloudwatch.EventTarget",
            f"{alarm.name}-email",
            {
                "rule": Expr(f"{rule}.name"),
                "arn": Expr(f"{topic}.arn"),
                "input_transformer": Call(
                    "aws.cloudwatch.EventTargetInputTransformerArgs",
                    {
                        "input_paths": paths,
                        "input_template": f'"Glacier pipeline {_text(d.pipeline)} failed: task '
                        "<task> stopped at <stopped> (<reason>). Run records: glacier runs list "
                        '--status failed."',
                    },
                ),
            },
            comment="Send the failure to the topic",
            provider=d.provider,
        )
    if alarm.webhook is not None:
        if not alarm.webhook.startswith("https://"):
            raise UnsupportedFeatureError(
                f"Alert webhook {alarm.webhook!r} (plain http)",
                "AWS",
                "an https:// webhook (EventBridge API destinations call HTTPS only)",
            )
        connection = out.resource(
            "aws.cloudwatch.EventConnection",
            f"{alarm.name}-webhook",
            {
                "description": f"Glacier failure webhook of {d.pipeline}",
                "authorization_type": "API_KEY",
                "auth_parameters": Call(
                    "aws.cloudwatch.EventConnectionAuthParametersArgs",
                    {
                        "api_key": Call(
                            "aws.cloudwatch.EventConnectionAuthParametersApiKeyArgs",
                            {"key": "X-Glacier-Source", "value": "glacier"},
                        )
                    },
                ),
            },
            comment="EventBridge needs a connection; the webhook gets X-Glacier-Source: glacier",
            provider=d.provider,
            var_hint=f"{alarm.name}_connection",
        )
        destination = out.resource(
            "aws.cloudwatch.EventApiDestination",
            f"{alarm.name}-webhook",
            {
                "connection_arn": Expr(f"{connection}.arn"),
                "invocation_endpoint": alarm.webhook,
                "http_method": "POST",
                "invocation_rate_limit_per_second": 1,
            },
            comment=f"POST failures to {alarm.webhook}",
            provider=d.provider,
            var_hint=f"{alarm.name}_destination",
        )
        role = out.resource(
            "aws.iam.Role",
            f"{alarm.name}-webhook-role",
            {
                "assume_role_policy": policy.assume_role("events.amazonaws.com"),
                "tags": d.tags or None,
            },
            comment="Assumed by EventBridge: may call the webhook destination only",
            provider=d.provider,
            var_hint=f"{alarm.name}_webhook_role",
        )
        out.resource(
            "aws.iam.RolePolicy",
            f"{alarm.name}-webhook",
            {
                "role": Expr(f"{role}.id"),
                "policy": policy.document(
                    [
                        {
                            "Sid": "CallWebhook",
                            "Effect": "Allow",
                            "Action": ["events:InvokeApiDestination"],
                            "Resource": Expr(f"{destination}.arn"),
                        }
                    ]
                ),
            },
            comment="Invoke that one API destination",
            provider=d.provider,
        )
        body = {
            "event": "glacier.run.failed",
            "pipeline": d.pipeline,
            "task": "<task>",
            "reason": "<reason>",
            "stopped_at": "<stopped>",
        }
        out.resource(
            "aws.cloudwatch.EventTarget",
            f"{alarm.name}-webhook",
            {
                "rule": Expr(f"{rule}.name"),
                "arn": Expr(f"{destination}.arn"),
                "role_arn": Expr(f"{role}.arn"),
                "input_transformer": Call(
                    "aws.cloudwatch.EventTargetInputTransformerArgs",
                    {
                        "input_paths": paths,
                        "input_template": Call("pulumi.Output.json_dumps", args=(body,)),
                    },
                ),
            },
            comment="POST the failure as JSON",
            provider=d.provider,
        )


def _text(value: str) -> str:
    """Pipeline names inside a JSON string template (quotes and angle brackets dropped)."""
    return re.sub(r'["<>\\\x00-\x1f]', "", value)
