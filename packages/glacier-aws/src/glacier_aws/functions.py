"""LambdaAdapter: ``Serverless.invoke`` through boto3 ``lambda.invoke`` (RequestResponse).

The function invoked: the deployment record's function (``name``) for this resource, else
``Serverless.function_name``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from glacier.plugin import (
    FunctionInvocationError,
    NotSupportedError,
    ServerlessAdapter,
    deployed_value,
)
from glacier_aws.config import AwsConfig, LambdaConfig
from glacier_aws.credentials import aws_client

if TYPE_CHECKING:
    pass


def request_id_of(response: dict[str, Any]) -> str | None:
    """The ``x-amzn-RequestId`` of a boto3 response (or error response)."""
    meta = response.get("ResponseMetadata", {})
    headers = meta.get("HTTPHeaders", {})
    return meta.get("RequestId") or headers.get("x-amzn-requestid")


class LambdaAdapter(ServerlessAdapter):
    """Invokes the deployed Lambda function (record), else ``Serverless.function_name``."""

    @property
    def function_name(self) -> str:
        return deployed_value(self.resource, "name") or self.resource.function_name

    def __init__(self, resource: Any, provider: Any) -> None:
        super().__init__(resource, provider)
        self._client: Any | None = None

    @property
    def settings(self) -> LambdaConfig:
        config = self.resource.config
        return config if isinstance(config, LambdaConfig) else LambdaConfig()

    @property
    def client(self) -> Any:
        if self._client is None:
            config = self.provider.config
            assert isinstance(config, AwsConfig)
            self._client = aws_client(config, "lambda", self.settings.endpoint_url)
        return self._client

    def invoke(self, payload: dict[str, Any]) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        name = self.function_name
        try:
            body = json.dumps(payload).encode()
        except TypeError as exc:
            raise FunctionInvocationError(
                f"Payload for {name!r} is not JSON-serialisable: {exc}"
            ) from exc
        kwargs: dict[str, Any] = {"FunctionName": name, "Payload": body}
        if self.settings.qualifier:
            kwargs["Qualifier"] = self.settings.qualifier
        try:
            response = self.client.invoke(InvocationType="RequestResponse", **kwargs)
        except ClientError as exc:
            rid = request_id_of(exc.response)
            raise FunctionInvocationError(
                f"Lambda {name!r} could not be invoked (request {rid}): {exc}",
                request_id=rid,
                remote_type=exc.response.get("Error", {}).get("Code"),
            ) from exc
        except BotoCoreError as exc:
            raise FunctionInvocationError(f"Lambda {name!r} could not be invoked: {exc}") from exc
        rid = request_id_of(response)
        raw = response["Payload"].read()
        if response.get("FunctionError"):
            raise _function_error(name, raw, rid, response["FunctionError"])
        return json.loads(raw) if raw else None

    def deploy(self) -> None:
        """Lambda functions are deployed by the compiled Pulumi program, not from here."""
        raise NotSupportedError(
            f"Lambda function {self.resource.function_name!r} is deployed by the compiled "
            "Pulumi program: `glacier compile FILE --out infra`, then `pulumi up` in infra/."
        )


def _function_error(name: str, raw: bytes, rid: str | None, kind: str) -> FunctionInvocationError:
    try:
        data = json.loads(raw)
    except ValueError:
        data = {"errorMessage": raw.decode(errors="replace")}
    if not isinstance(data, dict):
        data = {"errorMessage": str(data)}
    message = data.get("errorMessage") or kind
    remote_type = data.get("errorType")
    prefix = f"{remote_type}: " if remote_type else ""
    return FunctionInvocationError(
        f"Lambda {name!r} failed ({kind}, request {rid}): {prefix}{message}",
        request_id=rid,
        remote_type=remote_type,
    )
