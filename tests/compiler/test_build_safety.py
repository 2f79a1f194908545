"""Build artifacts and export safety (issue 10, items 6, 8, 9 and 11).

* colliding build names (``score v1`` / ``score-v1``) are refused at compile;
* a package holds the handler's Python sources and declared data only: never dotfiles or
  key/credential files; the README lists what was packed;
* requirement strings are PEP 508 requirements, checked before anything is written;
* markers of custom-code regions cannot be forged from bucket paths: re-exporting is
  idempotent;
* bad names are refused at compile, and a failing export leaves the previous project intact.
"""

from __future__ import annotations

import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from glacier import Provider, PulumiCompiler, pipeline, task
from glacier.compiler.errors import (
    CompilerError,
    ConflictingConfigError,
    ExportError,
    InvalidNameError,
)
from glacier.compiler.package import make_package
from glacier.config import AwsConfig, AzureFunctionConfig, CloudFunctionConfig, LambdaConfig
from glacier.escape_hatch import PulumiProgramInjector
from tests.compiler.mockrun import run_program


@task
def call(fn: Any) -> Any:
    """Invokes a function (the pipeline then deploys it)."""
    return fn.invoke({})


@pytest.fixture
def handler_pkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable package ``shop`` next to secrets and data, like a real project."""
    root = tmp_path / "src"
    pkg = root / "shop"
    (pkg / "models").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "handlers.py").write_text("def handle(event):\n    return {'ok': True}\n")
    (pkg / "credentials.py").write_text("TOKEN_ENV = 'SHOP_TOKEN'\n")  # a source: packed
    (pkg / "models" / "model.json").write_text('{"w": 1}\n')
    (pkg / "models" / "notes.txt").write_text("notes\n")
    (pkg / ".env").write_text("SECRET=1\n")
    (pkg / "service-account.json").write_text('{"private_key": "x"}\n')
    (pkg / "models" / "server.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    (pkg / ".hidden").mkdir()
    (pkg / ".hidden" / "tool.py").write_text("X = 1\n")
    (root / ".env").write_text("ROOT_SECRET=1\n")
    monkeypatch.syspath_prepend(str(root))
    return root


def _aws_functions(*specs: tuple[str, LambdaConfig]) -> Any:
    """A pipeline on AWS invoking one Lambda function per ``(name, config)``."""
    provider = Provider(AwsConfig(region="us-east-1"))
    functions = [
        provider.serverless(name.replace(" ", "-"), "shop.handlers:handle", config=cfg, name=name)
        for name, cfg in specs
    ]

    @pipeline(name="build-safety")
    def flow() -> None:
        for fn in functions:
            call(fn)

    return flow


# -- item 6: build names ---------------------------------------------------------------------
def test_colliding_build_names_are_refused_at_compile(handler_pkg: Path, tmp_path: Path) -> None:
    flow = _aws_functions(("score v1", LambdaConfig()), ("score-v1", LambdaConfig()))
    with pytest.raises(ConflictingConfigError) as err:
        flow.compile(PulumiCompiler())
    message = str(err.value)
    assert "'score v1'" in message and "'score-v1'" in message
    assert "build/score-v1.zip" in message and "Rename one of them" in message
    # case only differs: one file on macOS/Windows file systems
    flow = _aws_functions(("Score", LambdaConfig()), ("score", LambdaConfig()))
    with pytest.raises(ConflictingConfigError, match="'Score' and function 'score'"):
        flow.compile(PulumiCompiler())


def test_lambda_names_aws_would_refuse_are_refused_at_compile(handler_pkg: Path) -> None:
    provider = Provider(AwsConfig(region="us-east-1"))
    fn = provider.serverless("score*v1", "shop.handlers:handle", name="scorer")

    @pipeline(name="lambda-name")
    def flow() -> None:
        call(fn)

    with pytest.raises(CompilerError, match="not a Lambda function name"):
        flow.compile(PulumiCompiler())


# -- item 6: what a package holds ------------------------------------------------------------
def test_package_holds_sources_and_declared_data_never_secrets(
    handler_pkg: Path, tmp_path: Path
) -> None:
    cfg = LambdaConfig(include=["shop/models/*.json", "shop/*"])
    infra = _aws_functions(("scorer", cfg)).compile(PulumiCompiler())
    out = infra.export_pulumi(tmp_path / "infra")
    with zipfile.ZipFile(out / "build" / "scorer.zip") as zf:
        names = sorted(zf.namelist())
    assert names == [
        "glacier_handler.py",
        "requirements.txt",
        "shop/__init__.py",
        "shop/credentials.py",
        "shop/handlers.py",
        "shop/models/model.json",
        "shop/models/notes.txt",
    ]
    assert (
        sorted(
            p.relative_to(out / "build" / "scorer").as_posix()
            for p in (out / "build" / "scorer").rglob("*")
            if p.is_file()
        )
        == names
    )
    readme = (out / "README.md").read_text()
    for name in names:
        assert f"  - `{name}`" in readme
    assert (
        "left out (look like secrets): `shop/.env`, `shop/.hidden/tool.py`, "
        "`shop/models/server.pem`, `shop/service-account.json`"
    ) in readme
    for secret in (".env", "SECRET", "private_key", "BEGIN PRIVATE KEY"):
        assert secret not in (out / "build" / "scorer.zip").read_bytes().decode("latin-1")


def test_default_package_is_python_sources_only(handler_pkg: Path, tmp_path: Path) -> None:
    spec = make_package("plain", "shop.handlers:handle", [])
    assert [f.arcname for f in spec.contents] == [
        "shop/__init__.py",
        "shop/credentials.py",
        "shop/handlers.py",
    ]
    assert spec.left_out == ()


@pytest.mark.parametrize(
    "include, message",
    [
        (["shop/*.csv"], "matches no file"),
        (["shop/service-account.json"], "only files that look like secrets"),
        (["shop/.env"], "only files that look like secrets"),
    ],
)
def test_include_patterns_that_pack_nothing_are_errors(
    handler_pkg: Path, include: list[str], message: str
) -> None:
    with pytest.raises(CompilerError, match=message):
        make_package("f", "shop.handlers:handle", [], include=include)


def test_include_cannot_leave_the_module_folder(handler_pkg: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    (handler_pkg / "shop" / "link.json").symlink_to(outside)
    with pytest.raises(CompilerError, match="resolves outside"):
        make_package("f", "shop.handlers:handle", [], include=["shop/link.json"])
    for bad in ("../outside.json", "/etc/passwd", "shop\\x.json", "a/./b"):
        with pytest.raises(ValidationError, match="include pattern"):
            LambdaConfig(include=[bad])


# -- item 8: requirement strings -------------------------------------------------------------
BAD_REQUIREMENTS = [
    "requests\n--extra-index-url https://evil.example/simple",
    "--extra-index-url https://evil.example/simple",
    "-e git+https://example.com/x.git",
    "-r other.txt",
    "pkg @ https://user:token@example.com/pkg.whl",
    "pkg @ https://token@example.com/pkg.whl",
    "requests; \n",
    "https://example.com/pkg.whl",
    "pkg # comment",
    "",
]


@pytest.mark.parametrize("bad", BAD_REQUIREMENTS)
@pytest.mark.parametrize("config", [LambdaConfig, AzureFunctionConfig, CloudFunctionConfig])
def test_configs_refuse_bad_requirements(config: type, bad: str) -> None:
    with pytest.raises(ValidationError, match="requirements entry"):
        config(requirements=[bad])


def test_configs_keep_good_requirements() -> None:
    good = [
        "polars>=1.0,<2",
        "pandas[parquet]==2.2.2; python_version >= '3.11'",
        "pkg @ https://example.com/pkg-1.0-py3-none-any.whl",
        "lib @ git+ssh://git@github.com/org/lib.git",
        "  numpy  ",
    ]
    assert LambdaConfig(requirements=good).requirements == [g.strip() for g in good]


def test_requirements_are_checked_at_compile_before_anything_is_written(
    handler_pkg: Path, tmp_path: Path
) -> None:
    # a config built without validation (model_construct) still cannot inject a line
    cfg = LambdaConfig.model_construct(
        **{**LambdaConfig().model_dump(), "requirements": ["ok\n--index-url http://evil/"]}
    )
    flow = _aws_functions(("scorer", cfg))
    with pytest.raises(CompilerError, match="newline"):
        flow.compile(PulumiCompiler())


def test_glue_modules_and_databricks_libraries_are_checked() -> None:
    from glacier.config import DatabricksConfig, GlueConfig

    with pytest.raises(ValidationError, match="additional_python_modules"):
        GlueConfig(additional_python_modules=["pandas\n--extra-index-url=x"])
    with pytest.raises(ValidationError, match="comma"):
        GlueConfig(additional_python_modules=["pandas>=1,<2"])
    assert (
        GlueConfig(
            additional_python_modules=[
                "pandas==2.2.2",
                "s3://my-bucket/wheels/x-1.0-py3-none-any.whl",
            ]
        )
        .additional_python_modules[1]
        .endswith(".whl")
    )
    with pytest.raises(ValidationError, match="libraries entry"):
        DatabricksConfig(libraries=["glacier-core\n-e ."])


# -- item 9: forged custom-code markers ------------------------------------------------------
def _forging_path() -> str:
    """A bucket path whose comment, wrapped at the program's width, puts both markers of a
    region on lines of their own (what the held-out probe did)."""
    for pad in range(1, 100):
        path = (
            f"{'a' * pad} >>> glacier:custom-code 1 >>> {'y' * 95} "
            f"<<< glacier:custom-code 1 <<< {'z' * 95}/"
        )
        text = f"Glacier bucket 'lake' ({path}) -> S3 bucket 'lake'"
        lines = {"# " + line for line in textwrap.wrap(text, 98)}
        if {"# >>> glacier:custom-code 1 >>>", "# <<< glacier:custom-code 1 <<<"} <= lines:
            return path
    raise AssertionError("no forging path found")


@task
def scan_it(source: Any) -> Any:
    return source.scan()


def test_bucket_paths_cannot_forge_regions_and_reexport_is_idempotent(tmp_path: Path) -> None:
    provider = Provider(AwsConfig(region="us-east-1"))
    forged = provider.bucket("lake", path=_forging_path(), name="lake")
    marker_name = provider.bucket("lake", path="x/glacier:custom-code/", name="lake2")

    @pipeline(name="forge")
    def flow() -> None:
        scan_it(forged)
        scan_it(marker_name)

    infra = flow.compile(PulumiCompiler())
    assert "glacier:custom-code" not in infra.program
    out = tmp_path / "infra"
    infra.export_pulumi(out)
    PulumiProgramInjector(out).add_custom_code('pulumi.export("mine", 1)').save()
    first = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    for _ in range(4):
        flow.compile(PulumiCompiler()).export_pulumi(out)
        assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == first
    text = first["__main__.py"].decode()
    assert text.count("# >>> glacier:custom-code") == 1
    assert text.count('pulumi.export("mine", 1)') == 1


# -- item 11: names and transactional export -------------------------------------------------
@pytest.mark.parametrize(
    "name, message",
    [("bad\ud800name", "lone surrogate"), ("n" * 5000, "5,000 characters"), ("a\nb", "newline")],
)
def test_bad_names_are_refused_at_compile(tmp_path: Path, name: str, message: str) -> None:
    provider = Provider(AwsConfig(region="us-east-1"))
    bucket = provider.bucket("lake", path="events/", name=name)

    @pipeline(name="names")
    def flow() -> None:
        scan_it(bucket)

    with pytest.raises(InvalidNameError, match=message):
        flow.compile(PulumiCompiler())


def _project(provider: Provider, path: str) -> Any:
    bucket = provider.bucket("lake", path=path, name="lake")

    @pipeline(name="atomic")
    def flow() -> None:
        scan_it(bucket)

    return flow.compile(PulumiCompiler())


def test_failed_export_leaves_the_previous_project_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = Provider(AwsConfig(region="us-east-1"))
    out = tmp_path / "infra"
    _project(provider, "old/").export_pulumi(out)
    PulumiProgramInjector(out).add_custom_code('pulumi.export("kept", 1)').save()
    (out / "Pulumi.dev.yaml").write_text("config: {}\n")  # the user's stack config
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    new = _project(provider, "new/")
    monkeypatch.setattr(type(new), "readme", lambda self: "\ud800")  # unencodable
    with pytest.raises(ExportError, match="previous project there is unchanged"):
        new.export_pulumi(out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["infra"]  # no staging leftovers

    # an OS failure while moving entries into place is rolled back too
    import glacier.compiler.infra as program

    real_replace = program.os.replace
    calls = {"n": 0}

    def flaky_replace(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.undo()
    monkeypatch.setattr(program.os, "replace", flaky_replace)
    with pytest.raises(ExportError, match="previous project there is unchanged"):
        _project(provider, "new/").export_pulumi(out)
    monkeypatch.undo()
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["infra"]

    # and a successful export keeps the user's files and the custom code
    _project(provider, "new/").export_pulumi(out)
    assert (out / "Pulumi.dev.yaml").read_text() == "config: {}\n"
    main = (out / "__main__.py").read_text()
    assert 'pulumi.export("kept", 1)' in main and "new/" in main
    assert len(run_program(out).of_type("aws:s3/bucket:Bucket")) == 1
