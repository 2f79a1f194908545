"""The plugin host: loading through pluggy, lazy registrations, the config namespace, errors
for missing/duplicate/broken plugins, tracing, thread safety."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from functools import partial
from typing import ClassVar

import pytest

from glacier.errors import (
    DuplicateRegistrationError,
    MissingPluginError,
    PluginError,
    PluginLoadError,
    UnknownNameError,
)
from glacier.models import ExecutorConfig, ProviderConfig
from glacier.plugins import (
    BucketBackend,
    EnvDetector,
    ExecutorBackend,
    PulumiEmitterSpec,
    hookimpl,
)
from glacier.plugins.discovery import InstalledPlugin
from glacier.plugins.host import PluginHost
from glacier.plugins.registry import close_names
from glacier.plugins.specs import class_key, load_ref


def _python(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter; return its stdout."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AZURE_", "GCP_"))}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**clean, **env},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# -- configs ---------------------------------------------------------------------------------
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


def test_typo_suggestions_are_distinct_and_ranked_without_case() -> None:
    with pytest.raises(UnknownNameError) as info:
        from glacier.config import AWSConfig  # noqa: F401
    message = str(info.value)
    assert "Did you mean 'AwsConfig'" in message  # not 'S3Config' first
    with pytest.raises(UnknownNameError) as info:
        from glacier.config import LambdaConfg  # noqa: F401
    hint = str(info.value).split("Did you mean ")[1].split("?")[0]
    assert hint.startswith("'LambdaConfig'")
    assert hint.count("'LambdaConfig'") == 1  # registered and known: named once
    # the ranking itself
    names = ["S3Config", "AwsConfig", "AzureConfig", "AwsConfig"]
    assert close_names("AWSConfig", names) == ["AwsConfig", "S3Config", "AzureConfig"]
    assert close_names("awsconfig", names)[0] == "AwsConfig"


def test_missing_plugin_says_what_to_install() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from glacier.config import AwsConfig"],
        capture_output=True,
        text=True,
        env={**os.environ, "GLACIER_DISABLE_PLUGINS": "aws"},
        check=False,
    )
    assert proc.returncode == 1
    assert "MissingPluginError" in proc.stderr
    assert "AwsConfig needs glacier-aws: pip install glacier-aws" in proc.stderr


# -- lazy loading ----------------------------------------------------------------------------
_LOADED = (
    "import json, sys\n"
    "mods = sorted(m for m in sys.modules if m.startswith(('glacier_', 'glacier.spark.c', "
    "'glacier.local.serverless', 'glacier.local.executor')))\n"
    "print(json.dumps(mods))\n"
)


def test_a_local_pipeline_loads_no_installed_plugin(tmp_path: os.PathLike[str]) -> None:
    code = (
        "import polars as pl\n"
        "from glacier import Provider, pipeline, task\n"
        "from glacier.config import LocalConfig\n"
        f"provider = Provider(config=LocalConfig(base_path={str(tmp_path)!r}))\n"
        "raw = provider.bucket('lake', path='raw.parquet')\n"
        "@task\n"
        "def extract():\n"
        "    raw.write(pl.DataFrame({'a': [1, 2]}))\n"
        "@task\n"
        "def count(_):\n"
        "    return raw.read().height\n"
        "@pipeline\n"
        "def tiny():\n"
        "    count(extract())\n"
        "assert tiny.run().output('count') == 2\n" + _LOADED
    )
    # no entry point was read, no other backend's module imported
    assert json.loads(_python(code)) == []


def test_a_local_object_pipeline_imports_only_what_it_uses(tmp_path: os.PathLike[str]) -> None:
    """Start-up guard (docs/benchmarks/changes.md section 3): writing and scanning single
    objects locally loads no dataset, snapshot, leftover-sweep, Delta, script-loading or
    compute-config module, and builds none of the config base models."""
    code = (
        "import json, sys\n"
        "import polars as pl\n"
        "from glacier import Provider, pipeline, task\n"
        "p = Provider.from_env()\n"
        "raw = p.bucket('lake', path='raw.parquet')\n"
        "out = p.bucket('lake', path='out.parquet')\n"
        "@task\n"
        "def extract():\n"
        "    raw.write(pl.DataFrame({'a': [1, 2]}))\n"
        "@task\n"
        "def clean(_):\n"
        "    out.write(raw.scan().filter(pl.col('a') > 1))\n"
        "@pipeline\n"
        "def tiny():\n"
        "    clean(extract())\n"
        "tiny.run(); tiny.run()\n"
        "from glacier.models import BucketConfig, ExecutorConfig, GlacierModel\n"
        "built = [c.__name__ for c in (GlacierModel, BucketConfig, ExecutorConfig)\n"
        "         if c.__pydantic_complete__]\n"
        "print(json.dumps([m for m in sys.modules if m in (\n"
        "    'glacier.storage.delta', 'glacier.local.datasets', 'glacier.local.leftovers',\n"
        "    'glacier.local.snapshot', 'glacier.local.compute_config', 'glacier.dag.loading',\n"
        "    'glacier.dag.location', 'difflib')] + built))\n"
    )
    assert json.loads(_python(code, GLACIER_LOCAL_BASE_PATH=str(tmp_path))) == []


def test_from_env_consults_every_plugin_but_imports_only_the_chosen_config(
    tmp_path: os.PathLike[str],
) -> None:
    code = (
        "from glacier import Provider\n"
        "p = Provider.from_env()\n"
        "assert type(p.config).__name__ == 'LocalConfig', p\n" + _LOADED
    )
    loaded = json.loads(_python(code, GLACIER_LOCAL_BASE_PATH=str(tmp_path)))
    hooks = {"glacier_aws.hooks", "glacier_azure.hooks", "glacier_gcp.hooks"}
    assert hooks <= set(loaded)  # every installed detector was asked
    assert not [m for m in loaded if m.endswith(".config")], loaded  # no cloud config model


def test_config_lookup_imports_only_the_module_that_defines_it() -> None:
    loaded = json.loads(_python("from glacier.config import GcsConfig\n" + _LOADED))
    assert "glacier_gcp.config" in loaded
    assert not {"glacier_aws.config", "glacier_azure.config", "glacier.spark.config"} & set(loaded)


def test_a_subclass_of_a_registered_config_finds_its_backends() -> None:
    from glacier import Provider
    from glacier.config import AwsConfig

    class MyAws(AwsConfig):
        pass

    bucket = Provider(config=MyAws(region="eu-west-1")).bucket("my-bucket")
    assert type(bucket._get_adapter()).__name__ == "S3BucketAdapter"


# -- registration errors ---------------------------------------------------------------------
class _Dup:
    @hookimpl
    def glacier_configs(self) -> list[str]:
        return ["glacier.local.config:LocalConfig"]


class _DupBucket:
    @hookimpl
    def glacier_bucket_backends(self) -> list[BucketBackend]:
        return [BucketBackend("glacier.local.config:LocalConfig", None, "x:Y")]


@pytest.mark.parametrize(
    ("plugin", "what"),
    [(_Dup(), "config for 'LocalConfig'"), (_DupBucket(), "bucket adapter for LocalConfig")],
)
def test_two_plugins_claiming_one_name_are_both_named(
    plugin_host: PluginHost, plugin: object, what: str
) -> None:
    plugin_host.register(plugin, "intruder")
    with pytest.raises(DuplicateRegistrationError, match=f"{what}: 'local' and 'intruder'"):
        plugin_host.registry()
    plugin_host.unregister("intruder")
    assert plugin_host.registry().config("LocalConfig") is not None


def test_plugin_that_fails_to_import_names_the_original_error() -> None:
    broken = InstalledPlugin("broken", "glacier_nonexistent.hooks", "glacier-broken")
    host = PluginHost(entry_points=lambda: [broken])
    assert host.registry(complete=False).plugins == ("local", "spark")  # built-ins load
    with pytest.raises(
        PluginLoadError,
        match="'broken' \\(distribution glacier-broken.*failed to import: ModuleNotFoundError"
        ".*GLACIER_DISABLE_PLUGINS=broken",
    ):
        host.registry()
    # a failed load leaves nothing half-registered: the built-ins load again, alone
    assert host.registry(complete=False).plugins == ("local", "spark")


def test_a_failing_detector_is_named(plugin_host: PluginHost) -> None:
    from glacier import Provider

    def boom(environ: object) -> None:
        raise RuntimeError("no metadata server")

    class Detecting:
        @hookimpl
        def glacier_env_detectors(self) -> list[EnvDetector]:
            return [EnvDetector("toy", priority=1, detect=boom)]

    plugin_host.register(Detecting(), "toy")
    with pytest.raises(
        PluginError, match="detector 'toy' of Glacier plugin 'toy' failed: RuntimeError: no meta"
    ):
        Provider.from_env(environ={})
    with pytest.raises(ValueError, match="needs config= or detect="):
        EnvDetector("incomplete", priority=1)


def test_a_malformed_class_path_is_an_error_naming_the_plugin(plugin_host: PluginHost) -> None:
    class Dotted:
        @hookimpl
        def glacier_bucket_backends(self) -> list[BucketBackend]:
            return [BucketBackend("glacier_toy.config.ToyConfig", None, "glacier_toy:Adapter")]

    plugin_host.register(Dotted(), "dotted")
    with pytest.raises(
        PluginError,
        match="plugin 'dotted' failed in glacier_bucket_backends\\(\\).*'glacier_toy.config."
        "ToyConfig' must be written 'package.module:Class'",
    ):
        plugin_host.registry()


def test_a_hook_using_the_registry_while_loading_is_an_error(plugin_host: PluginHost) -> None:
    class Eager:
        @hookimpl
        def glacier_configs(self) -> list[type]:
            from glacier.config import LocalConfig

            return [LocalConfig]

    plugin_host.register(Eager(), "eager")
    with pytest.raises(PluginError, match="'eager' failed in glacier_configs.*while plugins"):
        plugin_host.registry(complete=False)


class ToyConfig(ProviderConfig):
    """A provider config only the test plugins below serve."""

    cloud: ClassVar[str] = "toy"


class ToyEngineConfig(ExecutorConfig):
    engine: ClassVar[str] = "toy"


ToyAlias = ToyConfig  # the same class under another name


class NotAnAdapter:
    def __init__(self, *args: object) -> None:
        pass


class _Toy:
    """Registers classes that do not subclass the bases their tables call for."""

    @hookimpl
    def glacier_bucket_backends(self) -> list[BucketBackend]:
        return [BucketBackend(ToyConfig, None, f"{__name__}:NotAnAdapter")]

    @hookimpl
    def glacier_executor_backends(self) -> list[ExecutorBackend]:
        return [ExecutorBackend(ToyEngineConfig, NotAnAdapter)]

    @hookimpl
    def glacier_pulumi_emitters(self) -> list[PulumiEmitterSpec]:
        return [
            PulumiEmitterSpec(ToyConfig, f"{__name__}:NotAnAdapter"),
            PulumiEmitterSpec(ToyEngineConfig, NotAnAdapter),
        ]

    @hookimpl
    def glacier_configs(self) -> list[str]:
        return [f"{__name__}:ToyAlias"]


def test_loaded_classes_are_checked_against_their_base(plugin_host: PluginHost) -> None:
    from glacier import Provider

    plugin_host.register(_Toy(), "toy")
    provider = Provider(config=ToyConfig())
    bucket = provider.bucket("b")
    with pytest.raises(
        PluginError,
        match=f"plugin 'toy' registered {__name__}.NotAnAdapter as a bucket adapter, but it does "
        "not subclass glacier.adapters.base.BucketAdapter",
    ):
        bucket.exists()
    executor = provider.executor("e", config=ToyEngineConfig())
    with pytest.raises(PluginError, match="executor adapter.*subclass.*ExecutorAdapter"):
        executor.get_job_status("1")
    from glacier.compiler.emitter import EngineEmitter, PulumiEmitter

    with pytest.raises(PluginError, match="Pulumi emitter.*subclass.*emitter.PulumiEmitter"):
        plugin_host.emitter_class(ToyConfig, PulumiEmitter)
    with pytest.raises(PluginError, match="Pulumi emitter.*subclass.*emitter.EngineEmitter"):
        plugin_host.registry().emitter(ToyEngineConfig, EngineEmitter)  # the compiler's path
    with pytest.raises(PluginError, match="Pulumi emitter.*subclass.*emitter.PulumiEmitter"):
        _compile_toy_pipeline()  # the compiler checks the class it needs


def _compile_toy_pipeline() -> None:
    from glacier import Provider, pipeline, task
    from glacier.compiler import PulumiCompiler

    data = Provider(config=ToyConfig()).bucket("b", path="x/")

    @task
    def touch() -> None:
        data.exists()

    @pipeline(name="toy")
    def toy() -> None:
        touch()

    toy.compile(PulumiCompiler())


def test_a_config_must_be_registered_by_its_defining_module(plugin_host: PluginHost) -> None:
    plugin_host.register(_Toy(), "toy")
    with pytest.raises(
        PluginError, match=f"is defined as '{__name__}:ToyConfig'. Register it by its defining"
    ):
        plugin_host.config_class("ToyAlias")


def test_registered_classes_load_by_path() -> None:
    from glacier.config import AwsConfig

    assert load_ref("glacier_aws.config:AwsConfig") is AwsConfig
    assert load_ref(AwsConfig) is AwsConfig
    assert class_key(AwsConfig) == "glacier_aws.config:AwsConfig"


# -- tracing, thread safety, isolation -------------------------------------------------------
def test_trace_plugins_prints_hook_calls(
    plugin_host: PluginHost, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GLACIER_TRACE_PLUGINS", "1")
    plugin_host.reset()
    plugin_host.registry()
    err = capsys.readouterr().err
    assert "glacier plugins: call glacier_configs() on 'local'" in err
    assert "glacier_configs() -> [['glacier.local.config:LocalConfig'" in err
    assert "loading plugin 'aws' from glacier-aws (glacier_aws.hooks)" in err
    assert "call glacier_env_detectors() on 'aws'" in err
    monkeypatch.delenv("GLACIER_TRACE_PLUGINS")
    plugin_host.reset()
    plugin_host.registry()
    assert capsys.readouterr().err == ""


def test_disabled_plugins_are_not_loaded(
    plugin_host: PluginHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLACIER_DISABLE_PLUGINS", "aws, gcp")
    plugin_host.reset()
    plugins = plugin_host.registry().plugins
    assert "aws" not in plugins and "gcp" not in plugins and "azure" in plugins
    with pytest.raises(MissingPluginError, match="pip install glacier-aws"):
        from glacier.config import AwsConfig  # noqa: F401


class _Empty:
    @hookimpl
    def glacier_configs(self) -> list[str]:
        return []


def _more_than(counter: list[int], seen: int) -> bool:
    return counter[0] > seen


def test_concurrent_registration_and_lookups_finish(plugin_host: PluginHost) -> None:
    """One thread registers and unregisters a plugin (so plugins reload) while another looks
    things up, in lockstep. The earlier design (two singletons, two locks taken in opposite
    orders) deadlocked or crashed in 4 of 5 runs of this test."""
    from glacier.plugins import manager
    from glacier.plugins.registry import get_registry

    errors: list[BaseException] = []
    stop = threading.Event()
    lookups_done = [0]
    progress = threading.Condition()

    def lookups() -> None:
        try:
            while not stop.is_set():
                get_registry()
                with progress:
                    lookups_done[0] += 1
                    progress.notify_all()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def churn() -> None:
        try:
            for _ in range(200):
                with progress:
                    seen = lookups_done[0]
                manager.register_plugin(_Empty(), "empty")
                manager.unregister_plugin("empty")
                with progress:  # let a lookup (a reload) overlap the next registration
                    progress.wait_for(partial(_more_than, lookups_done, seen), timeout=10)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: more interleavings
    try:
        threads = [threading.Thread(target=f, daemon=True) for f in (lookups, churn)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)  # deadline: a deadlock fails the test instead of hanging
    finally:
        sys.setswitchinterval(interval)
    assert not [t for t in threads if t.is_alive()], "plugin loading deadlocked"
    assert not errors, errors
    assert lookups_done[0] >= 200


def test_plugins_command_lists_plugins_versions_and_registrations() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "glacier", "plugins"], capture_output=True, text=True, check=True
    ).stdout
    assert "local  (glacier-core 0.1.0)" in out
    assert "aws  (glacier-aws 0.1.0)" in out
    assert "AwsConfig, GlueConfig, LambdaConfig, S3Config" in out
    assert "from_env    aws(AWS_REGION)" in out
    assert "databricks" in out


def test_import_glacier_is_light() -> None:
    code = (
        "import sys, glacier; heavy = [m for m in ('pluggy', 'pydantic', 'polars', 'boto3', "
        "'pulumi', 'glacier_aws') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
