"""IAM policy documents as Pulumi expressions (``pulumi.Output.json_dumps`` of a dict).

Grants are exact: object actions on ``<bucket-arn>/<prefix>*``, ``s3:ListBucket`` on the
bucket ARN limited to the prefix by condition; never ``*`` or ``s3:*`` in an Allow. Every
user-supplied prefix goes through :func:`iam_escape`, so the only live wildcard of a grant is
the trailing ``*`` Glacier adds.
"""

from __future__ import annotations

import re
from typing import Any

from glacier.plugin import Call, CompilerError, Expr

READ_ACTIONS = ["s3:GetObject"]
WRITE_ACTIONS = ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"]
KMS_READ = ["kms:Decrypt"]
KMS_WRITE = ["kms:Decrypt", "kms:GenerateDataKey"]


#: Characters IAM reads as wildcards (``*``, ``?``) or as the start of a policy variable
#: (``$``, e.g. ``${aws:username}``).
_IAM_SPECIAL = re.compile(r"[$*?]")


def iam_escape(text: str) -> str:
    """``text`` as a literal inside an IAM ARN or a string condition: ``*`` -> ``${*}``,
    ``?`` -> ``${?}``, ``$`` -> ``${$}`` (IAM's special-character policy variables). Control
    characters cannot be expressed and are refused."""
    if any(not ch.isprintable() for ch in text):
        raise CompilerError(
            f"Path {text[:80]!r} contains a control character, which an IAM policy cannot "
            "express; rename the path."
        )
    return _IAM_SPECIAL.sub(lambda m: "${" + m.group() + "}", text)


def document(statements: list[dict[str, Any]]) -> Call:
    """``pulumi.Output.json_dumps({"Version": ..., "Statement": [...]})``."""
    return Call(
        "pulumi.Output.json_dumps", args=({"Version": "2012-10-17", "Statement": statements},)
    )


def objects_arn(bucket_var: str, prefix: str) -> Call:
    """``<bucket>.arn + "/<prefix>*"``: objects under a prefix (never the bare ``*``); the
    prefix is escaped, so only the trailing ``*`` matches anything."""
    return Call("pulumi.Output.concat", args=(Expr(f"{bucket_var}.arn"), f"/{iam_escape(prefix)}*"))


def assume_role(service: str) -> Call:
    """Trust policy letting one AWS service assume the role."""
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
        ]
    )


def bucket_grant(bucket_var: str, prefix: str, mode: str, sid: str) -> list[dict[str, Any]]:
    """Statements for ``mode`` ("read"/"write") access to ``prefix`` of one bucket."""
    actions = READ_ACTIONS if mode == "read" else WRITE_ACTIONS
    statements: list[dict[str, Any]] = [
        {
            "Sid": f"{sid}Objects",
            "Effect": "Allow",
            "Action": actions,
            "Resource": objects_arn(bucket_var, prefix),
        }
    ]
    if mode == "read":
        statements.append(
            {
                "Sid": f"{sid}List",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": Expr(f"{bucket_var}.arn"),
                "Condition": {"StringLike": {"s3:prefix": [f"{iam_escape(prefix)}*"]}},
            }
        )
    return statements


def kms_grant(key_arn: Any, mode: str, sid: str) -> dict[str, Any]:
    """Use of the bucket's KMS key for ``mode``."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": KMS_READ if mode == "read" else KMS_WRITE,
        "Resource": key_arn,
    }


def tls_only(bucket_var: str) -> Call:
    """Bucket policy denying every request not made over TLS (a Deny: wildcards here only
    widen what is refused)."""
    return document(
        [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [
                    Expr(f"{bucket_var}.arn"),
                    Call("pulumi.Output.concat", args=(Expr(f"{bucket_var}.arn"), "/*")),
                ],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    )
