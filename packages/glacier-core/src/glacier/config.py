"""All config classes, whichever distribution provides them.

``LocalConfig`` ships with core. Cloud configs come from plugins and appear here once their
distribution is installed::

    from glacier.config import AwsConfig, S3Config   # needs glacier-aws

Names resolve lazily through the plugin registry (module ``__getattr__``), so importing this
module loads no plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glacier.models import (
    BucketConfig,
    ExecutorConfig,
    GlacierModel,
    ProviderConfig,
    ServerlessConfig,
)

if TYPE_CHECKING:
    from glacier.local.config import LocalConfig, LocalExecutorConfig

_BASES = ["BucketConfig", "ExecutorConfig", "GlacierModel", "ProviderConfig", "ServerlessConfig"]


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    from glacier.errors import MissingPluginError, UnknownNameError
    from glacier.plugins.known import KNOWN_CONFIGS, install_hint
    from glacier.plugins.registry import get_registry

    registry = get_registry()
    cls = registry.config(name)
    if cls is not None:
        return cls
    if name in KNOWN_CONFIGS:
        dist = KNOWN_CONFIGS[name]
        raise MissingPluginError(f"{name} needs {dist}: {install_hint(dist)}")
    close = registry.close_config_names(name, extra=KNOWN_CONFIGS)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    available = ", ".join(sorted(registry.configs)) or "none"
    raise UnknownNameError(
        f"glacier.config has no config named {name!r}.{hint} Installed configs: {available}."
    )


def __dir__() -> list[str]:
    from glacier.plugins.registry import get_registry

    return sorted({*globals(), *get_registry().configs})


__all__ = [
    "BucketConfig",
    "ExecutorConfig",
    "GlacierModel",
    "LocalConfig",
    "LocalExecutorConfig",
    "ProviderConfig",
    "ServerlessConfig",
]
