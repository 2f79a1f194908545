"""Load a user's pipeline file exactly once: for ``glacier run|graph|compile`` and in workers.

Pipeline scripts often end with a module-level ``sales.run()`` and no
``if __name__ == "__main__":`` guard. Importing such a file to *find* its pipelines would run
them: twice under ``glacier run``, with side effects under ``glacier graph`` and ``glacier
compile``, and once more inside every executor worker that imports the file to get at a task
function (a pipeline run nested in a job).

So files are loaded here, in a *loading context*: while a file's top-level code executes,
``Pipeline.run()`` does not run. It stops the file's execution at that call (the rest of the
file is not executed either: it usually uses the run's result) and the loader records where
the call was, so the CLI can print a note. Everything defined above the call (tasks,
pipelines, buckets) is there as usual.

Scripts are registered in ``sys.modules`` under a name derived from their absolute path
(``_glacier_user_<hash>``), stable across processes, so functions defined in them have a
``__module__`` that :func:`glacier.jobs.refs.ref_of` can turn back into the file path.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    import types
    from pathlib import Path

from glacier.errors import ScriptLoadError

#: Module-name prefix of pipeline files loaded by :func:`load_script`.
SCRIPT_MODULE_PREFIX = "_glacier_user_"


@dataclass(frozen=True)
class SkippedRun:
    """A ``pipeline.run()`` reached while a file was loaded, and not executed."""

    pipeline: str
    #: The file being loaded and the line of its top-level code that led to the call.
    filename: str
    lineno: int

    def note(self, action: str = "loads the file without running it") -> str:
        """A one-paragraph explanation for the user."""
        return (
            f"note: {_display(self.filename)}:{self.lineno} runs pipeline "
            f"{self.pipeline!r} at module level; Glacier {action}, so that call and the rest "
            "of the file after it were skipped. Put it under "
            '`if __name__ == "__main__":` to silence this note.'
        )


class _RunAtLoad(BaseException):
    """Unwinds a file's top-level code at a ``Pipeline.run()`` call. A BaseException so a
    user's ``except Exception`` around the call does not swallow it."""

    def __init__(self, skipped: SkippedRun) -> None:
        super().__init__(skipped.note())
        self.skipped = skipped


@dataclass
class LoadedScript:
    """A pipeline file loaded by :func:`load_script`."""

    path: Path
    module: types.ModuleType
    #: Set when the file's top-level code called ``Pipeline.run()``.
    skipped: SkippedRun | None = None


#: The globals of the file being loaded in this context (None: not loading).
_loading: ContextVar[dict[str, Any] | None] = ContextVar("glacier_loading", default=None)
_loaded: dict[str, LoadedScript] = {}


def is_loading() -> bool:
    """Whether a pipeline file's top-level code is executing in this context."""
    return _loading.get() is not None


def stop_run_at_load(pipeline_name: str) -> NoReturn:
    """Called by ``Pipeline.run()`` while a file loads: unwind the file's top-level code."""
    namespace = _loading.get()
    assert namespace is not None
    filename, lineno = str(namespace.get("__file__", "?")), 0
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_globals is namespace and frame.f_code.co_name == "<module>":
            filename, lineno = frame.f_code.co_filename, frame.f_lineno
            break
        frame = frame.f_back  # type: ignore[assignment]
    raise _RunAtLoad(SkippedRun(pipeline_name, filename, lineno))


def script_module_name(path: Path) -> str:
    """The ``sys.modules`` name of a loaded file: same path, same name, in every process."""
    import hashlib

    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return f"{SCRIPT_MODULE_PREFIX}{digest}"


def load_script(path: str | Path) -> LoadedScript:
    """Execute a pipeline file once per process as a module (``__name__`` is not
    ``"__main__"``), with module-level pipeline runs skipped.

    Raises :class:`~glacier.errors.ScriptLoadError` for a missing file, a directory, a syntax
    error (with ``file:line``) or an exception raised by the file's top-level code (with the
    line in the file where it happened; the original exception is the cause).
    """
    import importlib.util
    from pathlib import Path

    path = Path(path)
    if path.is_dir():
        candidates = sorted(p.name for p in path.glob("*.py"))[:10]
        listing = f" Python files there: {', '.join(candidates)}." if candidates else ""
        raise ScriptLoadError(f"{path} is a directory; give the pipeline's file.{listing}")
    if not path.is_file():
        raise ScriptLoadError(f"No such file: {path}")
    path = path.resolve()
    name = script_module_name(path)
    cached = _loaded.get(name)
    if cached is not None and sys.modules.get(name) is cached.module:
        return cached
    try:
        source = path.read_bytes()
        code = compile(source, str(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise ScriptLoadError(_syntax_message(path, exc)) from None
    except (OSError, ValueError) as exc:
        raise ScriptLoadError(f"Cannot read {path}: {exc}") from exc
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    if str(path.parent) not in sys.path:  # sibling modules import as they do under python
        sys.path.insert(0, str(path.parent))
    sys.modules[name] = module
    loaded = LoadedScript(path, module)
    token = _loading.set(module.__dict__)
    try:
        exec(code, module.__dict__)
    except _RunAtLoad as stop:
        loaded.skipped = stop.skipped
    except Exception as exc:
        del sys.modules[name]
        where = _innermost_line(exc, str(path))
        raise ScriptLoadError(
            f"Loading {_display(str(path))} failed{where}: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        _loading.reset(token)
    _loaded[name] = loaded
    return loaded


def load_module(name: str) -> LoadedScript:
    """Import the installed module ``name`` (how a deployed driver finds its pipeline,
    ``glacier run module:pipeline``) like :func:`load_script`: once, with module-level
    pipeline runs skipped. Raises :class:`~glacier.errors.ScriptLoadError` when it is not
    importable."""
    import importlib
    import importlib.util
    from pathlib import Path

    cached = _loaded.get(name)
    if cached is not None and sys.modules.get(name) is cached.module:
        return cached
    if name in sys.modules:  # imported before (e.g. by a task's code): not re-executed
        module = sys.modules[name]
        loaded = LoadedScript(Path(getattr(module, "__file__", None) or name), module)
        _loaded[name] = loaded
        return loaded
    parent = name.rpartition(".")[0]
    try:
        if parent:
            importlib.import_module(parent)
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        spec = None
    if spec is None or spec.loader is None:
        raise ScriptLoadError(f"No such file or importable module: {name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loaded = LoadedScript(Path(spec.origin or name), module)
    token = _loading.set(module.__dict__)
    try:
        spec.loader.exec_module(module)
    except _RunAtLoad as stop:
        loaded.skipped = stop.skipped
    except Exception as exc:
        del sys.modules[name]
        raise ScriptLoadError(
            f"Importing module {name} failed: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        _loading.reset(token)
    _loaded[name] = loaded
    return loaded


def _syntax_message(path: Path, exc: SyntaxError) -> str:
    where = f"{_display(str(path))}:{exc.lineno}" if exc.lineno else _display(str(path))
    line = (exc.text or "").rstrip("\n")
    shown = f"\n    {line.strip()}" if line.strip() else ""
    return f"{where}: syntax error: {exc.msg}{shown}"


def _innermost_line(exc: BaseException, filename: str) -> str:
    """`` at FILE:LINE`` of the deepest traceback frame in ``filename``, or ``""``."""
    tb, found = exc.__traceback__, ""
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            found = f" at {_display(filename)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


def _display(filename: str) -> str:
    """A path relative to the working directory when it is below it."""
    from glacier.dag.location import display_path

    return display_path(filename)
