"""Tests of ``glacier migrate``: a before/after table for the codemod, then the CLI."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import glacier.migrate
from glacier.migrate.mapping import PROVIDERS, ProviderMapping
from glacier.migrate.transformer import migrate_source


def _src(text: str) -> str:
    """Dedent a triple-quoted module and drop its leading newline."""
    return textwrap.dedent(text).lstrip("\n")


# (before, after) pairs. Each `after` must also be a fixed point (see test_idempotent).
CASES = [
    pytest.param(
        """
        from glacier.providers import AWSProvider

        provider = AWSProvider(region="us-east-1")
        source = provider.bucket_source("my-data", path="file.parquet")
        """,
        """
        from glacier import Provider
        from glacier.config import AwsConfig

        provider = Provider(config=AwsConfig(region="us-east-1"))
        source = provider.bucket("my-data", path="file.parquet")
        """,
        id="aws-design-doc",
    ),
    pytest.param(
        """
        from glacier.providers import AWSProvider

        p = AWSProvider(
            region_name="eu-west-1",
            profile_name="dev",
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            endpoint="http://localhost:4566",
        )
        """,
        """
        from glacier import Provider
        from glacier.config import AwsConfig

        p = Provider(
            config=AwsConfig(
                region="eu-west-1",
                profile="dev",
                access_key_id=key,
                secret_access_key=secret,
                session_token=token,
                endpoint_url="http://localhost:4566",
            ),
        )
        """,
        id="aws-kwarg-aliases-multiline",
    ),
    pytest.param(
        """
        from glacier.providers import AWSProvider

        p = AWSProvider("us-east-1", profile="prod", account_id="123", role_arn=arn)
        """,
        """
        from glacier import Provider
        from glacier.config import AwsConfig

        p = Provider(config=AwsConfig(region="us-east-1", profile="prod", account_id="123", role_arn=arn))
        """,
        id="aws-positional",
    ),
    pytest.param(
        """
        from glacier.providers import AzureProvider

        az = AzureProvider("my-rg", region="westeurope", account_name="lake", tags={"env": "dev"})
        """,
        """
        from glacier import Provider
        from glacier.config import AzureConfig

        az = Provider(config=AzureConfig(resource_group="my-rg", location="westeurope", storage_account="lake"), tags={"env": "dev"})
        """,
        id="azure-positional-aliases-tags",
    ),
    pytest.param(
        """
        from glacier.providers import AzureProvider

        az = AzureProvider(resource_group="rg", storage_account_name="lake", tenant_id=tid)
        """,
        """
        from glacier import Provider
        from glacier.config import AzureConfig

        az = Provider(config=AzureConfig(resource_group="rg", storage_account="lake", tenant_id=tid))
        """,
        id="azure-keywords",
    ),
    pytest.param(
        """
        from glacier.providers import GCPProvider

        a = GCPProvider(project_id="p1", credentials="/keys/sa.json", location="europe-west1")
        b = GCPProvider("p2", region="us-central1")
        """,
        """
        from glacier import Provider
        from glacier.config import GcpConfig

        a = Provider(config=GcpConfig(project="p1", credentials_path="/keys/sa.json", region="europe-west1"))
        b = Provider(config=GcpConfig(project="p2", region="us-central1"))
        """,
        id="gcp-aliases-positional",
    ),
    pytest.param(
        """
        from glacier.providers import LocalProvider

        a = LocalProvider("./a")
        b = LocalProvider(root="./b")
        c = LocalProvider(path="./c")
        d = LocalProvider(base_dir="./d")
        e = LocalProvider()
        """,
        """
        from glacier import Provider
        from glacier.config import LocalConfig

        a = Provider(config=LocalConfig(base_path="./a"))
        b = Provider(config=LocalConfig(base_path="./b"))
        c = Provider(config=LocalConfig(base_path="./c"))
        d = Provider(config=LocalConfig(base_path="./d"))
        e = Provider(config=LocalConfig())
        """,
        id="local-aliases-positional",
    ),
    pytest.param(
        """
        from glacier.providers import AWSProvider as AP, LocalProvider as LP

        aws = AP(region="us-east-1")
        local = LP(base_path="./data")
        data = local.bucket_source("raw", path="a.parquet")
        """,
        """
        from glacier import Provider
        from glacier.config import AwsConfig, LocalConfig

        aws = Provider(config=AwsConfig(region="us-east-1"))
        local = Provider(config=LocalConfig(base_path="./data"))
        data = local.bucket("raw", path="a.parquet")
        """,
        id="aliased-import",
    ),
    pytest.param(
        """
        import glacier.providers as gp

        provider = gp.GCPProvider(project="p")
        out = provider.bucket_sink("b", path="out.parquet")
        """,
        """
        from glacier import Provider
        from glacier.config import GcpConfig

        provider = Provider(config=GcpConfig(project="p"))
        out = provider.bucket("b", path="out.parquet")
        """,
        id="module-import-alias",
    ),
    pytest.param(
        """
        import glacier.providers

        provider = glacier.providers.LocalProvider("./data")
        """,
        """
        from glacier import Provider
        from glacier.config import LocalConfig

        provider = Provider(config=LocalConfig(base_path="./data"))
        """,
        id="module-import-dotted",
    ),
    pytest.param(
        """
        from glacier import providers, task

        provider = providers.AWSProvider(region="us-east-1")
        """,
        """
        from glacier import Provider, task
        from glacier.config import AwsConfig

        provider = Provider(config=AwsConfig(region="us-east-1"))
        """,
        id="from-glacier-import-providers",
    ),
    pytest.param(
        """
        from glacier import pipeline, task  # the decorators
        from glacier.providers import LocalProvider

        provider = LocalProvider(base_path="./data")
        """,
        """
        from glacier import Provider, pipeline, task  # the decorators
        from glacier.config import LocalConfig

        provider = Provider(config=LocalConfig(base_path="./data"))
        """,
        id="merge-existing-glacier-import",
    ),
    pytest.param(
        """
        from glacier.config import S3Config
        from glacier.providers import AWSProvider

        provider = AWSProvider(region="us-east-1")
        raw = provider.bucket_source("lake", path="raw.parquet", config=S3Config(versioning=True))
        """,
        """
        from glacier.config import AwsConfig, S3Config
        from glacier import Provider

        provider = Provider(config=AwsConfig(region="us-east-1"))
        raw = provider.bucket("lake", path="raw.parquet", config=S3Config(versioning=True))
        """,
        id="merge-existing-config-import",
    ),
    pytest.param(
        """
        # Pipelines for the sales team.
        import os

        # the V2 providers
        from glacier.providers import AzureProvider

        provider = AzureProvider(  # prod subscription
            # the resource group comes first
            "prod-rg",
            location="westeurope",  # EU only
            retries=3,
            tags={"team": "sales"},  # for billing
        )  # end
        """,
        """
        # Pipelines for the sales team.
        import os

        # the V2 providers
        from glacier import Provider
        from glacier.config import AzureConfig

        provider = Provider(  # prod subscription
            # the resource group comes first
            config=AzureConfig(
                resource_group="prod-rg",
                location="westeurope",  # EU only
                retries=3,
            ),
            tags={"team": "sales"},  # for billing
        )  # end  # glacier-migrate: retries has no V3 equivalent; remove it or use one of the AzureConfig fields
        """,
        id="multiline-comments-unknown-kwarg",
    ),
    pytest.param(
        """
        from glacier.providers import AWSProvider

        p = AWSProvider(region="us-east-1", max_retries=5, verbose=True)
        """,
        """
        from glacier import Provider
        from glacier.config import AwsConfig

        p = Provider(config=AwsConfig(region="us-east-1", max_retries=5, verbose=True))  # glacier-migrate: max_retries has no V3 equivalent; remove it or use one of the AwsConfig fields  # glacier-migrate: verbose has no V3 equivalent; remove it or use one of the AwsConfig fields
        """,
        id="unknown-kwargs",
    ),
    pytest.param(
        """
        from glacier.providers import AWSProvider

        p = AWSProvider("us-east-1", region_name="eu-west-1", **extra)
        """,
        """
        from glacier import Provider
        from glacier.config import AwsConfig

        p = Provider(config=AwsConfig(region="us-east-1", region_name="eu-west-1", **extra))  # glacier-migrate: region_name duplicates region; keep only region  # glacier-migrate: **extra is passed to AwsConfig unchanged; check that it only holds AwsConfig fields (V2 aliases are not renamed, tags go on Provider)
        """,
        id="duplicate-and-splat",
    ),
    pytest.param(
        """
        def build():
            if True:
                provider = gp.AWSProvider(
                    region="x",
                    tags=t
                )
            return provider


        import glacier.providers as gp
        """,
        """
        from glacier import Provider
        from glacier.config import AwsConfig

        def build():
            if True:
                provider = Provider(
                    config=AwsConfig(
                        region="x",
                    ),
                    tags=t,
                )
            return provider
        """,
        id="nested-multiline-no-trailing-comma",
    ),
    pytest.param(
        """
        from glacier.providers import AWSProvider


        class Job:
            def __init__(self) -> None:
                self.provider = AWSProvider.from_env()

            def source(self):
                return self.provider.bucket_source(bucket="landing", path="x.parquet")
        """,
        """
        from glacier import Provider
        from glacier.config import AwsConfig


        class Job:
            def __init__(self) -> None:
                self.provider = Provider(config=AwsConfig.from_env())

            def source(self):
                return self.provider.bucket(bucket_name="landing", path="x.parquet")
        """,
        id="self-attribute-from-env-bucket-kwarg",
    ),
    pytest.param(
        """
        from glacier.providers import AWSProvider, LocalProvider


        def load(provider: AWSProvider, fallback: LocalProvider | None = None) -> AWSProvider:
            provider.bucket_source("b", path="p", options={"x": 1})
            return provider
        """,
        """
        from glacier import Provider


        def load(provider: Provider, fallback: Provider | None = None) -> Provider:
            provider.bucket("b", path="p", options={"x": 1})  # glacier-migrate: options has no V3 equivalent; remove it; provider.bucket() takes bucket_name, path, format, config, name, advanced_config
            return provider
        """,
        id="annotations-and-bucket-options",
    ),
    pytest.param(
        """
        from glacier.providers import AWSProvider

        p = AWSProvider(config=aws_config, tags=TAGS)
        """,
        """
        from glacier import Provider

        p = Provider(config=aws_config, tags=TAGS)
        """,
        id="v2-config-kwarg",
    ),
    pytest.param(
        """
        from glacier.providers import AWSProvider

        p = AWSProvider(region="x")
        if isinstance(p, AWSProvider):
            pass
        """,
        """
        from glacier.providers import AWSProvider
        from glacier import Provider
        from glacier.config import AwsConfig

        p = Provider(config=AwsConfig(region="x"))
        if isinstance(p, AWSProvider):  # glacier-migrate: AWSProvider has no V3 equivalent; use Provider with AwsConfig (type checks: isinstance(p.config, AwsConfig))
            pass
        """,
        id="leftover-reference-keeps-import",
    ),
    pytest.param(
        """
        from glacier.providers import LocalProvider

        provider = LocalProvider("./data")
        other.bucket_source("x", path="y")
        (provider := LocalProvider("./b")).bucket_source("x")
        """,
        """
        from glacier import Provider
        from glacier.config import LocalConfig

        provider = Provider(config=LocalConfig(base_path="./data"))
        other.bucket_source("x", path="y")
        (provider := Provider(config=LocalConfig(base_path="./b"))).bucket("x")
        """,
        id="unknown-receiver-untouched",
    ),
    pytest.param(
        """
        from glacier import Provider
        from glacier.config import LocalConfig

        provider = Provider(config=LocalConfig(base_path="./data"))
        bucket = provider.bucket("b", path="x.parquet")
        """,
        """
        from glacier import Provider
        from glacier.config import LocalConfig

        provider = Provider(config=LocalConfig(base_path="./data"))
        bucket = provider.bucket("b", path="x.parquet")
        """,
        id="already-v3",
    ),
]


@pytest.mark.parametrize(("before", "after"), CASES)
def test_migrate(before: str, after: str) -> None:
    """Each V2 snippet becomes exactly the V3 snippet, and the result compiles."""
    result = migrate_source(_src(before))
    assert result.code == _src(after)
    compile(result.code, "<after>", "exec")


@pytest.mark.parametrize(("before", "after"), CASES)
def test_idempotent(before: str, after: str) -> None:
    """Migrating migrated code changes nothing and adds no notes."""
    once = migrate_source(_src(before)).code
    twice = migrate_source(once)
    assert twice.code == once
    assert not twice.changed
    assert twice.notes == []


def test_notes_have_output_line_numbers() -> None:
    """Notes are reported with the line they sit on in the migrated code."""
    result = migrate_source(
        _src(
            """
            from glacier.providers import AWSProvider

            p = AWSProvider(region="x", retries=3)
            """
        )
    )
    lines = result.code.splitlines()
    assert [n.message.split(" ")[0] for n in result.notes] == ["retries"]
    assert "# glacier-migrate: retries" in lines[result.notes[0].line - 1]


def test_warning_for_unknown_receiver() -> None:
    """A bucket_source() on something not bound to a V2 provider is reported, not changed."""
    source = "def f(p):\n    return p.bucket_source('b')\n"
    result = migrate_source(source)
    assert not result.changed
    assert len(result.warnings) == 1
    assert result.warnings[0].line == 2
    assert "bucket_source" in result.warnings[0].message


def test_star_import_is_reported() -> None:
    """``from glacier.providers import *`` cannot be resolved: left alone, with a warning."""
    source = "from glacier.providers import *\n\np = AWSProvider(region='x')\n"
    result = migrate_source(source)
    assert not result.changed
    assert [w.line for w in result.warnings] == [1]
    assert result.warnings[0].message.startswith("from glacier.providers import * is not migrated")


def test_comment_note_on_compound_statement_header() -> None:
    """A note from a class header lands on the header line, not inside the body."""
    result = migrate_source(
        _src(
            """
            from glacier.providers import AWSProvider


            class Mine(AWSProvider):
                x = 1
            """
        )
    )
    assert "class Mine(AWSProvider):  # glacier-migrate: AWSProvider has" in result.code
    assert "    x = 1\n" in result.code


@pytest.mark.parametrize("mapping", list(PROVIDERS.values()), ids=list(PROVIDERS))
def test_mapping_matches_v3_config_classes(mapping: ProviderMapping) -> None:
    """The mapping tables name real V3 config fields (checked when the config is installed)."""
    config_module = pytest.importorskip("glacier.config")
    try:
        cls = getattr(config_module, mapping.config_class)
    except Exception as exc:  # a missing plugin distribution raises glacier's own error
        pytest.skip(f"{mapping.config_class} not installed: {exc}")
    assert set(cls.model_fields) == mapping.fields
    assert set(mapping.aliases.values()) <= mapping.fields
    assert mapping.positional in mapping.fields
    assert callable(getattr(cls, "from_env", None))


# --------------------------------------------------------------------------------------------
# CLI


V2_FILE = _src(
    """
    from glacier.providers import LocalProvider

    provider = LocalProvider(base_path="./data", cache=True)
    raw = provider.bucket_source("raw", path="in.parquet")
    """
)
V3_FILE = _src(
    """
    from glacier import Provider
    from glacier.config import LocalConfig

    provider = Provider(config=LocalConfig(base_path="./data", cache=True))  # glacier-migrate: cache has no V3 equivalent; remove it or use one of the LocalConfig fields
    raw = provider.bucket("raw", path="in.parquet")
    """
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small tree: one V2 file, one V3 file, one broken file, one file in a hidden dir."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "old.py").write_text(V2_FILE)
    (tmp_path / "pkg" / "new.py").write_text(V3_FILE)
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "dep.py").write_text(V2_FILE)
    return tmp_path


def test_cli_rewrites_in_place(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Files are rewritten; the report names them and each note with file:line."""
    assert glacier.migrate.main([str(project)]) == 0
    assert (project / "pkg" / "old.py").read_text() == V3_FILE
    assert (project / "pkg" / "new.py").read_text() == V3_FILE
    assert (project / ".venv" / "dep.py").read_text() == V2_FILE  # hidden dirs are skipped
    out = capsys.readouterr().out
    assert f"migrated {project / 'pkg' / 'old.py'}" in out
    assert f"{project / 'pkg' / 'old.py'}:4: glacier-migrate: cache has no V3 equivalent" in out
    assert "1 file(s) migrated, 1 unchanged" in out
    # second run: nothing left to do
    assert glacier.migrate.main(["--check", str(project)]) == 0


