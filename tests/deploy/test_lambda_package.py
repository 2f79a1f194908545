"""Lambda zips vendor the artifact's requirements for Lambda's platform (from the package
index): Polars' manylinux wheel, not this machine's."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from glacier.deploy.artifact import package_pipeline
from glacier.deploy.lambda_package import lambda_platforms, package_lambda
from glacier.errors import ArtifactError

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("python", "arch", "tags"),
    [
        ("3.11", "x86_64", ["manylinux2014_x86_64"]),
        ("3.12", "arm64", ["manylinux_2_28_aarch64", "manylinux2014_aarch64"]),
    ],
)
def test_platform_tags(python: str, arch: str, tags: list[str]) -> None:
    assert lambda_platforms(python, arch) == tags


def test_bad_platform_input() -> None:
    with pytest.raises(ArtifactError, match="x86_64 or arm64"):
        lambda_platforms("3.11", "sparc")
    with pytest.raises(ArtifactError, match="3.11 or newer"):
        lambda_platforms("3.9", "x86_64")


def test_lambda_zip_vendors_manylinux_polars(project: Path, tmp_path: Path) -> None:
    built = package_pipeline(str(project), tmp_path / "dist")
    wrapper = "def handler(event, context):\n    return event\n"
    package = package_lambda(
        built.path,
        tmp_path / "daily.zip",
        architecture="x86_64",
        python_version="3.11",
        files={"glacier_handler.py": wrapper},
    )
    with zipfile.ZipFile(package.path) as zf:
        names = zf.namelist()
        assert zf.read("glacier_handler.py").decode() == wrapper
    # The user's code, Glacier, and the requirements, at the zip's root (Lambda's sys.path).
    for expected in ("daily.py", "helpers/clean.py", "glacier/__init__.py", "requests/__init__.py"):
        assert expected in names
    # Polars' compiled runtime is the Linux x86_64 build (an ELF .so), whatever builds it.
    binaries = [n for n in names if n.startswith("_polars_runtime") and n.endswith(".so")]
    assert binaries, sorted({n.split("/")[0] for n in names})
    with zipfile.ZipFile(package.path) as zf:
        assert zf.read(binaries[0])[:4] == b"\x7fELF"
    wheel_tags = [n for n in names if n.endswith(".dist-info/WHEEL") and "polars_runtime" in n]
    with zipfile.ZipFile(package.path) as zf:
        assert "manylinux" in zf.read(wheel_tags[0]).decode()
    assert not any(n.startswith("bin/") or "__pycache__" in n for n in names)
    assert not any(n.endswith("direct_url.json") for n in names)  # no local paths
    assert package.unzipped_bytes < 250 * 1024 * 1024


def test_the_lambda_zip_runs_alone_behind_the_invoke_api(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The zip built for manylinux2014_x86_64/cp311 (this machine's platform), unzipped and run
    with nothing but the standard library and itself (``python -S``), behind a stand-in of the
    Invoke API; boto3 calls the deployed name from the deployment record."""
    import sys

    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "compute"))
    from fake_functions import fake_functions

    from glacier import Provider
    from glacier.config import AwsConfig, LambdaConfig
    from glacier.deploy.record import RECORD_ENV, DeploymentRecord

    if sys.platform != "linux" or sys.version_info[:2] != (3, 11):
        pytest.fail("this test runs the Linux x86_64 / CPython 3.11 package here")
    built = package_pipeline(str(project), tmp_path / "dist", extra_modules=["helpers.api"])
    package = package_lambda(built.path, tmp_path / "fn.zip")
    unzipped = tmp_path / "lambda-task-root"
    with zipfile.ZipFile(package.path) as zf:
        zf.extractall(unzipped)
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA"):
        monkeypatch.delenv(var, raising=False)
    deployed = "score-prod-7f3a"
    with fake_functions({deployed: "helpers.api:handle"}, {deployed: str(unzipped)}) as fake:
        record = DeploymentRecord(
            pipeline="daily-orders",
            stack="prod",
            resources={"score": {"kind": "function", "name": deployed}},  # type: ignore[dict-item]
        )
        monkeypatch.setenv(RECORD_ENV, record.to_json())
        aws = Provider(
            config=AwsConfig(region="us-east-1", access_key_id="k", secret_access_key="s")
        )  # type: ignore[arg-type]
        fn = aws.serverless(
            "score", "helpers.api:handle", config=LambdaConfig(endpoint_url=fake.url)
        )
        result = fn.invoke({"values": [1.5, 2.5]})
    assert result["total"] == 4.0
    assert Path(result["module"]).is_relative_to(unzipped)
    assert fake.calls == [("lambda", deployed)]
