"""Base class of resources: they receive their provider (dependency injection)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from glacier.errors import ResourceError

if TYPE_CHECKING:
    from glacier.provider import Provider


class Resource(ABC):
    """A cloud-agnostic resource. Cloud behaviour lives in its adapter and config only."""

    #: Resource kind ("bucket", "serverless", "executor"); also the Provider factory name.
    kind: ClassVar[str] = "resource"

    def __init__(
        self, provider: Provider | None, config: Any | None = None, name: str | None = None
    ) -> None:
        if provider is None:
            factory = self.kind
            raise ResourceError(
                f"{type(self).__name__} must be created via Provider.{factory}(). "
                "Do not instantiate directly."
            )
        self.provider = provider
        self.config = config
        self.name = name or self._generate_name()
        self._adapter: Any | None = None

    def _get_adapter(self) -> Any:
        """The cloud-specific adapter, created on first use and cached."""
        if self._adapter is None:
            self._adapter = self.provider.get_adapter(self)
        return self._adapter

    @abstractmethod
    def _generate_name(self) -> str:
        """Default resource name when none is given."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, provider={self.provider!r})"
