"""Plugin loading, the config namespace, errors for missing/duplicate/broken plugins."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

from glacier.errors import DuplicateRegistrationError, PluginLoadError, UnknownNameError
from glacier.models import GlacierModel
from glacier.plugins import BucketBackend, hookimpl, manager
from glacier.plugins.registry import get_registry


def test_cloud_configs_resolve_through_the_registry() -> None:
    from glacier.config import AwsConfig, AzureConfig, DatabricksConfig, GcpConfig, S3Config

    assert AwsConfig.__module__ == "glacier_aws.config"
    assert S3Config.__module__ == "glacier_aws.config"
    assert AzureConfig.__module__ == "glacier_azure.config"
    assert GcpConfig.__module__ == "glacier_gcp.config"
    assert DatabricksConfig.__module__ == "glacier_databricks.config"


def test_unknown_config_name_suggests_close_match() -> None:
    with pytest.raises(
        UnknownNameError, match="no config named 'AwsConfg'.*Did you mean 'AwsConfig'"
    ):
        from glacier.config import AwsConfg  # noqa: F401


def test_missing_plugin_says_what_to_install() -> None:
    code = "from glacier.config import AwsConfig"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**_env(), "GLACIER_DISABLE_PLUGINS": "aws"},
        check=False,
    )
    assert proc.returncode == 1
    assert "ImportError" in proc.stderr or "MissingPluginError" in proc.stderr
    assert "AwsConfig needs glacier-aws: pip install glacier-aws" in proc.stderr


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


class _Dup:
    @hookimpl
    def glacier_configs(self) -> list[type[GlacierModel]]:
        from glacier.local.config import LocalConfig

        return [LocalConfig]


class _DupBucket:
    @hookimpl
    def glacier_bucket_backends(self) -> list[BucketBackend]:
        from glacier.local.config import LocalConfig

        return [BucketBackend(LocalConfig, None, "x:Y")]


@pytest.mark.parametrize(
    ("plugin", "what"),
    [(_Dup(), "config for 'LocalConfig'"), (_DupBucket(), "bucket adapter for LocalConfig")],
)
def test_two_plugins_claiming_one_name_are_both_named(plugin: object, what: str) -> None:
    manager.register_plugin(plugin, "intruder")
    try:
        with pytest.raises(DuplicateRegistrationError, match=f"{what}: 'local' and 'intruder'"):
            get_registry()
    finally:
        manager.unregister_plugin("intruder")
    assert get_registry().config("LocalConfig") is not None


def test_plugin_that_fails_to_import_names_the_original_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = metadata.EntryPoint(name="broken", value="glacier_nonexistent.hooks", group="glacier")
    real = metadata.entry_points

    def fake(**kwargs):  # type: ignore[no-untyped-def]
        found = list(real(**kwargs))
        return [*found, broken] if kwargs.get("group") == "glacier" else found

    monkeypatch.setattr(metadata, "entry_points", fake)
    manager.reset()
    try:
        with pytest.raises(
            PluginLoadError, match="'broken'.*failed to import: ModuleNotFoundError"
        ):
            get_registry()
    finally:
        monkeypatch.setattr(metadata, "entry_points", real)
        manager.reset()


def test_import_glacier_is_light() -> None:
    code = (
        "import sys, glacier; heavy = [m for m in ('pluggy', 'pydantic', 'polars', 'boto3', "
        "'pulumi', 'glacier_aws') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_plugins_command_lists_plugins_versions_and_registrations() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "glacier", "plugins"], capture_output=True, text=True, check=True
    ).stdout
    assert "local  (glacier-core 0.1.0)" in out
    assert "aws  (glacier-aws 0.1.0)" in out
    assert "AwsConfig, GlueConfig, LambdaConfig, S3Config" in out
    assert "databricks" in out
