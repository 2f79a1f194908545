"""Definitions that start pipelines: cron :class:`Schedule`, bucket :class:`OnWrite`
triggers, and failure :class:`Alert` targets. ``glacier serve`` runs them on one machine;
compilers map them to each cloud's scheduler, event wiring and alarms.

Names load lazily (``@pipeline`` imports only what its settings need).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glacier.schedule.alert import Alert
    from glacier.schedule.cron import Schedule
    from glacier.schedule.trigger import OnWrite

_EXPORTS = {
    "Alert": "glacier.schedule.alert",
    "Schedule": "glacier.schedule.cron",
    "OnWrite": "glacier.schedule.trigger",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'glacier.schedule' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["Alert", "OnWrite", "Schedule"]
