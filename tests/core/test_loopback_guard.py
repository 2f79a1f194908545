"""The suite's loopback-only guard (tests/conftest.py): a connection to another machine is
refused and named; loopback TCP and unix sockets work."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

import pytest

from tests.conftest import NonLoopbackConnectionError, _violations


def test_a_non_loopback_connection_is_refused_naming_the_test_and_address() -> None:
    before = len(_violations)
    with pytest.raises(NonLoopbackConnectionError) as info:
        socket.create_connection(("192.0.2.1", 9), timeout=1)  # TEST-NET-1: never routed
    message = str(info.value)
    assert "test_loopback_guard.py::test_a_non_loopback_connection" in message
    assert "('192.0.2.1', 9)" in message
    assert len(_violations) == before + 1
    del _violations[before:]  # expected here: do not fail this test at teardown


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_connections_work(host: str) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.create_server((host, 0), family=family) as server:
        port = server.getsockname()[1]
        socket.create_connection((host, port), timeout=5).close()


def test_unix_sockets_work() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "s.sock")
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(path)
            server.listen()
            with socket.socket(socket.AF_UNIX) as client:
                client.connect(path)
