"""Docs stay in sync with the code: every hookspec is documented in docs/plugins.md."""

from __future__ import annotations

import inspect
from pathlib import Path

from glacier.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[2]


def test_every_hookspec_is_documented() -> None:
    text = (ROOT / "docs" / "plugins.md").read_text()
    hooks = [
        n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("glacier_")
    ]
    assert len(hooks) == 6
    missing = [h for h in hooks if h not in text]
    assert not missing, f"docs/plugins.md does not mention {missing}"


def test_docs_nav_lists_every_page() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    unlisted = sorted(p for p in pages if p not in nav)
    assert not unlisted, f"pages missing from mkdocs.yml nav: {unlisted}"
