"""``glacier migrate``: a codemod from the Glacier V2 provider API to V3.

Usage: ``glacier migrate PATH... [--diff] [--check]`` or ``python -m glacier.migrate``.
Needs libcst (``pip install 'glacier-core[migrate]'``); it is imported only when the
codemod runs, so importing this package is cheap.
"""

from __future__ import annotations

from glacier.migrate.cli import main

__all__ = ["main"]
