"""AWS-flavoured ingestion job written against the Glacier V2 API.

Shows the V2 spellings `glacier migrate` understands: boto-style keyword names
(``region_name``, ``aws_access_key_id``), an aliased import, a provider kept on ``self``
and a V2 bucket call with ``bucket=...``.
"""

import os

import polars as pl

from glacier import task
from glacier.providers import AWSProvider as AWS


class Ingest:
    """Copies the day's events from the landing bucket to the lake."""

    def __init__(self, day: str) -> None:
        self.day = day
        self.provider = AWS(
            region_name=os.environ.get("AWS_REGION", "eu-west-1"),
            profile_name="ingest",  # the CI profile
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
            tags={"team": "data-platform"},
        )

    def landing(self):
        """The raw events of the day."""
        return self.provider.bucket_source(bucket="landing", path=f"events/{self.day}.parquet")

    def lake(self):
        """Where the cleaned events go."""
        return self.provider.bucket_sink(bucket="lake", path=f"events/day={self.day}/data.parquet")


@task
def dedupe(source) -> pl.LazyFrame:
    """Drop duplicate events."""
    return source.scan().unique(subset=["event_id"])


if __name__ == "__main__":
    job = Ingest("2024-01-01")
    print(job.landing(), job.lake())
