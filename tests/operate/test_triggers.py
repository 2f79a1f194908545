"""Bucket triggers under glacier serve: a local file drop (watcher), an S3 object (polling),
dedupe of repeated deliveries across restarts, bounded concurrency."""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import polars as pl
import pytest

from glacier import Bucket, Provider, pipeline, task
from glacier.errors import ConfigError, PipelineDefinitionError
from glacier.runs.store import RunStore
from glacier.schedule import OnWrite
from glacier.serve import Server
from tests.polling import wait_until
from tests.storage.storage_servers import CONTRACT_BUCKET

DEADLINE = 30.0


def wait_for(check: Callable[[], object], timeout: float = DEADLINE) -> bool:
    """True once ``check()`` is truthy; fails the test after ``timeout`` seconds."""
    return bool(wait_until(check, "the server to get there", timeout))


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join(timeout=DEADLINE)


def _ingest(landing: Bucket, seen: list[str], name: str = "ingest"):  # type: ignore[no-untyped-def]
    @task
    def read(uri: str) -> int:
        seen.append(uri)
        return 1

    @pipeline(name=name, triggers=[OnWrite(landing, suffix=".parquet", param="uri")])
    def ingest(uri: str):  # type: ignore[no-untyped-def]
        read(uri)

    return ingest


FRAME = pl.DataFrame({"a": [1, 2]})


def test_trigger_definition_errors_are_clear(local_provider: Provider) -> None:
    landing = local_provider.bucket("lake", path="landing/")
    with pytest.raises(PipelineDefinitionError, match="parameter 'path'.*no such parameter"):

        @pipeline(triggers=OnWrite(landing, param="path"))
        def p(uri: str):  # type: ignore[no-untyped-def]
            pass

    with pytest.raises(PipelineDefinitionError, match="needs a bucket made with provider"):
        OnWrite("s3://x/y")  # type: ignore[arg-type]
    with pytest.raises(PipelineDefinitionError, match="triggers= takes OnWrite"):

        @pipeline(triggers=["x"])
        def q():  # type: ignore[no-untyped-def]
            pass


def test_a_file_dropped_in_a_local_bucket_triggers_one_run(
    local_provider: Provider, store: RunStore
) -> None:
    landing = local_provider.bucket("lake", path="landing/")
    local_provider.bucket("lake", path="landing/old.parquet").write(FRAME)  # before serve
    seen: list[str] = []
    pipe = _ingest(landing, seen)
    # A long poll interval: only the file watcher can notice the drop in time.
    server = Server([pipe], poll_interval=3600, stream=io.StringIO())
    with serving(server):
        assert server.ready.wait(DEADLINE)
        assert server.wait_watching()
        dropped = local_provider.bucket("lake", path="landing/day=1/new.parquet")
        dropped.write(FRAME)
        local_provider.bucket("lake", path="landing/notes.csv").write(FRAME)  # wrong suffix
        assert wait_for(lambda: len(list(store.records("ingest"))) == 1)
        assert wait_for(lambda: server.launches and server.launches[0].done.is_set())
        # more changes make the watcher rescan; the dropped file does not fire again
        rescans = server.sources[0].listings
        local_provider.bucket("lake", path="landing/_tmp/x.parquet").write(FRAME)  # ignored
        server.wake.set()
        assert wait_for(lambda: server.sources[0].listings > rescans)
    assert seen == [dropped.get_uri()]
    (record,) = store.records("ingest")
    assert record.status == "succeeded"
    assert record.trigger["kind"] == "event" and record.trigger["uri"] == dropped.get_uri()
    assert record.params == {"uri": dropped.get_uri()}

    # Restart: the same object version never fires again; a rewrite (new version) does.
    again = Server([pipe], poll_interval=3600, stream=io.StringIO())
    assert again.step() == 0
    again.shutdown()
    time.sleep(0.01)  # a new mtime for the rewrite
    dropped.write(FRAME)
    third = Server([pipe], poll_interval=3600, settle=0.0, stream=io.StringIO())
    assert third.step() == 1
    assert third.wait_idle()
    third.shutdown()
    assert seen == [dropped.get_uri()] * 2


