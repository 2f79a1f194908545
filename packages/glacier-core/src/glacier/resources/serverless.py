"""Serverless: a function run on demand (Lambda, Azure Functions, Cloud Functions, local)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from glacier.errors import ResourceError
from glacier.resources.base import Resource

if TYPE_CHECKING:
    from glacier.adapters.base import ServerlessAdapter
    from glacier.models import ServerlessConfig
    from glacier.provider import Provider


def handler_ref(handler: Callable[..., Any] | str) -> str:
    """``"module:function"`` for a handler given as a callable or a string."""
    if isinstance(handler, str):
        module, sep, func = handler.partition(":")
        if not sep or not module or not func:
            raise ResourceError(
                f"Serverless handler {handler!r} must be 'module:function' "
                "(e.g. 'handlers.orders:handle') or a module-level function."
            )
        return handler
    qualname: str = str(getattr(handler, "__qualname__", ""))
    module_name = getattr(handler, "__module__", None)
    if not callable(handler) or not module_name or "<" in qualname:
        raise ResourceError(
            f"Serverless handler {handler!r} must be a module-level function (not a lambda or "
            "closure) so it can be imported by path, or a 'module:function' string."
        )
    return f"{module_name}:{qualname}"


class Serverless(Resource):
    """Generic function: invoked with a JSON payload, returns JSON.

    Create with :meth:`glacier.Provider.serverless`.
    """

    kind = "serverless"

    def __init__(
        self,
        function_name: str,
        handler: Callable[..., Any] | str,
        runtime: str = "python3.11",
        provider: Provider | None = None,
        config: ServerlessConfig | None = None,
        name: str | None = None,
    ) -> None:
        self.function_name = function_name
        self.handler = handler
        self.runtime = runtime
        super().__init__(provider, config, name)
        self.handler_ref = handler_ref(handler)

    def _get_adapter(self) -> ServerlessAdapter:
        return super()._get_adapter()

    def invoke(self, payload: dict[str, Any] | None = None) -> Any:
        """Invoke with a JSON-serialisable payload; returns the function's JSON result.

        A function error raises :class:`glacier.errors.FunctionInvocationError` carrying the
        remote message and request id.
        """
        return self._get_adapter().invoke(payload or {})

    def deploy(self) -> None:
        """Deploy the function (local: checks the handler imports)."""
        self._get_adapter().deploy()

    def _generate_name(self) -> str:
        return self.function_name
