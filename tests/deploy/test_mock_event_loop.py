"""Programs run under Pulumi's mocks even when another library left this thread an event
loop that runs elsewhere (async storage clients, file watchers do): the suite's order once
made every later in-process mock run fail with "no running event loop"."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from glacier.deploy import mockrun
from glacier.testing import pulumi_mocks

PROGRAM = "import pulumi\nimport pulumi_aws as aws\naws.s3.Bucket('lake')\n"


@pytest.fixture
def foreign_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """This thread's loop set to one that runs in another thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        asyncio.set_event_loop(None)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@pytest.mark.parametrize("runner", ["testing", "deploy"])
def test_a_foreign_running_loop_does_not_break_mock_runs(
    foreign_loop: asyncio.AbstractEventLoop, tmp_path: Path, runner: str
) -> None:
    (tmp_path / "__main__.py").write_text(PROGRAM)
    if runner == "testing":
        graph = pulumi_mocks.run_program(tmp_path)
        types = [r.type for r in graph.resources]
    else:
        types = [r.type for r in mockrun.run_program(tmp_path).resources]
    assert types == ["aws:s3/bucket:Bucket"]
    # the library's loop is this thread's loop again afterwards
    assert asyncio.get_event_loop_policy().get_event_loop() is foreign_loop
