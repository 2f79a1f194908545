"""AWS: the exported program runs under Pulumi mocks with the real pulumi-aws SDK."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.compiler.conftest import EXAMPLES, ROOT
from tests.compiler.examples_registry import EXAMPLES as PROGRAMS

S3 = "aws:s3/"


def test_compiling_never_imports_pulumi() -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(EXAMPLES)!r})\n"
        "from aws_pipeline import compliance_pipeline\n"
        "from glacier import PulumiCompiler\n"
        "infra = compliance_pipeline.compile(PulumiCompiler())\n"
        "assert infra.resources\n"
        "assert not [m for m in sys.modules if m.startswith('pulumi')], 'pulumi imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_aws_program_graph(export_and_run) -> None:
    _, graph = export_and_run(PROGRAMS["aws_compliance"]())
    providers = {r.name: r.inputs["region"] for r in graph.of_type("pulumi:providers:aws")}
    assert providers == {"aws-us-east-1": "us-east-1", "aws-us-west-2": "us-west-2"}
    assert json.loads(
        graph.one("pulumi:providers:aws", "aws-us-east-1").inputs["allowedAccountIds"]
    ) == ["123456789012"]

    data = graph.one(S3 + "bucket:Bucket", "glacier-data")
    assert data.inputs["bucket"] == "glacier-data" and data.provider_name == "aws-us-east-1"
    assert data.inputs["tags"] == {"team": "data-platform", "env": "prod"}
    # one cloud bucket for the two Glacier buckets sharing bucket_name
    assert len([r for r in graph.of_type(S3 + "bucket:Bucket") if r.name == "glacier-data"]) == 1

    compliance = graph.one(S3 + "bucket:Bucket", "glacier-compliance-data")
    assert compliance.inputs["objectLockEnabled"] is True
    lock = graph.one(S3 + "bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock.inputs["rule"]["defaultRetention"] == {"mode": "GOVERNANCE", "days": 365}
    versioning = graph.one(
        S3 + "bucketVersioning:BucketVersioning", "glacier-compliance-data-versioning"
    )
    assert graph.depends_on(lock, versioning) and graph.depends_on(lock, compliance)

    lifecycle = graph.one(S3 + "bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    (rule,) = lifecycle.inputs["rules"]
    assert [(t["days"], t["storageClass"]) for t in rule["transitions"]] == [
        (30, "STANDARD_IA"),
        (90, "GLACIER"),
        (365, "DEEP_ARCHIVE"),
    ]

    key = graph.one("aws:kms/key:Key", "glacier-compliance-data-key")
    assert key.inputs["enableKeyRotation"] is True
    sse = graph.one(
        S3 + "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "glacier-compliance-data-encryption",
    )
    default = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": "arn:aws:kms:::glacier-compliance-data-key",
    }

    # replication: destination bucket in its own region, versioning on both, KMS replicas
    dr = graph.one(S3 + "bucket:Bucket", "glacier-compliance-dr")
    assert dr.provider_name == "aws-us-west-2"
    replica_versioning = graph.one(
        S3 + "bucketVersioning:BucketVersioning", "glacier-compliance-dr-versioning"
    )
    assert replica_versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    replication = graph.one(S3 + "bucketReplicationConfig:BucketReplicationConfig")
    assert graph.depends_on(replication, versioning)
    assert graph.depends_on(replication, replica_versioning)
    (rep_rule,) = replication.inputs["rules"]
    assert rep_rule["destination"]["bucket"] == "arn:aws:s3:::glacier-compliance-dr"
    assert rep_rule["destination"]["storageClass"] == "STANDARD_IA"
    assert rep_rule["sourceSelectionCriteria"]["sseKmsEncryptedObjects"]["status"] == "Enabled"
    role = graph.one("aws:iam/role:Role", "glacier-compliance-data-replication")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}
    assert replication.inputs["role"] == "arn:aws:iam:::glacier-compliance-data-replication"


def test_aws_least_privilege_role(export_and_run) -> None:
    _, graph = export_and_run(PROGRAMS["aws_compliance"]())
    role = graph.one("aws:iam/role:Role", "etl-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "glue.amazonaws.com"}
    policy = json.loads(graph.one("aws:iam/rolePolicy:RolePolicy", "etl-access").inputs["policy"])
    grants = {(tuple(s["Action"]), json.dumps(s["Resource"])) for s in policy["Statement"]}
    assert (("s3:GetObject",), '"arn:aws:s3:::glacier-data/raw/events/*"') in grants
    assert (
        ("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"),
        '"arn:aws:s3:::glacier-data/curated/daily.parquet*"',
    ) in grants
    assert (
        ("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"),
        '"arn:aws:s3:::glacier-compliance-data/records/*"',
    ) in grants
    listing = [s for s in policy["Statement"] if s["Action"] == ["s3:ListBucket"]]
    assert listing[0]["Condition"] == {"StringLike": {"s3:prefix": ["raw/events/*"]}}
    # read and write are separate: no read on the written prefixes
    reads = [s for s in policy["Statement"] if "s3:GetObject" in s["Action"]]
    assert [s["Resource"] for s in reads] == ["arn:aws:s3:::glacier-data/raw/events/*"]
    kms = [s for s in policy["Statement"] if s["Action"][0].startswith("kms:")]
    assert kms and kms[0]["Resource"] == "arn:aws:kms:::glacier-compliance-data-key"
