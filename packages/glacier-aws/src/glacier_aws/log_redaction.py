"""Mask AWS credentials in the log records of the AWS client libraries.

At DEBUG level botocore logs the signed request headers (``X-Amz-Security-Token``,
``Authorization ... Signature=``), the canonical request and string to sign, and response
bodies (an STS ``AssumeRole`` response holds ``SecretAccessKey`` and ``SessionToken``);
aiobotocore and s3fs log the same through their own loggers. :func:`install` (called
wherever Glacier configures an AWS client: :func:`glacier_aws.credentials.aws_client`, the
S3 adapter's s3fs options, role assumption) wraps the log record factory so that every record
of those libraries is masked when it is created, whatever handlers the application
configures. Masked: the values of session tokens, secret keys and signatures (by pattern),
and every secret value Glacier handed to a client (by value). Access key ids are not secret
and stay visible, so a log still tells which key was used.

:class:`RedactingFilter` applies the same masking as a ``logging.Filter`` for handlers of
other loggers.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

MASK = "***"
#: Top-level logger names of the libraries that talk to AWS for Glacier.
LOGGERS = frozenset({"botocore", "boto3", "s3transfer", "aiobotocore", "s3fs", "fsspec", "urllib3"})
#: Secret values shorter than this are not masked by value (they would mask ordinary text).
_MIN_SECRET = 8

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # headers / query parameters, in dict, header-line and URL forms:
    #   'X-Amz-Security-Token': b'IQo...'   x-amz-security-token:IQo...   X-Amz-Security-Token=IQo..
    (
        re.compile(
            r"""(?i)(x-amz-security-token|x-amz-signature|x-amz-credential-token)"""
            r"""(['"]?\s*[:=]\s*b?['"]?)([^'"\s,;&}<>]+)"""
        ),
        rf"\1\2{MASK}",
    ),
    # Authorization: AWS4-HMAC-SHA256 Credential=AKIA.../..., SignedHeaders=..., Signature=abc
    (re.compile(r"(?i)(Signature=)([0-9a-f]+)"), rf"\1{MASK}"),
    # botocore.auth: "Signature:\n<hex>"
    (re.compile(r"(?i)(Signature:\s*)([0-9a-f]{32,})"), rf"\1{MASK}"),
    # XML response bodies (STS AssumeRole, GetSessionToken, ...)
    (
        re.compile(r"(?is)(<(SecretAccessKey|SessionToken|SecurityToken)>)(.*?)(</\2>)"),
        rf"\1{MASK}\4",
    ),
    # JSON / Python reprs of credentials: "SecretAccessKey": "...", 'aws_session_token': '...'
    (
        re.compile(
            r"""(?i)((?<![A-Za-z0-9_])['"]?(?:aws_)?(?:secret_access_key|secretaccesskey|"""
            r"""secret_key|session_token|sessiontoken|security_token|token|secret)['"]?"""
            r"""\s*[:=]\s*b?)(['"])(.*?)(\2)"""
        ),
        rf"\1\2{MASK}\4",
    ),
]

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def remember(values: Iterable[str | None]) -> None:
    """Mask these secret values (keys, tokens) wherever they appear in a record."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= _MIN_SECRET)


def redact(text: str) -> str:
    """``text`` with every known secret value and every credential-shaped value masked."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_record(record: logging.LogRecord) -> None:
    """Replace the record's message by its masked text (arguments merged in)."""
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: logging reports it when it is emitted
        return
    masked = redact(message)
    if masked != message:
        record.msg, record.args = masked, None


class RedactingFilter(logging.Filter):
    """A ``logging.Filter`` that masks AWS credentials in every record it sees (attach it to
    a handler to cover loggers beyond :data:`LOGGERS`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def _is_aws_library(name: str) -> bool:
    return name.partition(".")[0] in LOGGERS


def install() -> None:
    """Mask credentials in every record of :data:`LOGGERS` (idempotent). Also remembers the
    standard AWS secret environment variables, which botocore may use on its own."""
    global _installed
    remember([os.environ.get("AWS_SECRET_ACCESS_KEY"), os.environ.get("AWS_SESSION_TOKEN")])
    with _lock:
        if _installed:
            return
        previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if _is_aws_library(record.name):
                redact_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
