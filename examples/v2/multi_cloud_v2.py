"""One pipeline, four clouds: the V2 way (a provider class per cloud).

Pick the cloud with ``GLACIER_CLOUD`` (local, aws, azure, gcp).
"""

import os

import glacier.providers as gp
from glacier import pipeline, task


def make_provider(cloud: str):
    """Return the V2 provider for ``cloud``."""
    if cloud == "aws":
        provider = gp.AWSProvider("us-east-1", tags={"env": "prod"})
    elif cloud == "azure":
        provider = gp.AzureProvider(
            resource_group="data-rg",
            region="westeurope",  # V2 called it region
            account_name="datalake",
        )
    elif cloud == "gcp":
        provider = gp.GCPProvider(project_id="my-project", location="europe-west1")
    else:
        provider = gp.LocalProvider(root="./data")
    return provider


provider = make_provider(os.environ.get("GLACIER_CLOUD", "local"))
events = provider.bucket_source("events", path="raw/events.parquet")


@task
def count_events(source):
    """Count rows per event type."""
    return source.scan().group_by("type").len()


@pipeline(name="multi_cloud_v2")
def events_pipeline():
    """Just counts events."""
    return count_events(events)
