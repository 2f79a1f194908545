"""Let native threads finish their Python callbacks before the interpreter finalizes.

When a Polars query fails while it runs Python code on its own threads (a ``map_batches``
UDF, an IO-plugin source such as Glacier's snapshot reads), Polars returns the error while
other threads are still inside, or about to re-enter, Python. If the interpreter finalizes
in those few milliseconds, CPython 3.11-3.13 ends each such thread with ``pthread_exit``
when it asks for the GIL; the forced unwind crosses Rust frames and the process dies with
SIGABRT ("FATAL: exception not rethrown") instead of its exit status. (Python 3.14 parks
those threads instead.) tests/core/test_exit_guard.py reproduces it with plain Polars.

Glacier arms :func:`arm` where it sees a failure that can leave such stragglers (a failed
task, write or read) and when it hands Polars a Python source (object-store snapshot reads);
the ``atexit`` drain then releases the GIL until no native thread has run Python for a few
polls (about 6 ms when none has), bounded by ``timeout``. A clean local run arms nothing and
pays nothing.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_armed = False
POLL = 0.002  # seconds the GIL is released per poll
QUIET_POLLS = 3  # polls in a row with no native thread in Python before the drain ends


def arm() -> None:
    """Drain native threads at interpreter exit (idempotent; microseconds)."""
    global _armed
    if not _armed:
        _armed = True
        atexit.register(drain)


@contextmanager
def armed_on_error() -> Iterator[None]:
    """Arm the drain if the block raises (anything: a panic, an interrupt)."""
    try:
        yield
    except BaseException:
        arm()
        raise


def native_threads_in_python() -> list[int]:
    """Idents of threads now running Python code that ``threading`` did not start."""
    started = {t.ident for t in threading.enumerate() if not isinstance(t, threading._DummyThread)}
    return [ident for ident in sys._current_frames() if ident not in started]


def drain(timeout: float = 2.0) -> int:
    """Release the GIL until no native thread has been seen in Python for
    ``QUIET_POLLS`` polls in a row, or ``timeout`` seconds passed. Returns the polls made."""
    deadline = time.monotonic() + timeout
    quiet = polls = 0
    while quiet < QUIET_POLLS and time.monotonic() < deadline:
        time.sleep(POLL)
        polls += 1
        quiet = 0 if native_threads_in_python() else quiet + 1
    return polls
