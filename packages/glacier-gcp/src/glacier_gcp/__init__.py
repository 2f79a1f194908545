"""Glacier plugin for Google Cloud. Users import configs from ``glacier.config``:

>>> from glacier.config import GcpConfig, GcsConfig
"""

from glacier_gcp._version import __version__

__all__ = ["__version__"]
