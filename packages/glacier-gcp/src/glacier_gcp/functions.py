"""CloudFunctionAdapter: ``Serverless.invoke`` as an HTTP POST to the function's HTTPS trigger
with a Google-signed ID token (google-auth) for the function's URL. The URL: the deployment
record's (``url``) for this resource, else the config's, the environment's, or the default."""

from __future__ import annotations

import json
import os
import re
from typing import Any
from urllib.parse import urlparse

from glacier.plugin import (
    FunctionInvocationError,
    NotSupportedError,
    ServerlessAdapter,
    deployed_value,
    http_result,
)
from glacier_gcp.config import CloudFunctionConfig, GcpConfig

REQUEST_ID_HEADERS = ("function-execution-id", "x-cloud-trace-context")


def env_suffix(function_name: str) -> str:
    """``orders-api`` → ``ORDERS_API`` (for GLACIER_FUNCTION_URL_<NAME>)."""
    return re.sub(r"[^A-Za-z0-9]", "_", function_name).upper()


class CloudFunctionAdapter(ServerlessAdapter):
    """Calls ``POST <url>`` with ``Authorization: Bearer <ID token>``."""

    def __init__(self, resource: Any, provider: Any) -> None:
        super().__init__(resource, provider)
        self._credentials: Any | None = None

    @property
    def settings(self) -> CloudFunctionConfig:
        config = self.resource.config
        return config if isinstance(config, CloudFunctionConfig) else CloudFunctionConfig()

    @property
    def gcp(self) -> GcpConfig:
        config = self.provider.config
        assert isinstance(config, GcpConfig)
        return config

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
        return f"https://{self.gcp.region}-{self.gcp.project}.cloudfunctions.net/{name}"

    @property
    def audience(self) -> str:
        if self.settings.audience:
            return self.settings.audience
        parts = urlparse(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def id_token(self) -> str:
        """A cached, refreshed ID token: from ``GcpConfig.credentials_path`` (a service
        account key) when set, else Application Default Credentials."""
        import google.auth.transport.requests
        from google.oauth2 import id_token, service_account

        request = google.auth.transport.requests.Request()
        if self.gcp.credentials_path:
            if self._credentials is None:
                self._credentials = service_account.IDTokenCredentials.from_service_account_file(
                    self.gcp.credentials_path, target_audience=self.audience
                )
            if not self._credentials.valid:
                self._credentials.refresh(request)
            return str(self._credentials.token)
        return str(id_token.fetch_id_token(request, self.audience))

    def invoke(self, payload: dict[str, Any]) -> Any:
        import requests

        name = self.resource.function_name
        try:
            body = json.dumps(payload)
        except TypeError as exc:
            raise FunctionInvocationError(f"Payload for {name!r} is not JSON: {exc}") from exc
        try:
            token = self.id_token()
        except Exception as exc:
            raise FunctionInvocationError(
                f"Cloud Function {name!r}: could not get an ID token for {self.audience}: {exc}"
            ) from exc
        try:
            response = requests.post(
                self.url,
                data=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                timeout=self.settings.timeout_seconds + 30,
            )
        except requests.RequestException as exc:
            raise FunctionInvocationError(f"Cloud Function {name!r} unreachable: {exc}") from exc
        return http_result(f"Cloud Function {name!r}", response, REQUEST_ID_HEADERS)

    def deploy(self) -> None:
        """Cloud Functions are deployed by the compiled Pulumi program, not from here."""
        raise NotSupportedError(
            f"Cloud function {self.resource.function_name!r} is deployed by the compiled "
            "Pulumi program: `glacier compile FILE --out infra`, then `pulumi up` in infra/."
        )
