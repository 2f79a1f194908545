"""Code references (``module:qualname`` or ``/path/file.py:qualname``) and their import."""

from __future__ import annotations

import os
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glacier.dag.loading import SCRIPT_MODULE_PREFIX, load_script


def ref_of(fn: Callable[..., Any]) -> str:
    """A reference another process can import. Functions from ``__main__`` use the file path."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", "")
    if not module or "<" in qualname:
        raise ValueError(
            f"{fn!r} cannot be imported by path from another process: define it at module "
            "level (not a lambda, closure or method of a local class)."
        )
    if module == "__main__" or module.startswith(SCRIPT_MODULE_PREFIX) or module not in sys.modules:
        # __main__, a pipeline file loaded by path (glacier/dag/loading.py), or a file whose
        # module is gone: the other process imports it by path.
        code = getattr(fn, "__code__", None)
        main_file = getattr(sys.modules.get(module), "__file__", None)
        source = main_file or (code.co_filename if code is not None else None)
        if not source or not Path(source).is_file():
            raise ValueError(
                f"{qualname} is defined in an interactive session; move it into a module file."
            )
        return f"{Path(source).resolve()}:{qualname}"
    return f"{module}:{qualname}"


def resolve_ref(ref: str) -> Any:
    """Import the object a reference names."""
    target, sep, qualname = ref.rpartition(":")
    if not sep or not target or not qualname:
        raise ValueError(f"Bad code reference {ref!r}: expected 'module:function'")
    if target.endswith(".py"):
        # A pipeline file: loaded once, without re-running a module-level pipeline.run().
        loaded = load_script(target)
        module = loaded.module
        if loaded.skipped is not None and not hasattr(module, qualname.split(".")[0]):
            raise ImportError(
                f"{qualname} is defined in {target} below line {loaded.skipped.lineno}, "
                f"where the file runs pipeline {loaded.skipped.pipeline!r} at module level. "
                'Put that call under `if __name__ == "__main__":`.'
            )
        obj: Any = module
        for part in qualname.split("."):
            obj = getattr(obj, part)
    else:
        obj = pkgutil.resolve_name(ref)
    # A @task-decorated function resolves to the Task; run its plain function.
    return getattr(obj, "fn", obj)


def subprocess_pythonpath() -> str:
    """PYTHONPATH for child processes: the working directory and this process's path, so
    handlers and tasks importable here are importable there."""
    parts = [os.getcwd(), *[p for p in sys.path if p]]
    seen: dict[str, None] = dict.fromkeys(parts)
    return os.pathsep.join(seen)
