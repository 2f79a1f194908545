"""``glacier backfill``: run a parameter range, skipping values that already succeeded."""

from glacier.backfill.ranges import expand
from glacier.backfill.run import backfill, plan

__all__ = ["backfill", "expand", "plan"]
