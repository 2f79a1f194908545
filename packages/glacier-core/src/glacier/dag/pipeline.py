"""``@pipeline``: a function whose task calls form a DAG; ``.run()`` executes it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, overload

from glacier.dag.graph import GraphBuilder, PipelineGraph, current_builder
from glacier.dag.params import PipelineParams
from glacier.dag.progress import Progress
from glacier.dag.result import RunResult


class Pipeline:
    """A named pipeline. Build its DAG with :meth:`build`, run it with :meth:`run`, draw it
    with :meth:`graph`, turn it into infrastructure code with :meth:`compile`."""

    def __init__(
        self,
        fn: Callable[..., Any],
        name: str | None = None,
        *,
        schedule: Any = None,
        timezone: str | None = None,
        triggers: Any = None,
        on_failure: Any = None,
        runs: Any = None,
    ) -> None:
        self.fn = fn
        self.name: str = name or str(getattr(fn, "__name__", "pipeline"))
        self.__doc__ = fn.__doc__
        self.params = PipelineParams(self.name, fn)
        # Operating settings (glacier/schedule/spec.py): checked now, used by serve/compilers.
        from glacier.schedule.spec import operating

        self.schedule, self.triggers, self.on_failure, self.runs = operating(
            fn, self.name, schedule, timezone, triggers, on_failure, runs
        )

    def build(self, **params: Any) -> PipelineGraph:
        """Check the parameters, call the pipeline function to record its task calls, then
        validate the DAG.

        Raises :class:`glacier.errors.PipelineParameterError` for a missing, unknown or
        invalid parameter and :class:`glacier.errors.PipelineDefinitionError` for a bad
        DAG, before anything runs.
        """
        values = self.params.bind(params)
        builder = GraphBuilder(self.name)
        token = current_builder.set(builder)
        try:
            self.fn(**values)
        finally:
            current_builder.reset(token)
        return builder.finish()

    def run(
        self,
        *,
        max_workers: int | None = None,
        raise_on_failure: bool = True,
        progress: Progress | bool | None = None,
        **params: Any,
    ) -> RunResult:
        """Run the pipeline and return per-task status, duration and outputs.

        Args:
            max_workers: Most tasks running at once (default: one per core, more while the
                tasks wait on I/O, up to ``max(16, 4 x cores)``).
            raise_on_failure: Raise :class:`glacier.errors.PipelineFailedError` (naming the
                failing task, chained to its exception) instead of returning a failed result.
            progress: A :class:`Progress`, or True for one line per event on stderr.
            params: The pipeline function's parameters, checked and converted to their
                annotations (``day="2026-11-01"`` for ``day: date``); see
                :class:`~glacier.dag.params.PipelineParams`.

        Inside a pipeline file loaded by ``glacier run|graph|compile`` or by an executor
        worker, a call at module level does not run: the loader stops the file there (see
        :mod:`glacier.dag.loading`).
        """
        loading = sys.modules.get("glacier.dag.loading")  # not imported: no file is loading
        if loading is not None and loading.is_loading():
            loading.stop_run_at_load(self.name)
        from glacier.dag.progress import ConsoleProgress
        from glacier.dag.runtime import Runner
        from glacier.runs.recorder import Recording

        with Recording(self, params) as recording:  # the run record (glacier/runs/)
            graph = self.build(**params)
            reporter = ConsoleProgress() if progress is True else progress or None
            observer = recording.observe(graph, reporter)
            result = recording.finish(
                Runner(graph, max_workers=max_workers, progress=observer).run()
            )
        if raise_on_failure:
            result.raise_on_failure()
        return result

    def graph(self, format: str = "mermaid", **params: Any) -> str:
        """The DAG as Mermaid (default) or Graphviz ``dot`` text."""
        from glacier.dag import render

        renderers = {"mermaid": render.to_mermaid, "dot": render.to_dot}
        if format not in renderers:
            raise ValueError(f"Unknown graph format {format!r}; use one of {sorted(renderers)}")
        return renderers[format](self.build(**params))

    def compile(self, compiler: Any, customizations: dict[str, Any] | None = None) -> Any:
        """Compile to infrastructure code, e.g. ``pipeline.compile(PulumiCompiler())``."""
        return compiler.compile(self, customizations=customizations)

    def __repr__(self) -> str:
        return f"<Pipeline {self.name}>"


@overload
def pipeline(fn: Callable[..., Any], /) -> Pipeline: ...
@overload
def pipeline(
    *,
    name: str | None = ...,
    schedule: Any = ...,
    timezone: str | None = ...,
    triggers: Any = ...,
    on_failure: Any = ...,
    runs: Any = ...,
) -> Callable[[Callable[..., Any]], Pipeline]: ...


def pipeline(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    schedule: Any = None,
    timezone: str | None = None,
    triggers: Any = None,
    on_failure: Any = None,
    runs: Any = None,
) -> Pipeline | Callable[[Callable[..., Any]], Pipeline]:
    """Declare a pipeline: ``@pipeline`` or ``@pipeline(name="sales")``.

    Operating settings (see docs/operating.md): ``schedule`` (cron text or a
    :class:`~glacier.schedule.Schedule`) with ``timezone``; ``triggers`` (one or a list of
    :class:`~glacier.schedule.OnWrite`); ``on_failure`` (:class:`~glacier.schedule.Alert`
    or a list); ``runs`` (where run records go: a bucket prefix, a URI, or False for none).
    """

    def wrap(f: Callable[..., Any]) -> Pipeline:
        return Pipeline(
            f,
            name=name,
            schedule=schedule,
            timezone=timezone,
            triggers=triggers,
            on_failure=on_failure,
            runs=runs,
        )

    return wrap(fn) if fn is not None else wrap
