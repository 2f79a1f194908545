"""All config classes, whichever distribution provides them.

``LocalConfig`` ships with core. Cloud configs come from plugins and appear here once their
distribution is installed::

    from glacier.config import AwsConfig, S3Config   # needs glacier-aws

Names resolve lazily through the plugin host (module ``__getattr__``): importing this module
loads no plugin, and ``glacier.config.AwsConfig`` imports only the module that defines
``AwsConfig`` (installed plugins are consulted only for names the built-ins lack).
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
    from glacier.local.compute_config import LocalExecutorConfig
    from glacier.local.config import LocalConfig

_BASES = ["BucketConfig", "ExecutorConfig", "GlacierModel", "ProviderConfig", "ServerlessConfig"]


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    from glacier.plugins.host import get_host

    host = get_host()
    cls = host.config_class(name)
    if cls is not None:
        return cls
    raise _unknown_config(name)


def _unknown_config(name: str) -> ImportError:
    """The error for a name no installed plugin exports: the distribution to install for an
    official plugin's name, else the closest names."""
    from glacier.errors import MissingPluginError, UnknownNameError
    from glacier.plugins.host import get_host
    from glacier.plugins.known import KNOWN_CONFIGS, install_hint

    if name in KNOWN_CONFIGS:
        dist = KNOWN_CONFIGS[name]
        return MissingPluginError(f"{name} needs {dist}: {install_hint(dist)}")
    registry = get_host().registry()
    close = registry.close_config_names(name, extra=KNOWN_CONFIGS)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    available = ", ".join(sorted(registry.configs)) or "none"
    return UnknownNameError(
        f"glacier.config has no config named {name!r}.{hint} Installed configs: {available}."
    )


def __dir__() -> list[str]:
    from glacier.plugins.host import get_host

    return sorted({*globals(), *get_host().registry().configs})


__all__ = [
    "BucketConfig",
    "ExecutorConfig",
    "GlacierModel",
    "LocalConfig",
    "LocalExecutorConfig",
    "ProviderConfig",
    "ServerlessConfig",
]