def test_repeated_deliveries_of_one_event_run_once(
    local_provider: Provider, store: RunStore
) -> None:
    landing = local_provider.bucket("lake", path="in/")
    seen: list[str] = []
    pipe = _ingest(landing, seen, name="dedupe")
    server = Server([pipe], watch=False, poll_interval=0.05, settle=0.0, stream=io.StringIO())
    server.start()
    local_provider.bucket("lake", path="in/a.parquet").write(FRAME)
    for _ in range(5):  # the same object seen by five scans (five deliveries)
        (server.sources[0]).poke()
        server.step()
    assert server.wait_idle()
    server.shutdown()
    assert len(seen) == 1
    assert len(list(store.records("dedupe"))) == 1


def test_a_bucket_annotated_parameter_gets_the_written_object(
    local_provider: Provider, store: RunStore
) -> None:
    landing = local_provider.bucket("lake", path="drop/")
    rows: list[int] = []

    @task
    def count(obj: Bucket) -> None:
        rows.append(obj.read().height)

    @pipeline(name="typed", triggers=OnWrite(landing, suffix=".parquet", param="obj"))
    def typed(obj: Bucket):  # type: ignore[no-untyped-def]
        count(obj)

    server = Server([typed], watch=False, settle=0.0, stream=io.StringIO())
    server.start()
    local_provider.bucket("lake", path="drop/x.parquet").write(FRAME)
    server.sources[0].poke()
    assert server.step() == 1
    assert server.wait_idle()
    server.shutdown()
    assert rows == [2]


def test_an_object_written_to_moto_s3_triggers_a_run_by_polling(
    s3_provider: Provider, store: RunStore
) -> None:
    prefix = f"landing-{uuid.uuid4().hex[:8]}/"
    landing = s3_provider.bucket(CONTRACT_BUCKET, path=prefix)
    seen: list[str] = []
    pipe = _ingest(landing, seen, name="s3ingest")
    server = Server([pipe], poll_interval=0.2, stream=io.StringIO())
    assert not server.watch  # object stores are polled
    with serving(server):
        assert server.ready.wait(DEADLINE)
        obj = s3_provider.bucket(CONTRACT_BUCKET, path=f"{prefix}2026/orders.parquet")
        obj.write(FRAME)
        assert wait_for(lambda: len(list(store.records("s3ingest"))) == 1)
        assert wait_for(lambda: all(launch.done.is_set() for launch in server.launches))
        polls = server.sources[0].listings
        assert wait_for(lambda: server.sources[0].listings >= polls + 2)  # no second run
    assert seen == [f"s3://{CONTRACT_BUCKET}/{prefix}2026/orders.parquet"]
    (record,) = store.records("s3ingest")
    assert record.status == "succeeded"
    assert record.trigger["version"].startswith("ETag:")


def test_runs_never_exceed_max_concurrent(local_provider: Provider, store: RunStore) -> None:
    landing = local_provider.bucket("lake", path="burst/")
    lock = threading.Lock()
    active, peak = [0], [0]
    release = threading.Event()

    @task
    def hold(uri: str) -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        release.wait(DEADLINE)
        with lock:
            active[0] -= 1

    @pipeline(name="burst", triggers=OnWrite(landing, param="uri"))
    def burst(uri: str):  # type: ignore[no-untyped-def]
        hold(uri)

    server = Server([burst], watch=False, max_concurrent=2, settle=0.0, stream=io.StringIO())
    server.start()
    for i in range(5):
        local_provider.bucket("lake", path=f"burst/{i}.parquet").write(FRAME)
    server.sources[0].poke()
    assert server.step() == 5
    assert wait_for(lambda: active[0] == 2)
    assert len(server.running) == 2 and len(server.queue) == 3
    release.set()
    assert server.wait_idle()
    server.shutdown()
    assert peak[0] == 2
    assert len(list(store.records("burst"))) == 5


def test_serve_refuses_pipelines_without_records_or_work(local_provider: Provider) -> None:
    landing = local_provider.bucket("lake", path="x/")

    @pipeline(name="quiet", triggers=OnWrite(landing), runs=False)
    def quiet():  # type: ignore[no-untyped-def]
        pass

    with pytest.raises(ConfigError, match="run records turned off"):
        Server([quiet])

    @pipeline(name="idle")
    def idle():  # type: ignore[no-untyped-def]
        pass

    with pytest.raises(ConfigError, match="Nothing to serve"):
        Server([idle])
