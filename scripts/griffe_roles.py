"""Griffe extension for the docs build: Sphinx roles in docstrings become cross-references.

Glacier's docstrings use Sphinx roles (``:class:`Pipeline```, ``:meth:`build```,
``:mod:`glacier.dag.loading```), which Markdown shows as raw text. mkdocs.yml loads this file
(``scripts/griffe_roles.py:SphinxRoles``); each role becomes an *optional* autorefs link:
a link when the target is documented on some page, plain code otherwise (no warning, so
``mkdocs build --strict`` stays meaningful for real broken links).

Targets resolve like Sphinx's: a dotted name is used as given; a bare name is looked up from
the object's class or module outward (``:meth:`build``` in ``Pipeline.run``'s docstring is
``glacier.dag.pipeline.Pipeline.build``). ``~`` shows only the last component.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(
    r":(?:py:)?(?P<role>class|meth|func|mod|attr|exc|data|obj|const|ref):`(?P<tilde>~?)(?P<target>[^`]+)`"
)


def _scopes(obj: griffe.Object) -> list[str]:
    """Paths a bare name may be relative to, innermost first."""
    scopes: list[str] = []
    current: Any = obj if (obj.is_class or obj.is_module) else obj.parent
    while current is not None:
        scopes.append(current.path)
        current = current.parent
    return scopes


def _identifier(obj: griffe.Object, target: str) -> str:
    target = target.lstrip(".")
    modules = obj.modules_collection
    for scope in _scopes(obj):
        candidate = f"{scope}.{target}"
        try:
            modules.get_member(candidate)
        except Exception:  # not found, or an alias griffe cannot resolve (e.g. to stdlib)
            continue
        return candidate
    return target


def convert(text: str, obj: griffe.Object) -> str:
    """``text`` with every Sphinx role replaced by an optional autorefs link."""

    def replace(match: re.Match[str]) -> str:
        target = match["target"].strip()
        shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
        if match["role"] in ("meth", "func"):
            shown += "()" if not shown.endswith(")") else ""
        if match["role"] == "ref":
            return f"`{shown}`"
        identifier = _identifier(obj, target)
        return f'<autoref identifier="{identifier}" optional><code>{shown}</code></autoref>'

    return _ROLE.sub(replace, text)


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring once the object tree is complete."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ":" in obj.docstring.value:
            obj.docstring.value = convert(obj.docstring.value, obj)
