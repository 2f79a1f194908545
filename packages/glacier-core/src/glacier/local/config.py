"""Configs of the local backend."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, field_validator

from glacier.models import ExecutorConfig, ProviderConfig, ServerlessConfig


class LocalConfig(ProviderConfig):
    """Run on this machine: a bucket is the folder ``base_path/bucket_name``.

    ``from_env()`` reads ``GLACIER_LOCAL_BASE_PATH`` (default ``./data``). A leading ``~``
    is expanded (``~/lake`` is the user's home folder, not a folder named ``~``).
    """

    cloud: ClassVar[str] = "local"

    base_path: Path = Field(
        default=Path("data"),
        description="Folder that holds one sub-folder per bucket (relative paths are "
        "resolved against the working directory when used; '~' is expanded).",
    )

    @field_validator("base_path")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        if "\0" in str(value):
            raise ValueError("base_path holds a NUL character; remove it")
        return value.expanduser()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        return cls(base_path=Path(env.get("GLACIER_LOCAL_BASE_PATH", "data")))


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
