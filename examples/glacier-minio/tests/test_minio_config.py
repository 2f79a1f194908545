"""MinioConfig: validation messages, the from_env detector, and the plugin's registration
(entry point, `glacier plugins`, GLACIER_DISABLE_PLUGINS)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from pydantic import SecretStr, ValidationError

from glacier import Provider
from glacier.errors import ConfigError
from glacier.plugins.host import PluginHost


def config(**fields):  # type: ignore[no-untyped-def]
    from glacier.config import MinioConfig

    return MinioConfig(**fields)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"endpoint": "minio.example:9000"}, "is not a URL of the S3 API"),
        ({"endpoint": "https://u:p@minio.example"}, "never in the URL"),
        ({"endpoint": "https://minio.example/lake"}, "give the server's base URL only"),
        ({"endpoint": "http://minio.example:9000"}, "Use https, or set allow_http=True"),
        ({"endpoint": "https://m.example", "region": "EU West"}, "is not a region name"),
        ({"endpoint": "https://m.example", "access_key": "a"}, "give both, or neither"),
        ({"endpoint": "https://m.example", "bucket": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_values_name_the_field_and_the_fix(fields: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError, match=message):
        config(**fields)


def test_plain_http_is_fine_on_this_machine_or_when_allowed() -> None:
    assert config(endpoint="http://127.0.0.1:9000/").endpoint == "http://127.0.0.1:9000"
    assert config(endpoint="http://localhost:9000").uses_http
    assert config(endpoint="http://minio.lan:9000", allow_http=True).allow_http


def test_keys_are_secret() -> None:
    cfg = config(endpoint="https://m.example", access_key="user", secret_key="s3cr3t-value")
    assert isinstance(cfg.secret_key, SecretStr)
    assert "s3cr3t-value" not in repr(cfg) and "s3cr3t-value" not in str(cfg.describe())


def test_from_env_reads_the_documented_variables() -> None:
    from glacier.config import MinioConfig

    env = {
        "MINIO_ENDPOINT": "https://minio.example:9000",
        "MINIO_REGION": "eu-central-1",
        "MINIO_ACCESS_KEY": "user",
        "MINIO_SECRET_KEY": "secret-key",
        "MINIO_ALLOW_HTTP": "1",
    }
    cfg = MinioConfig.from_env(env)
    assert cfg.endpoint == "https://minio.example:9000" and cfg.region == "eu-central-1"
    assert cfg.secret_key is not None and cfg.secret_key.get_secret_value() == "secret-key"
    assert cfg.allow_http
    with pytest.raises(ConfigError, match="MINIO_ENDPOINT is not set"):
        MinioConfig.from_env({})


def test_provider_from_env_picks_minio_before_aws(clean_env: pytest.MonkeyPatch) -> None:
    from glacier.config import MinioConfig

    clean_env.setenv("MINIO_ENDPOINT", "https://minio.example:9000")
    clean_env.setenv("AWS_REGION", "eu-west-1")  # the AWS detector (priority 100) comes later
    provider = Provider.from_env()
    assert isinstance(provider.config, MinioConfig)
    assert provider.config.endpoint == "https://minio.example:9000"


def test_glacier_plugins_lists_what_the_plugin_registers() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "glacier", "plugins"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    # "minio  (glacier-minio 0.1.0)", then its indented "category  names" lines
    block = re.search(r"^minio  \(glacier-minio 0\.1\.0\)\n((?:    .*\n)+)", proc.stdout, re.M)
    assert block is not None, proc.stdout
    table = dict(line.split(maxsplit=1) for line in block[1].splitlines())
    assert table["buckets"] == "MinioConfig"
    assert table["configs"] == "MinioBucketConfig, MinioConfig, MinioExpiration"
    assert table["from_env"] == "minio(MINIO_ENDPOINT)"
    assert table["pulumi"] == "MinioConfig"


def test_disabled_plugin_is_not_loaded(
    plugin_host: PluginHost, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("GLACIER_DISABLE_PLUGINS", "minio")
    clean_env.setenv("MINIO_ENDPOINT", "https://minio.example:9000")
    plugin_host.reset()
    assert "minio" not in plugin_host.registry().plugins
    assert type(Provider.from_env().config).__name__ == "LocalConfig"
