"""Serverless adapters (Lambda via boto3, Azure Functions and Cloud Functions via their HTTP
triggers) against a local stand-in that really runs the handler in a subprocess.
Not verified against the real services."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_functions import AZURE_KEY, FakeFunctions, fake_functions

from glacier import Provider
from glacier.errors import ConfigError, FunctionInvocationError

HANDLERS = {
    "double": "compute_tasks:handler_double",
    "fail": "compute_tasks:handler_fail",
}


@pytest.fixture
def functions() -> Iterator[FakeFunctions]:
    with fake_functions(HANDLERS) as fake:
        yield fake


# -- Lambda ----------------------------------------------------------------------------------
@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Provider:
    from glacier.config import AwsConfig

    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA"):
        monkeypatch.delenv(var, raising=False)
    return Provider(
        config=AwsConfig(region="us-east-1", access_key_id="testing", secret_access_key="testing")
    )


def test_lambda_invoke_returns_result(aws: Provider, functions: FakeFunctions) -> None:
    from glacier.config import LambdaConfig

    fn = aws.serverless(
        "double", "compute_tasks:handler_double", config=LambdaConfig(endpoint_url=functions.url)
    )
    assert fn.invoke({"values": [1, 2]}) == {"doubled": [2, 4]}
    assert functions.calls == [("lambda", "double")]


def test_lambda_function_error_carries_message_and_request_id(
    aws: Provider, functions: FakeFunctions
) -> None:
    from glacier.config import LambdaConfig

    fn = aws.serverless(
        "fail", "compute_tasks:handler_fail", config=LambdaConfig(endpoint_url=functions.url)
    )
    with pytest.raises(FunctionInvocationError) as info:
        fn.invoke({"values": [7]})
    err = info.value
    assert "cannot handle [7]" in str(err)
    assert err.remote_type == "RuntimeError"
    assert err.request_id and err.request_id in str(err)


def test_lambda_missing_function(aws: Provider, functions: FakeFunctions) -> None:
    from glacier.config import LambdaConfig

    fn = aws.serverless(
        "nope", "compute_tasks:handler_double", config=LambdaConfig(endpoint_url=functions.url)
    )
    with pytest.raises(FunctionInvocationError, match="ResourceNotFound|not found") as info:
        fn.invoke({})
    assert info.value.request_id == "missing-1"


# -- Azure Functions -------------------------------------------------------------------------
@pytest.fixture
def azure() -> Provider:
    from glacier.config import AzureConfig

    return Provider(config=AzureConfig(storage_account="acct"))


def test_azure_function_with_key(
    azure: Provider, functions: FakeFunctions, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glacier.config import AzureFunctionConfig

    monkeypatch.setenv("GLACIER_FUNCTION_URL_DOUBLE", f"{functions.url}/api/double")
    monkeypatch.setenv("GLACIER_FUNCTION_KEY_DOUBLE", AZURE_KEY)
    fn = azure.serverless("double", "compute_tasks:handler_double", config=AzureFunctionConfig())
    assert fn.invoke({"values": [3]}) == {"doubled": [6]}


def test_azure_function_error_and_bad_key(azure: Provider, functions: FakeFunctions) -> None:
    from glacier.config import AzureFunctionConfig

    fail = azure.serverless(
        "fail",
        "compute_tasks:handler_fail",
        config=AzureFunctionConfig(url=f"{functions.url}/api/fail", function_key=AZURE_KEY),
    )
    with pytest.raises(FunctionInvocationError, match=r"cannot handle \[1\]") as info:
        fail.invoke({"values": [1]})
    assert info.value.request_id and info.value.remote_type == "RuntimeError"

    wrong = azure.serverless(
        "double",
        "compute_tasks:handler_double",
        config=AzureFunctionConfig(url=f"{functions.url}/api/double", function_key="wrong"),
    )
    with pytest.raises(FunctionInvocationError, match="HTTP 401"):
        wrong.invoke({})


def test_azure_function_without_key_is_a_config_error(
    azure: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_FUNCTIONS_KEY", raising=False)
    fn = azure.serverless("double", "compute_tasks:handler_double")
    with pytest.raises(ConfigError, match="x-functions-key|function key"):
        fn.invoke({})


# -- Cloud Functions -------------------------------------------------------------------------
@pytest.fixture
def service_account(tmp_path: Path, functions: FakeFunctions) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "sa.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "glacier-test",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "runner@glacier-test.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": f"{functions.url}/token",
            }
        )
    )
    return path


def test_cloud_function_with_id_token(functions: FakeFunctions, service_account: Path) -> None:
    from glacier.config import CloudFunctionConfig, GcpConfig

    gcp = Provider(config=GcpConfig(project="glacier-test", credentials_path=str(service_account)))
    fn = gcp.serverless(
        "double",
        "compute_tasks:handler_double",
        config=CloudFunctionConfig(url=f"{functions.url}/gcp/double"),
    )
    assert fn.invoke({"values": [5]}) == {"doubled": [10]}
    assert fn.invoke({"values": [6]}) == {"doubled": [12]}  # cached token reused
    assert len(functions.issued_tokens) == 1

    fail = gcp.serverless(
        "fail",
        "compute_tasks:handler_fail",
        config=CloudFunctionConfig(url=f"{functions.url}/gcp/fail"),
    )
    with pytest.raises(FunctionInvocationError, match=r"cannot handle \[2\]") as info:
        fail.invoke({"values": [2]})
    assert info.value.request_id


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("aws", "Lambda function 'fn' is deployed by the compiled Pulumi program"),
        ("azure", "Azure function 'fn' is deployed by the compiled Pulumi program"),
        ("gcp", "Cloud function 'fn' is deployed by the compiled Pulumi program"),
    ],
)
def test_cloud_deploy_points_to_the_compiled_program(config: str, expected: str) -> None:
    from glacier.config import AwsConfig, AzureConfig, GcpConfig
    from glacier.errors import NotSupportedError

    provider = Provider(
        config={
            "aws": AwsConfig(region="us-east-1"),
            "azure": AzureConfig(storage_account="acct1"),
            "gcp": GcpConfig(project="my-project"),
        }[config]
    )
    fn = provider.serverless("fn", handler="mod:handler")
    with pytest.raises(NotSupportedError, match=expected):
        fn.deploy()
