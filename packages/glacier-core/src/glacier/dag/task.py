"""``@task``: a function that becomes one node of a pipeline's DAG each time it is called."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, overload

from glacier.dag.graph import current_builder
from glacier.errors import PipelineDefinitionError

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class Task:
    """A pipeline step. Calling it inside a ``@pipeline`` function adds a node to the DAG and
    returns a placeholder for its output; the function runs when the pipeline runs.

    Use ``task.fn(...)`` to call the plain function (for unit tests).
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        depends_on: Iterable[Task] | None = None,
        executor: Any | None = None,
        retries: int = 0,
        retry_delay: float = 1.0,
        timeout: float | None = None,
    ) -> None:
        if not callable(fn):
            raise PipelineDefinitionError(f"@task needs a function, got {fn!r}")
        self.fn = fn
        self.name: str = name or str(getattr(fn, "__name__", "task"))
        self.signature = inspect.signature(fn)
        self._arity = _positional_arity(self.signature)
        self.depends_on = tuple(_check_depends_on(self.name, depends_on))
        self.executor = _check_executor(self.name, executor)
        if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
            raise PipelineDefinitionError(
                f"Task {self.name!r}: retries must be an integer >= 0, got {retries!r}"
            )
        if not isinstance(retry_delay, int | float) or retry_delay < 0:
            raise PipelineDefinitionError(
                f"Task {self.name!r}: retry_delay must be seconds >= 0, got {retry_delay!r}"
            )
        if timeout is not None and (not isinstance(timeout, int | float) or timeout <= 0):
            raise PipelineDefinitionError(
                f"Task {self.name!r}: timeout must be seconds > 0 or None, got {timeout!r}"
            )
        self.retries = retries
        self.retry_delay = float(retry_delay)
        self.timeout = None if timeout is None else float(timeout)
        functools.update_wrapper(self, fn)

    def accepts(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        """Fast check that a call with only positional ``args`` binds to the signature.

        False means "not sure": the caller falls back to ``signature.bind`` (which also
        produces the error message). Saves ``inspect``'s generic binding on every call.
        """
        if kwargs or self._arity is None:
            return False
        low, high = self._arity
        return low <= len(args) and (high is None or len(args) <= high)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        builder = current_builder.get()
        if builder is None:
            raise PipelineDefinitionError(
                f"Task {self.name!r} was called outside a @pipeline function. Call it inside "
                f"a function decorated with @pipeline, or use {self.name}.fn(...) to run the "
                "plain function."
            )
        return builder.add_call(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<Task {self.name}>"


def _positional_arity(sig: inspect.Signature) -> tuple[int, int | None] | None:
    """(required, maximum or None for ``*args``) positional arguments of a signature, or None
    when a keyword-only parameter is required (positional-only calls can never bind)."""
    low, high, varargs = 0, 0, False
    for param in sig.parameters.values():
        if param.kind in _POSITIONAL:
            high += 1
            if param.default is param.empty:
                low = high
        elif param.kind is inspect.Parameter.VAR_POSITIONAL:
            varargs = True
        elif param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is param.empty:
            return None
    return low, None if varargs else high


def _check_depends_on(name: str, depends_on: Iterable[Any] | None) -> list[Task]:
    if depends_on is None:
        return []
    if isinstance(depends_on, Task) or callable(depends_on):
        depends_on = [depends_on]
    out: list[Task] = []
    for i, dep in enumerate(depends_on):
        if isinstance(dep, Task):
            out.append(dep)
            continue
        what = (
            f"the plain function {getattr(dep, '__name__', dep)!r}; decorate it with @task"
            if callable(dep)
            else f"{dep!r} ({type(dep).__name__}); pass the task object itself"
        )
        raise PipelineDefinitionError(f"Task {name!r}: depends_on[{i}] is not a task but {what}.")
    return out


def _check_executor(name: str, executor: Any) -> Any:
    if executor is None:
        return None
    from glacier.resources.executor import Executor

    if not isinstance(executor, Executor):
        raise PipelineDefinitionError(
            f"Task {name!r}: executor must be created with provider.executor(...), "
            f"got {type(executor).__name__}."
        )
    return executor


@overload
def task(fn: Callable[..., Any], /) -> Task: ...
@overload
def task(
    *,
    depends_on: Iterable[Task] | None = ...,
    executor: Any | None = ...,
    retries: int = ...,
    retry_delay: float = ...,
    timeout: float | None = ...,
    name: str | None = ...,
) -> Callable[[Callable[..., Any]], Task]: ...


def task(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    depends_on: Iterable[Task] | None = None,
    executor: Any | None = None,
    retries: int = 0,
    retry_delay: float = 1.0,
    timeout: float | None = None,
    name: str | None = None,
) -> Task | Callable[[Callable[..., Any]], Task]:
    """Declare a task: ``@task`` or ``@task(depends_on=[...], executor=..., retries=2,
    retry_delay=1.0, timeout=60, name=...)``.

    ``retries`` re-runs a failing task with exponential backoff starting at ``retry_delay``
    seconds; ``timeout`` stops waiting for it after that many seconds.
    """

    def wrap(f: Callable[..., Any]) -> Task:
        return Task(
            f,
            name=name,
            depends_on=depends_on,
            executor=executor,
            retries=retries,
            retry_delay=retry_delay,
            timeout=timeout,
        )

    if fn is not None:
        if isinstance(fn, Task):
            raise PipelineDefinitionError(f"Task {fn.name!r} is decorated with @task twice.")
        return wrap(fn)
    return wrap
