"""Code references (``module:qualname`` or ``/path/file.py:qualname``) and their import."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def ref_of(fn: Callable[..., Any]) -> str:
    """A reference another process can import. Functions from ``__main__`` use the file path."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", "")
    if not module or "<" in qualname:
        raise ValueError(
            f"{fn!r} cannot be imported by path from another process: define it at module "
            "level (not a lambda, closure or method of a local class)."
        )
    if module == "__main__" or module not in sys.modules:
        # __main__, or a file run by path (``glacier run FILE`` loads it under a name that
        # is not left in sys.modules): the other process imports it by path.
        code = getattr(fn, "__code__", None)
        main_file = getattr(sys.modules.get("__main__"), "__file__", None)
        source = code.co_filename if code is not None else main_file
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
        path = Path(target)
        mod_name = f"_glacier_user_{abs(hash(str(path)))}"
        module = sys.modules.get(mod_name)
        if module is None:
            spec = importlib.util.spec_from_file_location(mod_name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"Cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[mod_name] = module
            sys.path.insert(0, str(path.parent))
            spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    obj: Any = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    # A @task-decorated function resolves to the Task; run its plain function.
    return getattr(obj, "fn", obj)


def subprocess_pythonpath() -> str:
    """PYTHONPATH for child processes: the working directory and this process's path, so
    handlers and tasks importable here are importable there."""
    parts = [os.getcwd(), *[p for p in sys.path if p]]
    seen: dict[str, None] = dict.fromkeys(parts)
    return os.pathsep.join(seen)
