"""Function code packages: built by export_pulumi, deterministic, and runnable in isolation.

Each built zip is unpacked into a temp dir and its cloud wrapper is imported and called in a
clean subprocess (``python -I``) whose ``sys.path`` is that dir plus, only when the package
declares a requirement (azure-functions, functions-framework), the venv's site-packages.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest

from glacier.compiler.errors import CompilerError
from glacier.compiler.package import (
    GLACIER_REQUIREMENT,
    build_package,
    deterministic_zip,
    make_package,
)
from tests.compiler.conftest import ROOT

EXAMPLE = ROOT / "examples" / "compute"
if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))

SITE = sysconfig.get_paths()["purelib"]


def _run_isolated(directory: Path, code: str, with_site: bool) -> Any:
    """Run ``code`` with ``python -I`` and only ``directory`` (+ site-packages) on sys.path;
    the code prints a JSON result on its last line."""
    paths = [str(directory)] + ([SITE] if with_site else [])
    prelude = f"import sys\nsys.path[:] = {paths!r} + [p for p in sys.path if 'site-packages' not in p and p]\n"
    done = subprocess.run(
        [sys.executable, "-I", "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=directory,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _unpack(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(into)
    return into


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from compute_pipeline import azure_compute, compile_aws, gcp_compute

    from glacier import PulumiCompiler

    out: dict[str, Path] = {}
    for cloud, infra in (
        ("aws", compile_aws()),
        ("azure", azure_compute.compile(PulumiCompiler())),
        ("gcp", gcp_compute.compile(PulumiCompiler())),
    ):
        out[cloud] = infra.export_pulumi(tmp_path_factory.mktemp(cloud))
    return out


def test_lambda_package_runs_in_isolation(exported: dict[str, Path], tmp_path: Path) -> None:
    archive = exported["aws"] / "build" / "scorer.zip"
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == [
            "compute_handlers.py",
            "glacier_handler.py",
            "requirements.txt",
        ]
        assert zf.read("requirements.txt") == b""  # plain handler: nothing to install
    code = """
        import json, sys
        import glacier_handler
        result = glacier_handler.handler({"amounts": [50, 150, 250]}, object())
        leaked = [m for m in sys.modules if m.split(".")[0] in ("glacier", "polars", "pulumi")]
        print(json.dumps({"result": result, "leaked": leaked}))
    """
    got = _run_isolated(_unpack(archive, tmp_path), code, with_site=False)
    assert got["leaked"] == []
    assert got["result"] == {"count": 3, "total": 450.0, "large_share": 2 / 3}


def test_lambda_wrapper_passes_context(tmp_path: Path) -> None:
    from compute_handlers import score_with_context

    from glacier.compiler.package import package_archive
    from glacier_aws.pulumi.compute import LAMBDA_ENTRY, lambda_wrapper

    ref = f"{score_with_context.__module__}:score_with_context"
    spec = make_package("ctx", ref, [], files=[(LAMBDA_ENTRY, lambda_wrapper(ref))])
    build_package(spec, tmp_path / "proj")
    code = """
        import json, types
        import glacier_handler
        ctx = types.SimpleNamespace(aws_request_id="req-1")
        print(json.dumps(glacier_handler.handler({"amounts": [1]}, ctx)))
    """
    unpacked = _unpack(tmp_path / "proj" / package_archive("ctx"), tmp_path / "run")
    assert _run_isolated(unpacked, code, with_site=False)["request_id"] == "req-1"


def test_azure_package_runs_through_http_trigger(exported: dict[str, Path], tmp_path: Path) -> None:
    pytest.importorskip("azure.functions")
    archive = exported["azure"] / "build" / "az_scorer.zip"
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        requirements = zf.read("requirements.txt").decode().split()
        host = json.loads(zf.read("host.json"))
    assert {"function_app.py", "host.json", "compute_handlers.py"} <= names
    assert requirements == ["azure-functions>=1.17"]
    assert host == {"version": "2.0", "functionTimeout": "00:05:00"}
    code = """
        import json
        import azure.functions as func
        import function_app
        fn = function_app.app.get_functions()[0]
        assert fn.get_trigger().route == "score", fn.get_trigger().route
        call = fn.get_user_function()
        ok = call(func.HttpRequest("POST", "/api/score", body=b'{"amounts": [200]}'))
        bad = call(func.HttpRequest("POST", "/api/score", body=b'{"amounts": ["x"]}'))
        print(json.dumps({"ok": [ok.status_code, json.loads(ok.get_body())],
                          "bad": [bad.status_code, json.loads(bad.get_body())]}))
    """
    got = _run_isolated(_unpack(archive, tmp_path), code, with_site=True)
    assert got["ok"] == [200, {"count": 1, "total": 200.0, "large_share": 1.0}]
    assert got["bad"][0] == 500 and got["bad"][1]["type"] == "ValueError"


def test_gcp_package_runs_through_functions_framework(
    exported: dict[str, Path], tmp_path: Path
) -> None:
    pytest.importorskip("functions_framework")
    archive = exported["gcp"] / "build" / "gcf_scorer.zip"
    with zipfile.ZipFile(archive) as zf:
        assert zf.read("requirements.txt").decode().split() == ["functions-framework>=3.5"]
    code = """
        import json
        from functions_framework import create_app
        client = create_app("glacier_entry", "main.py").test_client()
        ok = client.post("/", json={"amounts": [10, 20]})
        bad = client.post("/", json={"amounts": ["x"]})
        print(json.dumps({"ok": [ok.status_code, ok.get_json()],
                          "bad": [bad.status_code, bad.get_json()]}))
    """
    got = _run_isolated(_unpack(archive, tmp_path), code, with_site=True)
    assert got["ok"] == [200, {"count": 2, "total": 30.0, "large_share": 0.0}]
    assert got["bad"][0] == 500 and got["bad"][1]["type"] == "ValueError"


def test_zip_is_deterministic(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "b.py").write_text("B = 1\n")
    (src / "pkg" / "a.py").write_text("A = 1\n")
    deterministic_zip(src, tmp_path / "one.zip")
    (src / "b.py").touch()  # a newer mtime changes nothing
    deterministic_zip(src, tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as zf:
        assert zf.namelist() == ["b.py", "pkg/a.py"]
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_package_copies_whole_package_and_adds_glacier(tmp_path: Path, monkeypatch) -> None:
    pkg = tmp_path / "mods" / "myhandlers"
    (pkg / "__pycache__").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (pkg / "orders.py").write_text("from glacier import task\n\ndef handle(event):\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path / "mods"))
    spec = make_package("orders", "myhandlers.orders:handle", ["polars>=1.0", "polars>=1.0"])
    assert spec.requirements == ("polars>=1.0", GLACIER_REQUIREMENT)
    archive = build_package(spec, tmp_path / "proj")
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == [
            "myhandlers/__init__.py",
            "myhandlers/orders.py",
            "requirements.txt",
        ]


def test_unpackageable_handlers_are_refused() -> None:
    with pytest.raises(CompilerError, match="__main__"):
        make_package("x", "__main__:handler", [])
    with pytest.raises(CompilerError, match="Cannot locate"):
        make_package("x", "no_such_module_glacier_test:handler", [])
    with pytest.raises(CompilerError, match="rename the module"):
        make_package("x", "glacier_handler:handler", [], files=[("glacier_handler.py", "")])
