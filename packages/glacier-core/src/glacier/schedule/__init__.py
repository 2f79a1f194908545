"""Definitions that start pipelines: cron :class:`Schedule`, bucket :class:`OnWrite`
triggers, and failure :class:`Alert` targets. ``glacier serve`` runs them on one machine;
compilers map them to each cloud's scheduler, event wiring and alarms."""

from glacier.schedule.alert import Alert
from glacier.schedule.cron import Schedule
from glacier.schedule.trigger import OnWrite

__all__ = ["Alert", "OnWrite", "Schedule"]
