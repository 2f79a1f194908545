"""Installed distributions: Glacier's own (vendored into the artifact) and third-party ones
(pinned to the versions installed here).

Glacier distributions are glacier-core and every distribution declaring a ``glacier`` entry
point (the plugins). Their packages are located with :func:`importlib.util.find_spec`, so
editable installs of a checkout and regular installs both work.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from glacier.errors import ArtifactError

CORE = "glacier-core"
GROUP = "glacier"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)(;.*)?$")


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name (``Glacier_AWS`` → ``glacier-aws``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class GlacierDist:
    """One Glacier distribution to vendor."""

    name: str
    version: str
    #: Top-level import names (``glacier``, ``glacier_aws``).
    top_level: tuple[str, ...]
    #: Entry points to carry over: (group, name, value).
    entry_points: tuple[tuple[str, str, str], ...] = ()
    #: ``Requires-Dist`` lines (raw).
    requires: tuple[str, ...] = field(default=())

    def package_paths(self) -> list[tuple[str, Path]]:
        """(top-level name, its package directory or module file) as installed here."""
        out: list[tuple[str, Path]] = []
        for top in self.top_level:
            spec = importlib.util.find_spec(top)
            if spec is None:
                raise ArtifactError(f"{self.name}: cannot locate its package {top!r}.")
            if spec.submodule_search_locations:
                out.append((top, Path(next(iter(spec.submodule_search_locations)))))
            elif spec.origin:
                out.append((top, Path(spec.origin)))
        return out


def _dist_of(dist: metadata.Distribution, tops: Iterable[str]) -> GlacierDist:
    eps = tuple(
        sorted(
            (ep.group, ep.name, ep.value)
            for ep in dist.entry_points
            if ep.group in (GROUP, "console_scripts")
        )
    )
    return GlacierDist(
        name=canonical(dist.metadata["Name"]),
        version=dist.version,
        top_level=tuple(sorted(set(tops))),
        entry_points=eps,
        requires=tuple(dist.requires or ()),
    )


@lru_cache(maxsize=1)
def glacier_distributions() -> dict[str, GlacierDist]:
    """Installed Glacier distributions by top-level import name."""
    out: dict[str, GlacierDist] = {}
    try:
        core = metadata.distribution(CORE)
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        core = None
    if core is not None:
        out["glacier"] = _dist_of(core, ["glacier"])
    seen: set[str] = {CORE}
    for ep in metadata.entry_points(group=GROUP):
        if ep.dist is None:
            continue
        name = canonical(ep.dist.metadata["Name"])
        top = ep.value.split(":")[0].split(".")[0]
        if name in seen and top in out:
            continue
        seen.add(name)
        tops = [t for t, d in out.items() if d.name == name] + [top]
        dist = _dist_of(ep.dist, tops)
        for t in dist.top_level:
            out[t] = dist
    return out


def glacier_top_levels() -> set[str]:
    """Top-level names provided by Glacier distributions (never taken as user modules)."""
    return set(glacier_distributions()) | {"glacier"}


@lru_cache(maxsize=1)
def _top_to_dists() -> dict[str, list[str]]:
    return {k: list(v) for k, v in metadata.packages_distributions().items()}


def distributions_for_imports(names: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Third-party top-level import names → ``{canonical dist: version}``; also the names no
    installed distribution provides (optional imports, or missing packages)."""
    found: dict[str, str] = {}
    unresolved: list[str] = []
    table = _top_to_dists()
    for name in sorted(set(names)):
        dists = table.get(name)
        if not dists:
            unresolved.append(name)
            continue
        for dist_name in dists:
            try:
                found[canonical(dist_name)] = metadata.version(dist_name)
            except metadata.PackageNotFoundError:
                unresolved.append(name)
    return found, unresolved


def pinned_requirements(
    dists: Iterable[GlacierDist], extra: dict[str, str], exclude: set[str]
) -> list[str]:
    """Exact pins (``name==version``) for the vendored distributions' own requirements and
    ``extra``; requirements only needed by an extra are skipped, environment markers kept.
    Distributions in ``exclude`` (the vendored ones) are left out. Sorted by name."""
    pins: dict[str, str] = {}
    for name, version in extra.items():
        if name not in exclude:
            pins[name] = f"{name}=={version}"
    for dist in dists:
        for line in dist.requires:
            match = _NAME.match(line)
            if match is None:
                continue
            raw, extras, spec, marker = match.groups()
            if marker and "extra" in marker:
                continue
            name = canonical(raw)
            if name in exclude or name in pins:
                continue
            try:
                version = metadata.version(raw)
                pinned = f"{name}{extras or ''}=={version}"
            except metadata.PackageNotFoundError:
                pinned = f"{name}{extras or ''}{spec.strip()}"
            pins[name] = pinned + (f" ;{marker[1:]}" if marker else "")
    return [pins[k] for k in sorted(pins)]
