"""A tiny fault-injecting TCP proxy for HTTP servers on loopback.

The first ``faults`` connections fail: with ``mode="503"`` the proxy reads the request and
answers ``503 Slow Down`` (S3's throttling reply); with ``mode="reset"`` it resets the
connection (RST) without answering. Later connections are piped to the upstream server.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Literal

Mode = Literal["503", "reset"]

SLOW_DOWN = (
    b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nConnection: close\r\n"
    b"Content-Length: 117\r\n\r\n"
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)


class FaultProxy:
    """Listens on 127.0.0.1 and forwards to ``upstream_port``, failing the first connections."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pending = 0
        self.mode: Mode = "503"
        #: Faults injected so far.
        self.injected = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, count: int, mode: Mode) -> None:
        """Make the next ``count`` connections fail with ``mode``."""
        with self._lock:
            self._pending = count
            self.mode = mode
            self.injected = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting and wait for the accept loop to end. On Linux, close() does not
        wake a thread blocked in accept(); shutdown() does."""
        self._stopped.set()
        with suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        with suppress(OSError):
            self._listener.close()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
            assert not self._thread.is_alive(), "the fault proxy's accept loop did not stop"

    # -- internals -----------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _take_fault(self) -> Mode | None:
        with self._lock:
            if self._pending <= 0:
                return None
            self._pending -= 1
            self.injected += 1
            return self.mode

    def _handle(self, client: socket.socket) -> None:
        fault = self._take_fault()
        if fault == "reset":
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            return
        if fault == "503":
            with suppress(OSError):
                _read_request(client)
                client.sendall(SLOW_DOWN)
            client.close()
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            client.close()
            return
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
        _pipe(client, upstream)


def _read_request(sock: socket.socket) -> None:
    """Read one HTTP request (head, and a Content-Length body unless the client waits for
    ``100 Continue``) so the client sees the reply."""
    sock.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() == b"expect":
            return  # "100-continue": the client waits for our answer before the body
    remaining = length - len(body)
    while remaining > 0:
        chunk = sock.recv(min(remaining, 65536))
        if not chunk:
            return
        remaining -= len(chunk)


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while chunk := src.recv(65536):
            dst.sendall(chunk)
    except OSError:
        pass
    finally:
        with suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
        with suppress(OSError):
            src.close()


@contextmanager
def fault_proxy(upstream_port: int) -> Iterator[FaultProxy]:
    """A running :class:`FaultProxy` in front of ``upstream_port``."""
    proxy = FaultProxy(upstream_port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
