"""Watch local bucket folders for changes with `watchfiles` (a maintained, Rust-backed
watcher: inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW on Windows)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from glacier.errors import NotSupportedError


def require_watchfiles() -> None:
    """Raise a clear error when the ``serve`` extra is missing."""
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        raise NotSupportedError(
            "glacier serve watches local buckets with watchfiles, which is not installed: "
            "pip install 'glacier-core[serve]'."
        ) from None


class FolderWatcher(threading.Thread):
    """Calls ``on_change`` (from its own thread) whenever something under ``root`` changes,
    until ``stop`` is set. Changes are batched by watchfiles (``debounce_ms``)."""

    def __init__(
        self,
        root: Path,
        on_change: Callable[[], None],
        stop: threading.Event,
        debounce_ms: int = 100,
    ) -> None:
        super().__init__(name=f"glacier-watch-{root.name}", daemon=True)
        self.root = root
        self.on_change = on_change
        self.stop = stop
        self.debounce_ms = debounce_ms
        self.ready = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        from watchfiles import watch

        self.root.mkdir(parents=True, exist_ok=True)
        try:
            changes = watch(
                self.root,
                watch_filter=None,
                debounce=self.debounce_ms,
                step=50,
                stop_event=self.stop,
                rust_timeout=500,
                yield_on_timeout=True,
                raise_interrupt=False,
            )
            for batch in changes:
                self.ready.set()
                if self.stop.is_set():
                    return
                if batch:
                    self.on_change()
        except BaseException as exc:  # reported by the server; polling goes on
            self.error = exc
            self.ready.set()
