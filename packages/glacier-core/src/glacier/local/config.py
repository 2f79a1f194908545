"""The local provider config (the serverless and executor configs are in
:mod:`glacier.local.compute_config`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, field_validator

from glacier.models import ProviderConfig


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


def __getattr__(name: str) -> object:
    """``LocalFunctionConfig`` and ``LocalExecutorConfig`` live in
    :mod:`glacier.local.compute_config` (a local pipeline needs neither: not loading them
    keeps its start-up short); they stay importable from here."""
    if name in {"LocalFunctionConfig", "LocalExecutorConfig"}:
        from glacier.local import compute_config

        return getattr(compute_config, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
