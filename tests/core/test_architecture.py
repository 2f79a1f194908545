"""The architecture contracts (lint-imports, run by scripts/test.sh) stay complete: every
module of glacier is forbidden to plugins except the published API, and every module has a
layer, so a new module cannot slip past the contracts by not being listed."""

from __future__ import annotations

import ast
import pkgutil
import tomllib
from pathlib import Path

import glacier
import glacier.deploy

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_SOURCES = [
    ROOT / "packages" / name / "src"
    for name in ("glacier-aws", "glacier-azure", "glacier-gcp", "glacier-databricks")
] + [ROOT / "examples" / name / "src" for name in ("glacier-emr", "glacier-minio")]


def _contracts() -> dict[str, dict]:  # type: ignore[type-arg]
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _children(package: object) -> set[str]:
    name = package.__name__  # type: ignore[attr-defined]
    return {f"{name}.{m.name}" for m in pkgutil.iter_modules(package.__path__)}  # type: ignore[attr-defined]


def _layer_modules() -> set[str]:
    layers = _contracts()["Core layers run one way (high to low)"]["layers"]
    return {m.strip() for layer in layers for m in layer.replace("|", ":").split(":")}


def test_plugins_are_forbidden_every_module_but_the_published_api() -> None:
    contract = _contracts()["Plugins import only the published plugin API (glacier.plugin)"]
    expected = _children(glacier) - {"glacier.plugin", "glacier.__main__"}
    assert set(contract["forbidden_modules"]) == expected


def test_every_core_module_has_a_layer() -> None:
    listed = _layer_modules()
    deploy = _children(glacier.deploy)
    expected = (_children(glacier) - {"glacier.deploy"}) | deploy
    assert expected - listed == set(), "give these modules a layer in pyproject.toml"
    assert listed - expected == set(), "these layers name modules that do not exist"


def test_plugins_do_not_import_the_glacier_package_itself() -> None:
    """``from glacier import Provider`` would bypass the published API (the forbidden
    contract cannot forbid ``glacier`` without forbidding ``glacier.plugin``)."""
    found = []
    for source in PLUGIN_SOURCES:
        for path in source.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module == "glacier":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if isinstance(node, ast.Import) and any(a.name == "glacier" for a in node.names):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
