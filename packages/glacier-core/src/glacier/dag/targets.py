"""Load a pipeline from ``FILE[:name]`` or ``module:name``: once, with a module-level
``pipeline.run()`` skipped (see :mod:`glacier.dag.loading`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from glacier.dag.loading import SkippedRun, load_module, load_script
from glacier.dag.pipeline import Pipeline
from glacier.errors import GlacierError

#: ``package.module``: a target that names an installed module instead of a file.
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class LoadError(GlacierError):
    """The file has no pipeline of that name, or several and none was chosen."""


@dataclass
class Target:
    """The pipeline a command works on, and the run its file tried at module level."""

    pipeline: Pipeline
    skipped: SkippedRun | None = None


def split_target(target: str) -> tuple[str, str]:
    """``FILE[:name]`` -> (file, name or ""); a Windows drive letter is not a separator."""
    path_text, _, wanted = target.partition(":")
    if len(path_text) == 1 and wanted:  # a Windows drive letter, e.g. C:\x.py
        path_text, _, wanted = target[2:].partition(":")
        path_text = target[:2] + path_text
    return path_text, wanted


def load_target(target: str) -> Target:
    """Load FILE (as a module, not ``__main__``) and pick its pipeline.

    ``FILE:name`` picks a pipeline by variable name or pipeline name when a file has several;
    without it, a file with several pipelines that runs one of them at module level gets
    that one. ``module:name`` loads it from an installed module (how the deployed driver
    runs it, from the artifact).
    """
    path_text, wanted = split_target(target)
    path = Path(path_text)
    if not path.exists() and wanted and _MODULE.match(path_text):
        loaded = load_module(path_text)
    else:
        loaded = load_script(path)
    found = {var: obj for var, obj in vars(loaded.module).items() if isinstance(obj, Pipeline)}
    skipped = loaded.skipped
    if wanted:
        for var, obj in found.items():
            if wanted in (var, obj.name):
                return Target(obj, skipped)
        raise LoadError(
            f"{path} has no pipeline named {wanted!r}; pipelines: "
            f"{', '.join(sorted(found)) or 'none'}"
        )
    if len(found) == 1:
        return Target(next(iter(found.values())), skipped)
    if not found:
        raise LoadError(f"{path} defines no @pipeline")
    if skipped is not None:
        ran = [obj for obj in found.values() if obj.name == skipped.pipeline]
        if len(ran) == 1:
            return Target(ran[0], skipped)
    raise LoadError(
        f"{path} defines several pipelines ({', '.join(sorted(found))}); pick one with {path}:NAME"
    )


def load_pipeline(target: str) -> Pipeline:
    """The pipeline of ``FILE[:name]`` (see :func:`load_target`)."""
    return load_target(target).pipeline
