"""Repeated deliveries of one cloud start run the pipeline once, exercised for real.

The driver's command is run in-process (``glacier run FILE:pipeline --event-uri ...``) as a
bucket event and a scheduler would start it, twice per start; the task counts its runs in a
file. The claim behind it is a conditional create in the run store: a hard link on a local
folder, ``If-None-Match: *`` on S3 (moto server), and of concurrent claimers exactly one wins.
"""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glacier.cli.main import main
from glacier.runs.blobs import LocalBlobs
from glacier.runs.cloud import CloudStart, claim
from glacier.runs.store import BucketRunStore

PIPELINE = """
    from datetime import date
    from pathlib import Path

    from glacier import Provider, pipeline, task
    from glacier.config import LocalConfig
    from glacier.schedule import OnWrite, Schedule

    HERE = Path(__file__).parent
    provider = Provider(config=LocalConfig(base_path=HERE / "data"))
    landing = provider.bucket("lake", path="landing/")


    @task
    def count(value: str) -> None:
        with open(HERE / "runs.txt", "a") as fh:
            fh.write(value + "\\n")


    @pipeline(name="ingest", triggers=[OnWrite(landing, suffix=".csv", param="uri")])
    def ingest(uri: str) -> None:
        count(uri)


    @pipeline(
        name="nightly", schedule=Schedule("0 2 * * *", timezone="Europe/Paris", param="day")
    )
    def nightly(day: date) -> None:
        count(day.isoformat())


    @pipeline(name="tokyo", schedule=Schedule("0 0 * * *", timezone="Asia/Tokyo", param="day"))
    def tokyo(day: date) -> None:
        count("tokyo " + day.isoformat())
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "ops.py").write_text(textwrap.dedent(PIPELINE))
    monkeypatch.setenv("GLACIER_RUNS_URI", str(tmp_path / "records"))
    monkeypatch.delenv("GLACIER_DEPLOYMENT", raising=False)
    monkeypatch.delenv("GLACIER_STACK", raising=False)
    for var in ("AWS_REGION", "AZURE_STORAGE_ACCOUNT", "GCP_PROJECT"):
        monkeypatch.delenv(var, raising=False)
    from glacier.runs import config as runs_config

    runs_config._cache.clear()
    yield tmp_path
    runs_config._cache.clear()


def _runs(project: Path) -> list[str]:
    path = project / "runs.txt"
    return path.read_text().splitlines() if path.exists() else []


def _records(project: Path, pipeline: str) -> list[Path]:
    return sorted((project / "records" / pipeline).glob("*.json"))


def test_two_deliveries_of_one_object_event_run_once(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    target = f"{project / 'ops.py'}:ingest"
    uri = (project / "data" / "lake" / "landing" / "2026-11-01.csv").as_uri()
    args = ["run", target, "-q", "--event-uri", uri, "--event-version", "0055AED6DCD9"]
    assert main(args) == 0
    assert main(args) == 0  # EventBridge delivered it again
    assert _runs(project) == [uri]
    out = capsys.readouterr().out
    (record,) = _records(project, "ingest")
    data = json.loads(record.read_text())
    assert f"already started as run {data['run_id']}" in out
    assert data["status"] == "succeeded"
    assert data["trigger"]["kind"] == "event" and data["trigger"]["version"] == "0055AED6DCD9"
    assert data["params"] == {"uri": uri}
    # a new version of the object (rewritten) is a new event: it runs
    assert main([*args[:-1], "0055AED6DCDA"]) == 0
    assert _runs(project) == [uri, uri]
    # objects the trigger does not match are ignored (temporary files, other suffixes)
    hidden = uri.replace("landing/", "landing/_tmp/")
    assert main(["run", target, "-q", "--event-uri", hidden, "--event-version", "1"]) == 0
    other = uri.replace(".csv", ".json")
    assert main(["run", target, "-q", "--event-uri", other, "--event-version", "1"]) == 0
    assert len(_runs(project)) == 2
    assert "not run:" in capsys.readouterr().out


def test_a_scheduled_tick_runs_once_with_its_logical_date(project: Path) -> None:
    import json

    target = f"{project / 'ops.py'}:nightly"
    args = ["run", target, "-q", "--scheduled-at", "2026-11-01T01:00:00Z"]  # 02:00 in Paris
    assert main(args) == 0
    assert main(args) == 0
    assert _runs(project) == ["2026-11-01"]
    (record,) = _records(project, "nightly")
    trigger = json.loads(record.read_text())["trigger"]
    assert trigger == {
        "kind": "schedule",
        "cron": "0 2 * * *",
        "timezone": "Europe/Paris",
        "logical_date": "2026-11-01T02:00:00+01:00",
    }
    # the tick is read in the schedule's zone: 15:00 UTC is midnight of the next day in Tokyo
    tokyo = ["run", f"{project / 'ops.py'}:tokyo", "-q", "--scheduled-at", "2026-10-31T15:00Z"]
    assert main(tokyo) == 0
    assert _runs(project)[-1] == "tokyo 2026-11-01"
    # a scheduler with a static command passes "latest": the latest tick, once
    latest = ["run", f"{project / 'ops.py'}:tokyo", "-q", "--scheduled-at", "latest"]
    assert main(latest) == 0 and main(latest) == 0
    assert len([r for r in _runs(project) if r.startswith("tokyo")]) == 2


def test_concurrent_claims_have_one_winner(tmp_path: Path) -> None:
    store = BucketRunStore(blobs=LocalBlobs(tmp_path))
    start = CloudStart({}, {"kind": "event"}, key="k" * 40)
    results: list[str | None] = []
    barrier = threading.Barrier(8)

    def go(n: int) -> None:
        barrier.wait(timeout=10)
        results.append(claim(store, "p", start, f"run-{n}"))

    threads = [threading.Thread(target=go, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    winners = [r for r in results if r is None]
    assert len(results) == 8 and len(winners) == 1
    assert len({r for r in results if r is not None}) == 1  # all name the winner's run id


def test_claims_are_conditional_creates_on_s3(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.storage.storage_servers import aws_provider, create_s3_bucket, start_moto

    with start_moto() as s3:
        create_s3_bucket(s3.endpoint, "runs")
        provider: Any = aws_provider(s3.endpoint)
        store = BucketRunStore(provider.bucket("runs", path="_glacier/runs/"))
        start = CloudStart({}, {"kind": "event"}, key="e" * 40)
        assert claim(store, "ingest", start, "run-a") is None
        assert claim(store, "ingest", start, "run-b") == "run-a"
        assert store.blobs.create("x/once.json", b"1") is True
        assert store.blobs.create("x/once.json", b"2") is False
        assert store.blobs.get("x/once.json") == b"1"


def test_s3_event_uris_map_to_the_trigger_of_an_s3_bucket() -> None:
    import sys

    from glacier.runs.cloud import event_start

    here = Path(__file__).resolve().parent / "aws_project"
    sys.path.insert(0, str(here))
    try:
        import nightly
    finally:
        sys.path.remove(str(here))
    start = event_start(nightly.ingest, "s3://shop-lake/landing/2026/x.parquet", "seq1", None)
    assert start.ignored is None
    assert start.params == {"uri": "s3://shop-lake/landing/2026/x.parquet"}
    again = event_start(nightly.ingest, "s3://shop-lake/landing/2026/x.parquet", "seq1", None)
    assert again.key == start.key  # same object version: same claim
    other = event_start(nightly.ingest, "s3://shop-lake/landing/2026/x.parquet", "seq2", None)
    assert other.key != start.key
    assert event_start(nightly.ingest, "s3://shop-lake/landing/_tmp/x.parquet", "1", None).ignored
    assert event_start(nightly.ingest, "s3://shop-lake/raw/x.parquet", "1", None).ignored
