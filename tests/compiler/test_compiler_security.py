"""Security check across every example: no public bucket, no unencrypted bucket, no
wildcard grant (wildcards appear only in Deny statements such as the TLS-only policy)."""

from __future__ import annotations

import json

import pytest

from tests.compiler.examples_registry import EXAMPLES as PROGRAMS
from tests.compiler.policy_checks import assert_key_policy


def _wildcard(value: object) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(isinstance(v, str) and (v == "*" or v.endswith(":*")) for v in items)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_example_is_secure(name: str, export_and_run) -> None:
    _, graph = export_and_run(PROGRAMS[name](), name)
    s3 = [r for r in graph.of_type("aws:s3/bucket:Bucket")]
    for bucket in s3:
        ref = f"{bucket.name}-"
        pab = graph.one(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", ref + "public-access-block"
        )
        assert all(
            pab.inputs[k]
            for k in (
                "blockPublicAcls",
                "blockPublicPolicy",
                "ignorePublicAcls",
                "restrictPublicBuckets",
            )
        )
        graph.one(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            ref + "encryption",
        )
        tls = json.loads(
            graph.one("aws:s3/bucketPolicy:BucketPolicy", ref + "tls-only").inputs["policy"]
        )
        assert tls["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    for res in graph.resources:
        for key in ("policy", "assumeRolePolicy"):
            if res.type == "aws:kms/key:Key" and key in res.inputs:
                assert_key_policy(res.inputs[key])  # "*" there means "this key"
            elif res.type.startswith("aws:") and key in res.inputs:
                for st in json.loads(res.inputs[key])["Statement"]:
                    if st["Effect"] == "Allow":
                        assert not _wildcard(st["Action"]), (res.name, st)
                        assert not _wildcard(st.get("Resource", "x")), (res.name, st)
    for account in graph.of_type("azure-native:storage:StorageAccount"):
        assert account.inputs["allowBlobPublicAccess"] is False
        assert account.inputs["enableHttpsTrafficOnly"] is True
        assert account.inputs["minimumTlsVersion"] == "TLS1_2"
        assert account.inputs["encryption"]["services"]["blob"]["enabled"] is True
    for container in graph.of_type("azure-native:storage:BlobContainer"):
        assert container.inputs["publicAccess"] == "None"
    for role in graph.of_type("azure-native:authorization:RoleDefinition"):
        for perm in role.inputs["permissions"]:
            assert not any("*" in a for a in perm.get("dataActions", []) + perm.get("actions", []))
    for bucket in graph.of_type("gcp:storage/bucket:Bucket"):
        assert bucket.inputs["publicAccessPrevention"] == "enforced"
        assert bucket.inputs["uniformBucketLevelAccess"] is True
    for member in graph.of_type("gcp:storage/bucketIAMMember:BucketIAMMember"):
        assert member.inputs["member"] not in ("allUsers", "allAuthenticatedUsers")
        assert member.inputs["role"] not in ("roles/storage.admin", "roles/owner", "roles/editor")
