"""Glacier plugin for Azure. Users import configs from ``glacier.config``:

>>> from glacier.config import AzureConfig, BlobConfig
"""

from glacier_azure._version import __version__

__all__ = ["__version__"]
