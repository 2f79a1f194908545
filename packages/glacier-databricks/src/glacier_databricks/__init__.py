"""Glacier plugin for Databricks: ``DatabricksConfig`` executors on any cloud."""

from glacier_databricks._version import __version__

__all__ = ["__version__"]
