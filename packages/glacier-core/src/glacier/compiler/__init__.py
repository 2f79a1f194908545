"""Compile pipelines to Pulumi programs (Pulumi is a compilation target, never imported).

>>> from glacier import PulumiCompiler
>>> infra = my_pipeline.compile(PulumiCompiler())   # doctest: +SKIP
>>> infra.export_pulumi("./infra")                   # doctest: +SKIP

See docs/compiler.md. Names load lazily to keep ``import glacier.compiler`` cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glacier.compiler.compile import PulumiCompiler
    from glacier.compiler.emitter import EngineEmitter, PulumiEmitter
    from glacier.compiler.infra import CompiledInfra
    from glacier.compiler.program import ProgramWriter

_EXPORTS = {
    "PulumiCompiler": "glacier.compiler.compile",
    "CompiledInfra": "glacier.compiler.infra",
    "ProgramWriter": "glacier.compiler.program",
    "PulumiEmitter": "glacier.compiler.emitter",
    "EngineEmitter": "glacier.compiler.emitter",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'glacier.compiler' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = ["CompiledInfra", "EngineEmitter", "ProgramWriter", "PulumiCompiler", "PulumiEmitter"]
