"""Failure alerts: a declarative target, printed and POSTed (with a timeout) on failure."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from glacier import pipeline, task
from glacier.errors import PipelineDefinitionError, RunRecordWarning
from glacier.runs.store import RunStore
from glacier.schedule import Alert


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, object]] = []

    def do_POST(self) -> None:  # http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, object]]]]:
    received: list[dict[str, object]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def _flaky(alert: Alert, fail: bool):  # type: ignore[no-untyped-def]
    @task
    def step() -> int:
        if fail:
            raise RuntimeError("upstream table is empty")
        return 1

    @pipeline(name="flaky", on_failure=alert)
    def flaky():  # type: ignore[no-untyped-def]
        step()

    return flaky


def test_alert_model_is_validated() -> None:
    with pytest.raises(PipelineDefinitionError, match="needs a target"):
        Alert()
    with pytest.raises(PipelineDefinitionError, match="'oncall' is not an e-mail"):
        Alert(email="oncall")
    with pytest.raises(PipelineDefinitionError, match="must be an http\\(s\\) URL"):
        Alert(webhook="ftp://x")
    with pytest.raises(PipelineDefinitionError, match="on_failure= takes Alert"):

        @pipeline(on_failure="oncall@example.com")  # type: ignore[arg-type]
        def p():  # type: ignore[no-untyped-def]
            pass

    alert = Alert(email=["a@example.com", "b@example.com"], webhook="https://hooks.example/x")
    assert alert.emails == ("a@example.com", "b@example.com")


def test_a_failed_run_prints_and_posts_its_alert(
    webhook: tuple[str, list[dict[str, object]]],
    store: RunStore,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, received = webhook
    pipe = _flaky(Alert(email="oncall@example.com", webhook=url), fail=True)
    pipe.run(raise_on_failure=False)
    err = capsys.readouterr().err
    assert "ALERT pipeline 'flaky' run" in err and "upstream table is empty" in err
    assert "e-mail to oncall@example.com" in err and "POST 204" in err
    (payload,) = received
    (record,) = store.records("flaky")
    assert payload["run_id"] == record.run_id and payload["status"] == "failed"
    assert payload["error"]["task"] == "step"  # type: ignore[index]
    assert str(payload["record"]).endswith(f"flaky/{record.run_id}.json")


def test_a_succeeded_run_sends_nothing(
    webhook: tuple[str, list[dict[str, object]]],
    store: RunStore,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, received = webhook
    _flaky(Alert(webhook=url), fail=False).run()
    assert received == [] and "ALERT" not in capsys.readouterr().err


def test_an_unreachable_webhook_only_warns(store: RunStore) -> None:
    import socket

    with socket.socket() as sock:  # a port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pipe = _flaky(Alert(webhook=f"http://127.0.0.1:{port}/x", timeout=2), fail=True)
    with pytest.warns(RunRecordWarning, match="webhook .* failed"):
        result = pipe.run(raise_on_failure=False)
    assert not result.ok
    (record,) = store.records("flaky")
    assert record.status == "failed"
