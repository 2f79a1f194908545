"""``Alert``: where to tell someone that a run failed.

A small declarative model a compiler can map to each cloud's alarm (an SNS topic with email
and HTTPS subscriptions, an Azure Monitor action group, Cloud Monitoring notification
channels). Locally, a failed run prints the alert on stderr and POSTs the run summary as
JSON to ``webhook`` (with a timeout); e-mail is only printed (no mail server locally).
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from glacier.errors import PipelineDefinitionError, RunRecordWarning

if TYPE_CHECKING:
    from glacier.runs.record import RunRecord

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Alert:
    """``Alert(email="oncall@example.com")``, ``Alert(webhook="https://hooks.example/x")``,
    or both. ``email`` may be a list. ``timeout`` bounds the local webhook POST (seconds)."""

    email: str | Sequence[str] = ()
    webhook: str | None = None
    timeout: float = 5.0

    def __post_init__(self) -> None:
        emails = (self.email,) if isinstance(self.email, str) else tuple(self.email or ())
        for address in emails:
            if not isinstance(address, str) or not _EMAIL.match(address):
                raise PipelineDefinitionError(
                    f"Alert email {address!r} is not an e-mail address such as "
                    "'oncall@example.com'."
                )
        object.__setattr__(self, "email", emails)
        if self.webhook is not None and (
            not isinstance(self.webhook, str)
            or not self.webhook.startswith(("https://", "http://"))
        ):
            raise PipelineDefinitionError(
                f"Alert webhook must be an http(s) URL, got {self.webhook!r}."
            )
        if not emails and self.webhook is None:
            raise PipelineDefinitionError(
                "Alert needs a target: Alert(email='oncall@example.com') and/or "
                "Alert(webhook='https://...')."
            )
        if not isinstance(self.timeout, int | float) or not 0 < self.timeout <= 60:
            raise PipelineDefinitionError(
                f"Alert timeout must be seconds in (0, 60], got {self.timeout!r}."
            )

    @property
    def emails(self) -> tuple[str, ...]:
        return tuple(self.email)


def parse_alerts(value: Alert | Sequence[Alert] | None, pipeline: str) -> tuple[Alert, ...]:
    """``@pipeline(on_failure=...)`` as a tuple of alerts."""
    if value is None:
        return ()
    items = (value,) if isinstance(value, Alert) else value
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise PipelineDefinitionError(
            f"Pipeline {pipeline!r}: on_failure= takes Alert(email=...) / Alert(webhook=...) "
            f"or a list of them, got {type(value).__name__}."
        )
    for item in items:
        if not isinstance(item, Alert):
            raise PipelineDefinitionError(
                f"Pipeline {pipeline!r}: on_failure= takes Alert(...) objects, got "
                f"{type(item).__name__}."
            )
    return tuple(items)


def payload(record: RunRecord, location: str | None = None) -> dict[str, Any]:
    """What a webhook receives: the run summary (not the per-task details)."""
    return {
        "event": "glacier.run.failed",
        "pipeline": record.pipeline,
        "run_id": record.run_id,
        "status": record.status,
        "params": record.params,
        "trigger": record.trigger,
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "error": None if record.error is None else record.error.to_dict() | {"traceback": None},
        "record": location,
    }


def notify(
    alerts: Sequence[Alert],
    record: RunRecord,
    *,
    location: str | None = None,
    stream: TextIO | None = None,
) -> list[str]:
    """Print each alert for a failed run and POST to its webhook. Never raises: a failing
    webhook only warns. Returns one line per target, as printed."""
    out = stream or sys.stderr
    error = record.error.short() if record.error is not None else "no error text"
    where = f" (task {record.error.task!r})" if record.error and record.error.task else ""
    lines: list[str] = []
    for alert in alerts:
        for address in alert.emails:
            lines.append(f"e-mail to {address} (printed only: no mail is sent locally)")
        if alert.webhook is not None:
            lines.append(f"webhook {alert.webhook}: {_post(alert, record, location)}")
    if lines:
        print(
            f"glacier: ALERT pipeline {record.pipeline!r} run {record.run_id} "
            f"{record.status}{where}: {error}",
            file=out,
        )
        for line in lines:
            print(f"glacier: ALERT -> {line}", file=out)
        out.flush()
    return lines


def _post(alert: Alert, record: RunRecord, location: str | None) -> str:
    import urllib.error
    import urllib.request

    assert alert.webhook is not None
    body = json.dumps(payload(record, location)).encode()
    request = urllib.request.Request(
        alert.webhook,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "glacier"},
    )
    try:
        with urllib.request.urlopen(request, timeout=alert.timeout) as response:
            return f"POST {response.status}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        message = f"webhook {alert.webhook} failed: {type(exc).__name__}: {exc}"
        warnings.warn(message, RunRecordWarning, stacklevel=3)
        return f"POST failed ({type(exc).__name__}: {exc})"
