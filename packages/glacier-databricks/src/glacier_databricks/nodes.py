"""Node (instance) types per cloud: recognise a type's cloud and suggest equivalents.

Used by :meth:`glacier_databricks.config.DatabricksConfig.validate_instance_type`; other
plugins may reuse it (Dataproc machine types, EMR instance types).
"""

from __future__ import annotations

import re

#: How each cloud spells a node type.
PATTERNS: dict[str, re.Pattern[str]] = {
    "aws": re.compile(r"^[a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+$"),  # m5.xlarge, r6gd.2xlarge
    "azure": re.compile(r"^Standard_[A-Za-z0-9_]+$"),  # Standard_D4s_v3
    "gcp": re.compile(r"^[a-z][a-z0-9]*-[a-z]+(-[a-z0-9]+)+$"),  # n2-standard-4
}

#: Rows of roughly equivalent types (vCPU / memory): aws, azure, gcp.
EQUIVALENTS: list[dict[str, str]] = [
    {"aws": "m5.large", "azure": "Standard_D2s_v3", "gcp": "n2-standard-2"},
    {"aws": "m5.xlarge", "azure": "Standard_D4s_v3", "gcp": "n2-standard-4"},
    {"aws": "m5.2xlarge", "azure": "Standard_D8s_v3", "gcp": "n2-standard-8"},
    {"aws": "m5.4xlarge", "azure": "Standard_D16s_v3", "gcp": "n2-standard-16"},
    {"aws": "r5.xlarge", "azure": "Standard_E4s_v3", "gcp": "n2-highmem-4"},
    {"aws": "r5.2xlarge", "azure": "Standard_E8s_v3", "gcp": "n2-highmem-8"},
    {"aws": "c5.xlarge", "azure": "Standard_F4s_v2", "gcp": "n2-highcpu-4"},
    {"aws": "c5.2xlarge", "azure": "Standard_F8s_v2", "gcp": "n2-highcpu-8"},
    {"aws": "i3.xlarge", "azure": "Standard_L4s", "gcp": "n2-highmem-4"},
]

#: The default node type on each cloud (4 vCPU, 16 GB).
DEFAULTS: dict[str, str] = dict(EQUIVALENTS[1])

CLOUD_NAMES = {"aws": "AWS", "azure": "Azure", "gcp": "GCP"}


def cloud_of(node_type: str) -> str | None:
    """The cloud whose naming a node type follows, if recognisable."""
    for cloud, pattern in PATTERNS.items():
        if pattern.fullmatch(node_type):
            return cloud
    return None


def equivalent(node_type: str, cloud: str) -> str | None:
    """A roughly equivalent node type on ``cloud``."""
    for row in EQUIVALENTS:
        if node_type in row.values():
            return row.get(cloud)
    return None


def check_node_type(node_type: str, cloud: str, *, field: str = "instance_type") -> None:
    """Raise ValueError when ``node_type`` belongs to another cloud than ``cloud``.

    Clouds without node types (``local``) and unrecognised spellings are not rejected.
    """
    if cloud not in PATTERNS:
        return
    owner = cloud_of(node_type)
    if owner is None or owner == cloud:
        return
    suggestion = equivalent(node_type, cloud) or DEFAULTS[cloud]
    raise ValueError(
        f"{field}={node_type!r} is an {CLOUD_NAMES[owner]} node type, but the provider is on "
        f"{CLOUD_NAMES[cloud]}; use an {CLOUD_NAMES[cloud]} type such as {suggestion!r}."
    )
