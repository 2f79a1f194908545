"""Glacier's plugin system (pluggy).

A plugin is a module with ``@hookimpl`` functions, announced in its distribution's
``pyproject.toml``::

    [project.entry-points.glacier]
    aws = "glacier_aws.hooks"

Keep that module thin: it names config classes, adapters and emitters by
``"package.module:Class"`` path (``"glacier_aws.storage:S3BucketAdapter"``), so neither
pydantic models nor cloud SDKs load until a pipeline uses that cloud. The plugin host
(:mod:`glacier.plugins.host`) loads plugins and answers lookups.
"""

from __future__ import annotations

import pluggy

from glacier.plugins.specs import (
    BucketBackend,
    EnvDetector,
    ExecutorBackend,
    PulumiEmitterSpec,
    ServerlessBackend,
)

#: The project name: hook prefix, entry-point group and pluggy marker name.
NAME = "glacier"

#: Decorator for plugin hook implementations.
hookimpl = pluggy.HookimplMarker(NAME)

__all__ = [
    "NAME",
    "BucketBackend",
    "EnvDetector",
    "ExecutorBackend",
    "PulumiEmitterSpec",
    "ServerlessBackend",
    "hookimpl",
]
