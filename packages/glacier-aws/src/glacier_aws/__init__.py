"""Glacier plugin for AWS. Users import configs from ``glacier.config``:

>>> from glacier.config import AwsConfig, S3Config
"""

from glacier_aws._version import __version__

__all__ = ["__version__"]
