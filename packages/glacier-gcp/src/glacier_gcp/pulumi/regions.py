"""Region names of other clouds, translated to the nearest GCS location.

``ReplicationConfig(destination_region=...)`` is written once for every cloud; a pipeline
written for AWS (``us-west-2``) or Azure (``westus2``) compiles on GCP to the GCP region in
the same metro or, where GCP has none, the nearest one, and the compile notes say which.
GCP region names (``europe-west4``) and GCS multi- and dual-regions (``eu``, ``nam4``) pass
through unchanged.
"""

from __future__ import annotations

import re

from glacier.plugin import CompilerError

#: AWS region -> GCP region (same metro where one exists).
AWS_REGIONS = {
    "us-east-1": "us-east4",
    "us-east-2": "us-east5",
    "us-west-1": "us-west2",
    "us-west-2": "us-west1",
    "ca-central-1": "northamerica-northeast1",
    "sa-east-1": "southamerica-east1",
    "eu-west-1": "europe-west2",
    "eu-west-2": "europe-west2",
    "eu-west-3": "europe-west9",
    "eu-central-1": "europe-west3",
    "eu-central-2": "europe-west6",
    "eu-north-1": "europe-north1",
    "eu-south-1": "europe-west8",
    "ap-east-1": "asia-east2",
    "ap-south-1": "asia-south1",
    "ap-northeast-1": "asia-northeast1",
    "ap-northeast-2": "asia-northeast3",
    "ap-northeast-3": "asia-northeast2",
    "ap-southeast-1": "asia-southeast1",
    "ap-southeast-2": "australia-southeast1",
    "me-central-1": "me-central1",
    "af-south-1": "africa-south1",
}
#: Azure location -> GCP region (same metro where one exists).
AZURE_LOCATIONS = {
    "eastus": "us-east4",
    "eastus2": "us-east4",
    "centralus": "us-central1",
    "northcentralus": "us-central1",
    "southcentralus": "us-south1",
    "westus": "us-west2",
    "westus2": "us-west1",
    "westus3": "us-west4",
    "canadacentral": "northamerica-northeast2",
    "canadaeast": "northamerica-northeast1",
    "brazilsouth": "southamerica-east1",
    "northeurope": "europe-west2",
    "westeurope": "europe-west4",
    "uksouth": "europe-west2",
    "francecentral": "europe-west9",
    "germanywestcentral": "europe-west3",
    "switzerlandnorth": "europe-west6",
    "swedencentral": "europe-north1",
    "italynorth": "europe-west8",
    "eastasia": "asia-east2",
    "southeastasia": "asia-southeast1",
    "japaneast": "asia-northeast1",
    "japanwest": "asia-northeast2",
    "koreacentral": "asia-northeast3",
    "centralindia": "asia-south1",
    "australiaeast": "australia-southeast1",
    "uaenorth": "me-central1",
    "southafricanorth": "africa-south1",
}
#: GCS multi-regions and predefined dual-regions (locations that are not a region).
MULTI_REGIONS = frozenset({"us", "eu", "asia", "nam4", "eur4", "eur5", "eur7", "eur8", "asia1"})
#: A GCP region: ``us-west1``, ``northamerica-northeast2`` (a hyphen, then a number).
_GCP_REGION = re.compile(r"[a-z]+(-[a-z]+)+\d+")


def gcs_location(region: str, what: str) -> tuple[str, str | None]:
    """The GCS location (upper case) for ``region`` and a note when it was translated.
    ``what`` names the setting in the error for an unknown name."""
    name = region.lower()
    for cloud, table in (("AWS", AWS_REGIONS), ("Azure", AZURE_LOCATIONS)):
        if name in table:
            location = table[name]
            return location.upper(), f"{what}: {cloud} region {region!r} is GCP {location!r}"
    if _GCP_REGION.fullmatch(name) or name in MULTI_REGIONS:
        return name.upper(), None
    raise CompilerError(
        f"{what}: {region!r} is not a GCP region or GCS location, nor an AWS or Azure region "
        "Glacier can translate. Use a GCP region such as 'us-west1' or 'europe-west4', or a "
        "multi-region such as 'eu' (https://cloud.google.com/storage/docs/locations)."
    )
