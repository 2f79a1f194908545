"""Region names of other clouds, translated to the nearest Azure location.

``ReplicationConfig(destination_region=...)`` is written once for every cloud; a pipeline
written for AWS (``us-west-2``) or GCP (``europe-west4``) compiles on Azure to the Azure
location in the same metro or, where Azure has none, the nearest one, and the compile notes
say which. Azure location names (``westus2``) pass through unchanged.
"""

from __future__ import annotations

import re

from glacier.plugin import CompilerError

#: AWS region -> Azure location (same metro where one exists).
AWS_REGIONS = {
    "us-east-1": "eastus",
    "us-east-2": "eastus2",
    "us-west-1": "westus",
    "us-west-2": "westus2",
    "ca-central-1": "canadacentral",
    "sa-east-1": "brazilsouth",
    "eu-west-1": "northeurope",
    "eu-west-2": "uksouth",
    "eu-west-3": "francecentral",
    "eu-central-1": "germanywestcentral",
    "eu-central-2": "switzerlandnorth",
    "eu-north-1": "swedencentral",
    "eu-south-1": "italynorth",
    "ap-east-1": "eastasia",
    "ap-south-1": "centralindia",
    "ap-northeast-1": "japaneast",
    "ap-northeast-2": "koreacentral",
    "ap-northeast-3": "japanwest",
    "ap-southeast-1": "southeastasia",
    "ap-southeast-2": "australiaeast",
    "me-central-1": "uaenorth",
    "af-south-1": "southafricanorth",
}
#: GCP region -> Azure location (same metro where one exists).
GCP_REGIONS = {
    "us-central1": "centralus",
    "us-east1": "eastus",
    "us-east4": "eastus",
    "us-west1": "westus2",
    "us-west2": "westus",
    "northamerica-northeast1": "canadaeast",
    "northamerica-northeast2": "canadacentral",
    "southamerica-east1": "brazilsouth",
    "europe-west1": "westeurope",
    "europe-west2": "uksouth",
    "europe-west3": "germanywestcentral",
    "europe-west4": "westeurope",
    "europe-west6": "switzerlandnorth",
    "europe-west9": "francecentral",
    "europe-north1": "swedencentral",
    "asia-east1": "eastasia",
    "asia-east2": "eastasia",
    "asia-northeast1": "japaneast",
    "asia-northeast3": "koreacentral",
    "asia-south1": "westindia",
    "asia-southeast1": "southeastasia",
    "australia-southeast1": "australiaeast",
}
_AZURE = re.compile(r"[a-z0-9]+")


def azure_location(region: str, what: str) -> tuple[str, str | None]:
    """The Azure location for ``region`` and a note when it was translated. ``what`` names
    the setting in the error for an unknown name."""
    if _AZURE.fullmatch(region):
        return region, None
    for cloud, table in (("AWS", AWS_REGIONS), ("GCP", GCP_REGIONS)):
        if region in table:
            location = table[region]
            return location, f"{what}: {cloud} region {region!r} is Azure location {location!r}"
    raise CompilerError(
        f"{what}: {region!r} is not an Azure location, nor an AWS or GCP region Glacier can "
        "translate. Use an Azure location name such as 'westus2' or 'northeurope' "
        "(`az account list-locations -o table`)."
    )
