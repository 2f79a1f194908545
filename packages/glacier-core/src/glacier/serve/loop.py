"""``glacier serve``: one process that fires schedules and bucket triggers and runs the
pipelines, with bounded concurrency, recording every run in the run store.

The loop: ask every source what is due (schedule ticks, new object versions), queue it,
start queued runs while fewer than ``max_concurrent`` are running (each in its own thread,
through :meth:`Pipeline.run` with a :class:`~glacier.runs.recorder.Launch` saying why), then
sleep until the next tick, the next poll, a watcher event or a finished run.

Stopping (SIGTERM, Ctrl-C, :meth:`Server.stop`): nothing new starts; queued runs are dropped
(their schedule tick or object is not claimed, so they fire after a restart); running ones
get ``grace`` seconds to finish, then their records are closed as ``cancelled``. A second
signal skips the grace period.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from glacier.backoff import Backoff, poll
from glacier.errors import ConfigError, PollTimeoutError
from glacier.runs.record import new_run_id
from glacier.runs.recorder import Launch, launching, store_for
from glacier.schedule.cron import schedule_param
from glacier.schedule.trigger import trigger_param
from glacier.serve.clock import Clock, SystemClock
from glacier.serve.sources import Due, ScheduleSource, WriteSource, poll_delay

if TYPE_CHECKING:
    from glacier.dag.pipeline import Pipeline

MIN_POLL, MAX_POLL = 0.05, 3600.0


class Server:
    """Serves pipelines' schedules and triggers on this machine."""

    def __init__(
        self,
        pipelines: Sequence[Pipeline],
        *,
        clock: Clock | None = None,
        max_concurrent: int = 4,
        poll_interval: float = 30.0,
        grace: float = 30.0,
        watch: bool = True,
        settle: float = 0.5,
        stream: TextIO | None = None,
    ) -> None:
        if not isinstance(max_concurrent, int) or max_concurrent < 1:
            raise ConfigError(f"--max-concurrent must be an integer >= 1, got {max_concurrent!r}.")
        if not MIN_POLL <= poll_interval <= MAX_POLL:
            raise ConfigError(
                f"--poll-interval must be between {MIN_POLL} and {MAX_POLL} seconds, "
                f"got {poll_interval!r}."
            )
        if grace < 0:
            raise ConfigError(f"--grace must be seconds >= 0, got {grace!r}.")
        self.clock: Clock = clock or SystemClock()
        self.max_concurrent = max_concurrent
        self.poll_interval = poll_interval
        self.grace = grace
        self.stream = stream or sys.stderr
        self.sources: list[Any] = []
        for pipe in pipelines:
            self.sources.extend(self._sources_of(pipe, settle))
        if not self.sources:
            names = ", ".join(repr(p.name) for p in pipelines) or "none"
            raise ConfigError(
                f"Nothing to serve: pipelines {names} have no schedule= and no triggers=. "
                "Add @pipeline(schedule='0 2 * * *') or triggers=[OnWrite(bucket, ...)]."
            )
        self.watch = watch and any(isinstance(s, WriteSource) and s.local for s in self.sources)
        if self.watch:
            from glacier.serve.watch import require_watchfiles

            require_watchfiles()
        self.queue: deque[Due] = deque()
        self.running: dict[str, tuple[Launch, threading.Thread]] = {}
        self.launches: list[Launch] = []
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self._force = threading.Event()
        self._watch_stop = threading.Event()
        self._watchers: list[Any] = []
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._started = False
        self.ready = threading.Event()

    def _sources_of(self, pipe: Pipeline, settle: float) -> list[Any]:
        schedule = getattr(pipe, "schedule", None)
        triggers = getattr(pipe, "triggers", ())
        if schedule is None and not triggers:
            return []
        store = store_for(pipe)
        if not store.enabled:
            raise ConfigError(
                f"Pipeline {pipe.name!r} has run records turned off (runs=False or "
                "GLACIER_RUNS_URI=off), but glacier serve keeps its schedule and event state "
                "in the run store. Turn records on to serve it."
            )
        out: list[Any] = []
        if schedule is not None:
            param = schedule_param(schedule, pipe.fn, str(pipe.name))
            out.append(ScheduleSource(pipe, schedule, param, store, self.log))
        for trigger in triggers:
            param = trigger_param(trigger, pipe.fn, str(pipe.name))
            out.append(
                WriteSource(
                    pipe,
                    trigger,
                    param,
                    store,
                    self.log,
                    poll_interval=self.poll_interval,
                    settle=settle,
                )
            )
        return out

    # -- output ----------------------------------------------------------------------------
    def log(self, text: str) -> None:
        with self._lock:
            print(f"glacier serve: {text}", file=self.stream, flush=True)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Load state, baseline new triggers, start file watchers (once; thread-safe).
        :attr:`ready` is set when done: objects written after that fire."""
        with self._start_lock:
            if self._started:
                return
            self._started = True
            self._start()
            self.ready.set()

    def _start(self) -> None:
        now = self.clock.now()
        for source in self.sources:
            source.start(now)
            self.log(f"serving {source.name}")
        if self.watch:
            from glacier.runs.blobs import LocalBlobs
            from glacier.serve.watch import FolderWatcher

            for source in self.sources:
                if isinstance(source, WriteSource) and isinstance(source.blobs, LocalBlobs):
                    watcher = FolderWatcher(
                        source.blobs.root.absolute(),
                        functools.partial(self._poke, source),
                        self._watch_stop,
                    )
                    watcher.start()
                    self._watchers.append(watcher)

    def _poke(self, source: WriteSource) -> None:
        source.poke()
        self.wake.set()

    def wait_watching(self, timeout: float = 10.0) -> bool:
        """Block until every file watcher is active (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        return all(w.ready.wait(max(0.0, deadline - time.monotonic())) for w in self._watchers)

    def step(self) -> int:
        """Queue what is due now and start what the concurrency bound allows. Returns how
        many runs were queued."""
        self.start()
        if self.stopping.is_set():
            return 0
        now = self.clock.now()
        queued = 0
        for source in self.sources:
            try:
                due = source.due(now)
            except Exception as exc:  # a listing failed: say so, try again next poll
                self.log(f"{source.name}: cannot check for work: {type(exc).__name__}: {exc}")
                continue
            self.queue.extend(due)
            queued += len(due)
        self._dispatch()
        return queued

    def _dispatch(self) -> None:
        self._reap()
        while self.queue and len(self.running) < self.max_concurrent:
            if self.stopping.is_set():
                return
            due = self.queue.popleft()
            run_id = new_run_id()
            try:
                due.claim(run_id)
            except Exception as exc:
                due.release()
                self.log(
                    f"{due.pipeline.name}: not starting the run for {due.describe()}: cannot "
                    f"save serve state ({type(exc).__name__}: {exc}); retrying later"
                )
                continue
            launch = Launch(trigger=due.trigger, run_id=run_id)
            thread = threading.Thread(
                target=self._run, args=(due, launch), name=f"glacier-run-{run_id}", daemon=True
            )
            self.running[run_id] = (launch, thread)
            self.launches.append(launch)
            self.log(f"started run {run_id} of {due.pipeline.name!r} ({due.describe()})")
            thread.start()

    def _run(self, due: Due, launch: Launch) -> None:
        try:
            with launching(launch):
                due.pipeline.run(raise_on_failure=False, **due.params)
        except Exception as exc:  # build errors etc.: the record says failed
            self.log(f"run {launch.run_id} of {due.pipeline.name!r} raised {type(exc).__name__}")
        finally:
            launch.done.set()
            record = launch.record
            status = record.status if record is not None else "finished"
            took = f" in {record.duration_s:.2f}s" if record and record.duration_s else ""
            if not self.stopping.is_set():
                self.log(f"run {launch.run_id} of {due.pipeline.name!r} {status}{took}")
            self.wake.set()

    def _reap(self) -> None:
        for run_id, (launch, _) in list(self.running.items()):
            if launch.done.is_set():
                del self.running[run_id]

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Run until nothing is queued or running (for tests and scripts); False on timeout."""

        def idle() -> bool | None:
            self._dispatch()
            return True if not self.queue and not self.running else None

        try:
            return poll(
                idle,
                timeout=timeout,
                backoff=Backoff(0.05, factor=1),
                what="the server to go idle",
                clock=_WakeClock(self.wake),
            )
        except PollTimeoutError:
            return False

    def serve_forever(self) -> None:
        """Loop until :meth:`stop`; then shut down cleanly."""
        self.start()
        try:
            while not self.stopping.is_set():
                self.step()
                delay = poll_delay(self.sources, self.clock.now(), self.poll_interval)
                self.wake.wait(max(delay, 0.01))
                self.wake.clear()
        finally:
            self.shutdown()

    def stop(self, force: bool = False) -> None:
        """Ask the loop to stop (from a signal handler or another thread)."""
        if force:
            self._force.set()
        self.stopping.set()
        self.wake.set()

    def shutdown(self, reason: str = "glacier serve stopped") -> None:
        """Drop queued runs, give running ones ``grace`` seconds, close the rest's records
        as cancelled, stop the watchers."""
        self.stopping.set()
        self._watch_stop.set()
        while self.queue:
            self.queue.popleft().release()
        self._reap()
        if self.running:
            self.log(
                f"stopping: waiting up to {self.grace:g}s for {len(self.running)} running run(s)"
            )
        deadline = time.monotonic() + self.grace
        for launch, _ in list(self.running.values()):
            while not launch.done.is_set() and not self._force.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                launch.done.wait(min(left, 0.1))
        for run_id, (launch, _) in list(self.running.items()):
            if launch.done.is_set():
                continue
            recording = launch.recording
            if recording is not None and recording.abandon(f"{reason} before the run finished"):
                self.log(f"run {run_id} recorded as cancelled")
        self._reap()
        for watcher in self._watchers:
            watcher.join(timeout=2.0)


class _WakeClock:
    """Sleeps on the server's wake event, so a poll wakes as soon as something happens."""

    def __init__(self, wake: threading.Event) -> None:
        self.wake = wake

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        self.wake.wait(seconds)
        self.wake.clear()