def test_cli_check(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--check writes nothing, lists the files and exits 1 when something would change."""
    old = project / "pkg" / "old.py"
    assert glacier.migrate.main(["--check", str(old)]) == 1
    assert old.read_text() == V2_FILE
    assert f"would migrate {old}" in capsys.readouterr().out
    assert glacier.migrate.main(["--check", str(project / "pkg" / "new.py")]) == 0


def test_cli_diff(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--diff prints a unified diff, writes nothing and exits 0."""
    old = project / "pkg" / "old.py"
    assert glacier.migrate.main(["--diff", str(old)]) == 0
    assert old.read_text() == V2_FILE
    captured = capsys.readouterr()
    out = captured.out
    assert f"--- {old} (V2)" in out
    assert f"+++ {old} (V3)" in out
    assert "-from glacier.providers import LocalProvider" in out
    assert '+raw = provider.bucket("raw", path="in.parquet")' in out
    # stdout is a clean patch; the report goes to stderr
    assert all(line[:1] in "-+@ " for line in out.splitlines()), out
    assert f"{old}:4: glacier-migrate: cache has no V3 equivalent" in captured.err
    assert "1 file(s) would be migrated" in captured.err


def test_cli_diff_and_check(project: Path) -> None:
    """--diff --check prints the diff and still exits 1."""
    assert glacier.migrate.main(["--diff", "--check", str(project / "pkg")]) == 1


def test_cli_unparseable_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file that does not parse is reported and left alone; the others are migrated; exit 2."""
    broken = project / "pkg" / "broken.py"
    broken.write_text("provider = AWSProvider(region=\n")
    assert glacier.migrate.main([str(project / "pkg")]) == 2
    assert broken.read_text() == "provider = AWSProvider(region=\n"
    assert (project / "pkg" / "old.py").read_text() == V3_FILE
    err = capsys.readouterr().err
    assert f"error: {broken}: cannot parse, left untouched: '(' was never closed (line 1)" in err


def test_cli_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path that does not exist is an error (exit 2)."""
    assert glacier.migrate.main([str(tmp_path / "nope.py")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_cli_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Bad arguments exit 2 with argparse's usage message, without raising SystemExit."""
    assert glacier.migrate.main([]) == 2
    assert "usage: glacier migrate" in capsys.readouterr().err


def test_cli_keeps_encoding_and_newlines(tmp_path: Path) -> None:
    """CRLF line endings and a latin-1 coding cookie survive the rewrite."""
    path = tmp_path / "legacy.py"
    text = "# -*- coding: latin-1 -*-\r\nfrom glacier.providers import LocalProvider\r\n"
    text += "p = LocalProvider('./café')\r\n"
    path.write_bytes(text.encode("latin-1"))
    assert glacier.migrate.main([str(path)]) == 0
    data = path.read_bytes()
    assert b"\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert "Provider(config=LocalConfig(base_path='./café'))" in data.decode("latin-1")


def test_missing_libcst(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without libcst, main says how to install it and exits 2."""
    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> object:
        return None if name == "libcst" else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert glacier.migrate.main(["x.py"]) == 2
    assert capsys.readouterr().err.strip() == (
        "glacier migrate needs libcst: pip install 'glacier-core[migrate]'"
    )


def test_python_dash_m(project: Path) -> None:
    """``python -m glacier.migrate`` works like ``glacier migrate``."""
    src = str(Path(glacier.migrate.__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-m", "glacier.migrate", "--check", str(project / "pkg")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    assert "would migrate" in proc.stdout
