"""Every example program the security and golden tests cover, by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _aws() -> Any:
    from aws_pipeline import compliance_pipeline

    from glacier import PulumiCompiler

    return compliance_pipeline.compile(PulumiCompiler())


def _aws_hook() -> Any:
    from aws_pipeline import compile_with_hook

    return compile_with_hook()


def _azure() -> Any:
    from neutral_pipeline import azure_pipeline

    from glacier import PulumiCompiler

    return azure_pipeline.compile(PulumiCompiler())


def _gcp() -> Any:
    from neutral_pipeline import gcp_pipeline

    from glacier import PulumiCompiler

    return gcp_pipeline.compile(PulumiCompiler())


EXAMPLES: dict[str, Callable[[], Any]] = {
    "aws_compliance": _aws,
    "aws_compliance_hook": _aws_hook,
    "azure_compliance": _azure,
    "gcp_compliance": _gcp,
}
