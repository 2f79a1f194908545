"""Load a pipeline from ``FILE[:name]``."""

from __future__ import annotations

import importlib
import re
import runpy
import sys
from pathlib import Path

from glacier.dag.pipeline import Pipeline

_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class LoadError(Exception):
    """The file or pipeline could not be found."""


def load_pipeline(target: str) -> Pipeline:
    """Import FILE (as a module, not ``__main__``) and return its pipeline.

    ``FILE:name`` picks a pipeline by variable name or pipeline name when a file has several.
    ``module:name`` loads it from an importable module (how the deployed driver runs it).
    """
    path_text, _, wanted = target.partition(":")
    if len(path_text) == 1 and wanted:  # a Windows drive letter, e.g. C:\x.py
        path_text, _, wanted = target[2:].partition(":")
        path_text = target[:2] + path_text
    path = Path(path_text)
    if not path.is_file() and _MODULE.match(path_text) and wanted:
        # ``module:pipeline``: an installed module (the deployed artifact's entry).
        try:
            namespace = vars(importlib.import_module(path_text))
        except ModuleNotFoundError as exc:
            if exc.name != path_text.split(".")[0]:
                raise
            raise LoadError(f"No such file or importable module: {path_text}") from None
    elif not path.is_file():
        raise LoadError(f"No such file: {path}")
    else:
        sys.path.insert(0, str(path.parent.resolve()))
        namespace = runpy.run_path(str(path), run_name="glacier_user_pipeline")
    found = {var: obj for var, obj in namespace.items() if isinstance(obj, Pipeline)}
    if wanted:
        for var, obj in found.items():
            if wanted in (var, obj.name):
                return obj
        raise LoadError(
            f"{path} has no pipeline named {wanted!r}; pipelines: "
            f"{', '.join(sorted(found)) or 'none'}"
        )
    if len(found) == 1:
        return next(iter(found.values()))
    if not found:
        raise LoadError(f"{path} defines no @pipeline")
    raise LoadError(
        f"{path} defines several pipelines ({', '.join(sorted(found))}); pick one with {path}:NAME"
    )
