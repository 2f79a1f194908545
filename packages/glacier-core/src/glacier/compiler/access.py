"""Static access analysis lives in :mod:`glacier.dag.access` (the graph renderer uses it too);
re-exported here for the compiler."""

from glacier.dag.access import AccessResult, analyze_function

__all__ = ["AccessResult", "analyze_function"]
