"""Encryption of what a Glue job writes besides its data: a ``glue.SecurityConfiguration``
for every job Glacier creates.

* S3 encryption ``SSE-S3`` (objects Glue itself writes: temporary and shuffle files);
* CloudWatch Logs encryption ``SSE-KMS`` and job-bookmark encryption ``CSE-KMS`` with a
  customer-managed key of the job (rotated yearly). Its key policy keeps the account in
  control (IAM decides who else may use it) and lets CloudWatch Logs use it for the job's
  log group only; the job's role may use it and associate it with that log group.
"""

from __future__ import annotations

from typing import Any

from glacier.plugin import Call, Expr, IRCompute, ProgramWriter
from glacier_aws.config import AwsConfig
from glacier_aws.pulumi import policy

GLUE = "aws.glue.SecurityConfiguration"


def partition(region: str) -> str:
    """The AWS partition of a region (``aws``, ``aws-cn``, ``aws-us-gov``)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _config(compute: IRCompute) -> AwsConfig:
    config = compute.provider.config
    assert isinstance(config, AwsConfig)
    return config


def account_id(compute: IRCompute, out: ProgramWriter) -> Any:
    """The account id: ``AwsConfig.account_id``, else ``get_caller_identity`` (once per
    provider)."""
    config = _config(compute)
    if config.account_id:
        return config.account_id
    key = compute.provider.key

    def caller() -> str:
        return out.value(
            f"{key}_caller",
            Call(
                "aws.get_caller_identity_output",
                {
                    "opts": Call(
                        "pulumi.InvokeOutputOptions",
                        {"provider": Expr(out.handles.provider(key).var)},
                    )
                },
            ),
            comment=f"Account of {key} (for key policies)",
        )

    return Expr(f"{out.handles.once(('aws-caller', key), caller)}.account_id")


def _arn(*parts: Any) -> Any:
    """A string when every part is one, else ``pulumi.Output.concat``."""
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    return Call("pulumi.Output.concat", args=parts)


def emit_glue_encryption(
    executor: IRCompute, role: str, log_group_name: str, out: ProgramWriter
) -> tuple[str, str, str]:
    """The job's KMS key, its security configuration and the role's use of the key.
    Returns ``(key var, security configuration var, grant var)``."""
    config = _config(executor)
    region, part = config.region, partition(config.region)
    account = account_id(executor, out)
    group_arn = _arn(
        f"arn:{part}:logs:{region}:", account, f":log-group:{policy.iam_escape(log_group_name)}"
    )
    key_policy = policy.document(
        [
            {
                "Sid": "AccountControlsTheKey",
                "Effect": "Allow",
                "Principal": {"AWS": _arn(f"arn:{part}:iam::", account, ":root")},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchLogsForTheJobLogGroup",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": [
                    "kms:Decrypt*",
                    "kms:Describe*",
                    "kms:Encrypt*",
                    "kms:GenerateDataKey*",
                    "kms:ReEncrypt*",
                ],
                "Resource": "*",
                "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": group_arn}},
            },
        ]
    )
    key = out.resource(
        "aws.kms.Key",
        f"{executor.name}-glue-key",
        {
            "description": f"Glue job logs and bookmarks of Glacier executor {executor.name}",
            "enable_key_rotation": True,
            "deletion_window_in_days": 30,
            "policy": key_policy,
            "tags": executor.tags or None,
        },
        comment=f"Key of {executor.name!r}: CloudWatch logs and job bookmarks (rotated yearly)",
        provider=executor.provider,
        var_hint=f"{executor.name}_glue_key",
    )
    security = out.resource(
        GLUE,
        f"{executor.name}-security",
        {
            "name": f"glacier-{executor.name}",
            "encryption_configuration": Call(
                GLUE + "EncryptionConfigurationArgs",
                {
                    "s3_encryption": Call(
                        GLUE + "EncryptionConfigurationS3EncryptionArgs",
                        {"s3_encryption_mode": "SSE-S3"},
                    ),
                    "cloudwatch_encryption": Call(
                        GLUE + "EncryptionConfigurationCloudwatchEncryptionArgs",
                        {
                            "cloudwatch_encryption_mode": "SSE-KMS",
                            "kms_key_arn": Expr(f"{key}.arn"),
                        },
                    ),
                    "job_bookmarks_encryption": Call(
                        GLUE + "EncryptionConfigurationJobBookmarksEncryptionArgs",
                        {
                            "job_bookmarks_encryption_mode": "CSE-KMS",
                            "kms_key_arn": Expr(f"{key}.arn"),
                        },
                    ),
                },
            ),
        },
        comment="Glue security configuration: S3 SSE-S3, CloudWatch logs SSE-KMS, "
        "bookmarks CSE-KMS",
        provider=executor.provider,
        var_hint=f"{executor.name}_security",
    )
    grant = out.resource(
        "aws.iam.RolePolicy",
        f"{executor.name}-glue-encryption",
        {
            "role": Expr(f"{role}.id"),
            "policy": policy.document(
                [
                    {
                        "Sid": "UseJobKey",
                        "Effect": "Allow",
                        "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                        "Resource": Expr(f"{key}.arn"),
                    },
                    {
                        "Sid": "EncryptJobLogGroup",
                        "Effect": "Allow",
                        "Action": ["logs:AssociateKmsKey"],
                        "Resource": group_arn,
                    },
                ]
            ),
        },
        comment=f"{executor.name!r} may use its key and attach it to its own log group only",
        provider=executor.provider,
        var_hint=f"{executor.name}_glue_encryption",
    )
    return key, security, grant
