"""Configs of the local serverless and executor backends."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, field_validator

from glacier.models import ExecutorConfig, ServerlessConfig


class LocalFunctionConfig(ServerlessConfig):
    """Local serverless settings: the handler runs in a fresh Python subprocess."""

    timeout_seconds: float = Field(default=300.0, gt=0, description="Kill the call after this.")
    environment: dict[str, str] = Field(
        default_factory=dict, description="Extra environment variables for the subprocess."
    )


class LocalExecutorConfig(ExecutorConfig):
    """Local executor: jobs run as worker processes on this machine (the default)."""

    engine: ClassVar[str] = "local"

    max_workers: int = Field(default=2, ge=1, description="Jobs running at once.")
    python: str | None = Field(
        default=None, description="Interpreter for the workers (default: this one)."
    )

    @field_validator("python")
    @classmethod
    def _python_exists(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).exists():
            raise ValueError(f"python interpreter {value!r} does not exist")
        return value
