"""Load a pipeline from ``FILE[:name]``: see :mod:`glacier.dag.targets` (re-exported for the
CLI)."""

from glacier.dag.targets import LoadError, Target, load_pipeline, load_target, split_target

__all__ = ["LoadError", "Target", "load_pipeline", "load_target", "split_target"]
