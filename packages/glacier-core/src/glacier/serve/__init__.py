"""``glacier serve``: schedules and bucket triggers on one machine (see docs/operating.md)."""

from glacier.serve.clock import ManualClock, SystemClock
from glacier.serve.loop import Server

__all__ = ["ManualClock", "Server", "SystemClock"]
