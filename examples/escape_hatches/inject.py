"""Escape hatch 3: export, then inject custom Pulumi code into marked regions.

    python examples/escape_hatches/inject.py infra/aws

Injected regions survive ``glacier compile`` / ``export_pulumi`` re-runs.
"""

from __future__ import annotations

import sys

from glacier import PulumiCompiler
from glacier.escape_hatch import PulumiProgramInjector

CUSTOM_VPC = """
import pulumi_aws as aws

custom_vpc = aws.ec2.Vpc(
    "custom-vpc",
    cidr_block="10.0.0.0/16",
    enable_dns_hostnames=True,
    opts=pulumi.ResourceOptions(provider=aws_us_east_1),
)
pulumi.export("custom_vpc_id", custom_vpc.id)
"""


def main(out: str) -> None:
    from aws_pipeline import compliance_pipeline

    compliance_pipeline.compile(PulumiCompiler()).export_pulumi(out)
    PulumiProgramInjector(out).add_custom_code(CUSTOM_VPC).save()
    print(f"wrote {out}/__main__.py with one custom-code region")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "infra/aws")
