"""Static access analysis and declared access."""

from __future__ import annotations

import pytest

from glacier import Provider, PulumiCompiler, pipeline, task
from glacier.compiler.errors import AccessAnalysisError
from glacier.config import AwsConfig, GlueConfig
from glacier.dag.access import analyze_function

provider = Provider(config=AwsConfig(region="us-east-1"))
raw = provider.bucket("lake", path="raw/", name="raw")
out = provider.bucket("lake", path="out/x.parquet", name="out")
audit = provider.bucket("audit-b", path="log/", name="audit")
glue = provider.executor("etl", config=GlueConfig())


def helper(bucket):
    return bucket.scan()


def test_parameters_and_globals() -> None:
    def fn(src, dst):
        if src.exists():
            dst.write(src.scan())
        audit.delete()
        return src.get_uri()

    result = analyze_function(fn, {"src": raw, "dst": out})
    assert set(result.reads) == {id(raw)}
    assert set(result.writes) == {id(out), id(audit)}
    assert not result.unknown


def test_aliases_loops_and_subscripts() -> None:
    def fn(buckets, one):
        alias = one
        alias.list()
        for b in buckets:
            b.write(None)
        buckets[0].read()

    result = analyze_function(fn, {"buckets": [out, audit], "one": raw})
    assert set(result.reads) == {id(raw), id(out), id(audit)}
    assert set(result.writes) == {id(out), id(audit)}


def test_escaping_use_is_unknown() -> None:
    def fn(src):
        return helper(src)

    result = analyze_function(fn, {"src": raw})
    assert id(raw) in result.unknown


@task(executor=glue)
def opaque(src, dst):
    dst.write(helper(src))


@pipeline(name="opaque")
def opaque_pipeline():
    opaque(raw, out)


def test_unknown_access_is_a_compile_error_naming_the_fix() -> None:
    with pytest.raises(AccessAnalysisError, match=r"opaque.*raw.*PulumiCompiler\(access="):
        opaque_pipeline.compile(PulumiCompiler())


def test_declared_access_resolves_it() -> None:
    infra = opaque_pipeline.compile(PulumiCompiler(access={"opaque": {"reads": ["raw"]}}))
    (etl,) = infra.ir.executors
    assert {(g.bucket, g.prefix, g.mode) for g in etl.grants} == {
        ("aws-us-east-1/lake", "raw/", "read"),
        ("aws-us-east-1/lake", "out/x.parquet", "write"),
    }
    task_ir = infra.ir.tasks[0]
    assert task_ir.reads == ("raw",) and task_ir.writes == ("out",) and task_ir.runs_on == "etl"


def test_declared_access_validates_names() -> None:
    with pytest.raises(AccessAnalysisError, match="names no task"):
        opaque_pipeline.compile(PulumiCompiler(access={"nope": {"reads": [raw]}}))
    with pytest.raises(AccessAnalysisError, match="not a bucket"):
        opaque_pipeline.compile(PulumiCompiler(access={"opaque": {"reads": ["missing"]}}))


def test_same_bucket_name_is_one_cloud_bucket() -> None:
    infra = opaque_pipeline.compile(PulumiCompiler(access={"opaque": {"reads": [raw]}}))
    (lake,) = [b for b in infra.ir.buckets if b.bucket_name == "lake"]
    assert lake.names == ["raw", "out"] and lake.readers == ["opaque"]
