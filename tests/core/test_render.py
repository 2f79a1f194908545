"""``glacier graph``: read/write direction, executors grouped, functions drawn distinctly."""

from __future__ import annotations

from glacier import Provider, pipeline, task
from glacier.config import LocalExecutorConfig, LocalFunctionConfig


def _handler(event: dict) -> dict:
    return event


def test_reads_writes_executors_and_functions(local_provider: Provider) -> None:
    raw = local_provider.bucket("lake", path="raw/")
    curated = local_provider.bucket("lake", path="curated.parquet")
    audit = local_provider.bucket("audit", path="log.parquet")
    workers = local_provider.executor("workers", config=LocalExecutorConfig())
    notify_fn = local_provider.serverless("notify", handler=_handler, config=LocalFunctionConfig())

    @task(executor=workers)
    def clean(source, destination):  # type: ignore[no-untyped-def]
        destination.write(source.scan())

    @task(depends_on=[clean])
    def publish(fn, target):  # type: ignore[no-untyped-def]
        audit.write(target.read())  # a module-level/closure bucket is analysed too
        return fn.invoke({})

    @task
    def opaque(bucket):  # type: ignore[no-untyped-def]
        return helper(bucket)  # access analysis cannot follow this

    def helper(b):  # type: ignore[no-untyped-def]
        return b

    @pipeline(name="g")
    def g():  # type: ignore[no-untyped-def]
        clean(raw, curated)
        publish(notify_fn, curated)
        opaque(raw)

    mermaid = g.graph()
    assert mermaid.splitlines()[:8] == [
        "flowchart TD",
        '    t1["opaque"]',
        '    t2["publish"]',
        '    subgraph x0["executor workers (LocalExecutorConfig)"]',
        '        t0["clean"]',
        "    end",
        '    b0[("lake/raw/")]',
        '    b1[("lake/curated.parquet")]',
    ]
    assert '    b2[("audit/log.parquet")]' in mermaid
    assert '    f0{{"function notify (LocalFunctionConfig)"}}' in mermaid
    edges = set(mermaid.splitlines()[10:])
    assert {
        "    b0 --> t0",  # clean reads raw
        "    t0 --> b1",  # clean writes curated
        "    b1 --> t2",  # publish reads curated
        "    t2 --> b2",  # publish writes audit (a closure variable)
        "    t2 -->|invokes| f0",
        "    t0 -.-> t2",  # depends_on only
        "    b0 -.- t1",  # passed, access unknown
    } <= edges, mermaid

    dot = g.graph(format="dot")
    assert 'subgraph "cluster_x0" {' in dot
    assert 'label="executor workers (LocalExecutorConfig)";' in dot
    assert '"bucket:lake/raw/" -> "clean";' in dot
    assert '"clean" -> "bucket:lake/curated.parquet";' in dot
    assert '"function notify (LocalFunctionConfig)" [shape=hexagon];' in dot
    assert '"publish" -> "function notify (LocalFunctionConfig)" [label="invokes"];' in dot
    assert '"bucket:lake/raw/" -> "opaque" [style=dotted, dir=none];' in dot
    assert '"clean" -> "publish" [style=dashed];' in dot
