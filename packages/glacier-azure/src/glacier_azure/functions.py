"""AzureFunctionAdapter: ``Serverless.invoke`` as an HTTP POST to the function's HTTP trigger,
authenticated with a function key (``x-functions-key``). The URL: the deployment record's
(``url``) for this resource, else the config's, the environment's, or the default."""

from __future__ import annotations

import json
import os
import re
from typing import Any

from glacier.plugin import (
    ConfigError,
    FunctionInvocationError,
    NotSupportedError,
    ServerlessAdapter,
    deployed_value,
    http_result,
)
from glacier_azure.config import AzureFunctionConfig

REQUEST_ID_HEADERS = ("x-ms-invocation-id", "x-ms-request-id", "x-request-id")


def env_suffix(function_name: str) -> str:
    """``orders-api`` → ``ORDERS_API`` (for GLACIER_FUNCTION_URL_<NAME> and friends)."""
    return re.sub(r"[^A-Za-z0-9]", "_", function_name).upper()


class AzureFunctionAdapter(ServerlessAdapter):
    """Calls ``POST <url>`` with the JSON payload; the response body is the JSON result."""

    @property
    def settings(self) -> AzureFunctionConfig:
        config = self.resource.config
        return config if isinstance(config, AzureFunctionConfig) else AzureFunctionConfig()

    @property
    def url(self) -> str:
        name = self.resource.function_name
        explicit = (
            deployed_value(self.resource, "url")
            or self.settings.url
            or os.environ.get(f"GLACIER_FUNCTION_URL_{env_suffix(name)}")
        )
        if explicit:
            return explicit
        app = self.settings.app_name or name
        return f"https://{app}.azurewebsites.net/api/{name}"

    @property
    def function_key(self) -> str | None:
        if self.settings.function_key is not None:
            return self.settings.function_key.get_secret_value()
        name = env_suffix(self.resource.function_name)
        return os.environ.get(f"GLACIER_FUNCTION_KEY_{name}") or os.environ.get(
            "AZURE_FUNCTIONS_KEY"
        )

    def invoke(self, payload: dict[str, Any]) -> Any:
        import requests

        name = self.resource.function_name
        key = self.function_key
        if key is None:
            raise ConfigError(
                f"Azure Function {name!r}: no function key (x-functions-key). Set "
                f"AzureFunctionConfig(function_key=...), GLACIER_FUNCTION_KEY_{env_suffix(name)} "
                "or AZURE_FUNCTIONS_KEY."
            )
        try:
            response = requests.post(
                self.url,
                data=json.dumps(payload),
                headers={"x-functions-key": key, "Content-Type": "application/json"},
                timeout=self.settings.timeout_seconds + 30,
            )
        except TypeError as exc:
            raise FunctionInvocationError(f"Payload for {name!r} is not JSON: {exc}") from exc
        except requests.RequestException as exc:
            raise FunctionInvocationError(f"Azure Function {name!r} unreachable: {exc}") from exc
        return http_result(f"Azure Function {name!r}", response, REQUEST_ID_HEADERS)

    def deploy(self) -> None:
        """Azure Functions are deployed by the compiled Pulumi program, not from here."""
        raise NotSupportedError(
            f"Azure function {self.resource.function_name!r} is deployed by the compiled "
            "Pulumi program: `glacier compile FILE --out infra`, then `pulumi up` in infra/."
        )
