"""Pulumi emitter of the AWS plugin (registered as ``glacier_aws.pulumi:AwsEmitter``).

Generates pulumi-aws 7 code as text; never imports Pulumi.
"""

from glacier_aws.pulumi.emitter import AwsEmitter

__all__ = ["AwsEmitter"]
