"""Suite-wide fixtures. Cloud-specific fixtures (local servers) live in their folders."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from glacier.testing.plugins import plugin_host  # noqa: F401  (fixture)


@pytest.fixture
def local_provider(tmp_path: Path):  # type: ignore[no-untyped-def]
    from glacier import Provider
    from glacier.config import LocalConfig

    return Provider(config=LocalConfig(base_path=tmp_path / "data"))


@pytest.fixture(autouse=True, scope="session")
def _suite_state_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every Pipeline.run() writes a run record (docs/operating.md) and the plugin scan is
    cached (glacier/plugins/scan_cache.py): keep the suite's in temporary folders instead of
    ./data/_glacier/runs and ~/.cache/glacier."""
    import os

    values = {
        "GLACIER_RUNS_URI": str(tmp_path_factory.mktemp("glacier-runs")),
        "GLACIER_CACHE_DIR": str(tmp_path_factory.mktemp("glacier-cache")),
    }
    old = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    yield
    for name, value in old.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No cloud-selecting variables, so Provider.from_env() is deterministic."""
    for var in (
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AZURE_RESOURCE_GROUP",
        "AZURE_STORAGE_ACCOUNT",
        "AZURE_STORAGE_CONNECTION_STRING",
        "GCP_PROJECT",
        "GOOGLE_CLOUD_PROJECT",
        "GLACIER_LOCAL_BASE_PATH",
        "GLACIER_DISABLE_PLUGINS",
    ):
        monkeypatch.delenv(var, raising=False)
    yield monkeypatch


# -- loopback only -------------------------------------------------------------------------
# Every server a test talks to runs on this machine (moto, Azurite, the GCS emulator, fake
# engines). A connection to any other address is a test that would reach the internet, or a
# cloud SDK probing a metadata service: refused, and the test that made it fails, naming
# the address. Covers sockets made through Python (the socket module, asyncio, urllib3,
# aiohttp, grpc's Python side is C and is not covered, nor are Rust/C clients such as Polars'
# object_store, nor child processes).
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
_violations: list[str] = []
_violations_before: dict[str, int] = {}
_current_test = ["(no test: collection or session set-up)"]


def _is_loopback(address: Any, family: int) -> bool:
    if family == getattr(socket, "AF_UNIX", object()):
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).split("%", 1)[0]
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


class NonLoopbackConnectionError(ConnectionRefusedError):
    """A test tried to connect to an address that is not this machine."""


def _guarded(real: Callable[..., Any]) -> Callable[..., Any]:
    def connect(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address, self.family):
            message = (
                f"{_current_test[0]} connected to {address!r} ({threading.current_thread().name}"
                " thread): tests reach only servers on 127.0.0.1/::1/localhost or unix sockets"
            )
            _violations.append(message)
            raise NonLoopbackConnectionError(message)
        return real(self, address)

    connect.__wrapped__ = real  # type: ignore[attr-defined]
    return connect


def pytest_configure(config: pytest.Config) -> None:
    """Install the loopback-only guard for the whole session."""
    if not hasattr(socket.socket.connect, "__wrapped__"):
        socket.socket.connect = _guarded(socket.socket.connect)  # type: ignore[method-assign]
        socket.socket.connect_ex = _guarded(socket.socket.connect_ex)  # type: ignore[method-assign]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Name the test that runs now (session fixtures it starts included)."""
    _current_test[0] = item.nodeid
    _violations_before[item.nodeid] = len(_violations)


@pytest.fixture(autouse=True)
def _loopback_only(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test (at its teardown) if it, or a thread it started, tried to connect to a
    non-loopback address, even when a library swallowed the refusal."""
    yield
    seen = _violations[_violations_before.pop(request.node.nodeid, 0) :]
    if seen:
        pytest.fail("\n".join(dict.fromkeys(seen)), pytrace=False)


# -- process exit --------------------------------------------------------------------------
# The suite once died with SIGABRT after its summary (seen once in three full CI runs before
# 2026-11-23). Cause, found 2026-11-30 and reproduced in tests/core/test_exit_guard.py: a
# Polars query that fails while other Polars threads are inside a Python UDF returns at once;
# if the interpreter finalizes while those threads come back for the GIL, CPython 3.11 ends
# them with pthread_exit, and the forced unwind through Rust frames aborts the process
# ("FATAL: exception not rethrown"). Many tests here fail UDFs and reads on purpose. Glacier's
# exit guard (glacier/exit_guard.py) is armed by any failed task, write or read and drains such
# threads at exit; the session also drains explicitly, then exits normally.


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    from glacier.exit_guard import drain

    drain()
