"""Fixtures of the deploy tests: a small user project on disk, and no record in force."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from glacier.deploy import record as record_module


@pytest.fixture(autouse=True)
def no_deployment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No deployment record from the environment unless a test sets one; a private cache."""
    monkeypatch.delenv(record_module.RECORD_ENV, raising=False)
    monkeypatch.delenv(record_module.STACK_ENV, raising=False)
    monkeypatch.setenv("GLACIER_CACHE_DIR", str(tmp_path / "glacier-cache"))
    record_module._cache.clear()
    yield
    record_module._cache.clear()


def write_project(root: Path) -> Path:
    """A project: a pipeline in ``pipelines/`` importing a local package (with a relative
    import), a third-party package and glacier; plus files that must never be packed.
    Returns the pipeline file."""
    files = {
        "pyproject.toml": '[project]\nname = "shop"\nversion = "1.0"\n',
        "pipelines/daily.py": """
            import polars as pl
            import requests  # third-party, pinned from this environment

            from glacier import Provider, pipeline, task
            from glacier.config import LocalConfig
            from helpers.clean import positive

            provider = Provider(config=LocalConfig(base_path="data"))
            raw = provider.bucket("lake", path="raw/orders.parquet")
            out = provider.bucket("lake", path="clean/orders.parquet")


            @task
            def load(source):
                return source.scan()


            @task(depends_on=[load])
            def clean(df):
                return positive(df)


            @task(depends_on=[clean])
            def save(df, destination):
                destination.write(df)


            @pipeline(name="daily-orders")
            def daily():
                save(clean(load(raw)), out)
        """,
        "helpers/__init__.py": "",
        "helpers/clean.py": """
            import polars as pl

            from .util import column


            def positive(df):
                return df.filter(pl.col(column()) > 0)
        """,
        "helpers/util.py": "def column():\n    return 'amount'\n",
        "helpers/api.py": """
            import polars as pl

            from .util import column


            def handle(event, context=None):
                frame = pl.DataFrame({column(): event["values"]})
                return {"total": frame[column()].sum(), "module": __file__}
        """,
        "unused.py": "raise SystemExit('never imported')\n",
        ".env": "AWS_SECRET_ACCESS_KEY=do-not-ship\n",
        "keys/deploy.pem": "-----BEGIN PRIVATE KEY-----\n",
        "sql/report.sql": "select 1\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root / "pipelines" / "daily.py"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "shop")
