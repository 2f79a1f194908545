"""The process-wide pool of reused worker threads that run tasks (see :class:`WorkerPool`)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any


class WorkerPool:
    """Process-wide worker threads, reused across runs: starting a thread costs 0.1-3 ms
    (more on a busy machine), as much as running hundreds of trivial tasks.

    Invariant: ``threads >= busy`` (work handed out and not finished), so every queued item
    has a thread that will take it; runs cap their own concurrency with ``max_workers``.
    Threads are daemons and exit after ``idle_timeout`` seconds without work, so the pool
    holds no threads in a quiet process, and a timed-out task still stuck in a thread does
    not keep the interpreter from exiting.
    """

    def __init__(self, idle_timeout: float = 30.0) -> None:
        self.idle_timeout = idle_timeout
        self._work: SimpleQueue[tuple[Callable[..., None], tuple[Any, ...]]] = SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._busy = 0

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        """Call ``fn(*args)`` in a pool thread (started if every thread is busy)."""
        with self._lock:
            self._busy += 1
            spawn = self._threads < self._busy
            if spawn:
                self._threads += 1
        if spawn:
            threading.Thread(
                target=self._loop, name=f"glacier-task_{self._threads}", daemon=True
            ).start()
        self._work.put((fn, args))

    def _loop(self) -> None:
        get, lock = self._work.get, self._lock
        while True:
            try:
                fn, args = get(timeout=self.idle_timeout)
            except Empty:
                with lock:
                    if self._threads > self._busy:  # others cover all outstanding work
                        self._threads -= 1
                        return
                continue
            try:
                fn(*args)
            except BaseException:  # pragma: no cover - fn reports its own errors
                pass
            finally:
                with lock:
                    self._busy -= 1

    def _after_fork(self) -> None:
        """A forked child has none of the parent's threads: start from scratch."""
        self.__init__(self.idle_timeout)  # type: ignore[misc]


#: The pool every run shares.
POOL = WorkerPool()
os.register_at_fork(after_in_child=POOL._after_fork)


def default_workers() -> int:
    """Enough threads for I/O-bound fan-out; CPU work happens in Polars' own pool."""
    return max(16, (os.cpu_count() or 2) * 4)
