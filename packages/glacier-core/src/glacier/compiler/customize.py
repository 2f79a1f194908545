"""Resolve a customization function to an importable ``module:function`` reference."""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glacier.compiler.errors import CustomizationError

_MOVE_IT = (
    "The exported Pulumi program imports the function by its module path, so define it at "
    "module level in an importable module (e.g. infra_hooks.py next to your pipeline) and "
    "import it from there."
)


def function_ref(fn: Callable[..., Any], resource_name: str = "?") -> str:
    """``"module:function"`` for a module-level function the generated program can import.

    Lambdas, closures, methods and functions of a ``__main__`` without a file are refused
    with :class:`CustomizationError` explaining why. A function of a ``__main__`` script
    run from a file is referenced by the file's stem (the script's folder must be on
    ``PYTHONPATH`` when Pulumi runs the program).
    """
    label = f"customize_fn for {resource_name!r}"
    if not callable(fn) or not hasattr(fn, "__qualname__"):
        raise CustomizationError(f"{label} must be a function, got {fn!r}.")
    qualname: str = fn.__qualname__
    module_name = getattr(fn, "__module__", None)
    if "<lambda>" in qualname:
        raise CustomizationError(f"{label} is a lambda, which cannot be imported. {_MOVE_IT}")
    if "<locals>" in qualname or "." in qualname:
        raise CustomizationError(
            f"{label} ({qualname}) is nested in another function or class, so it cannot be "
            f"imported by name. {_MOVE_IT}"
        )
    if not module_name:
        raise CustomizationError(f"{label} ({qualname}) has no module. {_MOVE_IT}")
    if (
        module_name == "__main__"
        or module_name not in sys.modules
        or not _importable(module_name, qualname, fn)
    ):
        module_name = _module_from_file(fn, label, module_name)
    return f"{module_name}:{qualname}"


def _importable(module_name: str, qualname: str, fn: Callable[..., Any]) -> bool:
    try:
        module = importlib.import_module(module_name)
    except Exception:
        return False
    spec = getattr(module, "__spec__", None)
    return spec is not None and getattr(module, qualname, None) is fn


def _module_from_file(fn: Callable[..., Any], label: str, module_name: str) -> str:
    try:
        source = inspect.getsourcefile(fn)
    except TypeError:
        source = None
    if not source or not Path(source).is_file():
        raise CustomizationError(
            f"{label} ({fn.__qualname__}) is defined in {module_name!r}, which has no file "
            f"(an interactive session or notebook). {_MOVE_IT}"
        )
    stem = Path(source).stem
    if not stem.isidentifier():
        raise CustomizationError(
            f"{label} ({fn.__qualname__}) is defined in {source}, whose name is not a valid "
            f"module name. {_MOVE_IT}"
        )
    return stem
