"""Several Glacier buckets on one cloud bucket: merge their settings, one rule on every cloud.

Glacier buckets that share a ``bucket_name`` in one provider are one cloud bucket. Each may
carry its own bucket config (``S3Config``, ``GcsConfig``, ``BlobConfig``) and
``advanced_config``. Settings come in two kinds:

* **per-path** settings (lifecycle rules, lifecycle tiers) apply to the Glacier bucket's
  path only: they compile to rules filtered by that path's prefix;
* **bucket-level** settings (versioning, default encryption, public access, object lock,
  replication) exist once per cloud bucket: they merge to the *stronger* value (versioning
  on wins over off, KMS over AES256, ...), and the compile summary says so.

What "stronger" means for a field is declared by the config class itself, in
``merge_rules`` (a :class:`MergeRule` per field name; unlisted fields must be equal). Only a
real contradiction the user pinned (two different KMS keys, two replication destinations)
is an error. When all parts carry the same config, or only one part carries one, that config
applies to the whole bucket as written, without any prefix scoping.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from glacier.compiler.errors import ConflictingConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class Part(Generic[T]):
    """One Glacier bucket's contribution to a cloud bucket."""

    name: str
    path: str
    value: T


@dataclass(frozen=True)
class Merged(Generic[T]):
    """A merged field value and the notes for the compile summary."""

    value: T
    notes: tuple[str, ...] = ()


#: ``rule(field, parts) -> Merged``: combine one field's values (``parts[i].value``).
MergeRule = Callable[[str, Sequence[Part[Any]]], Merged[Any]]


def same(field: str, parts: Sequence[Part[Any]]) -> Merged[Any]:
    """The values must be equal (the default for fields without a rule)."""
    values = [p.value for p in parts]
    first = values[0]
    for part in parts[1:]:
        if part.value != first:
            raise ConflictingConfigError(
                f"Glacier buckets {parts[0].name!r} and {part.name!r} share one cloud bucket but "
                f"set {field} differently ({_short(first)} and {_short(part.value)}). It is a "
                f"bucket-level setting: give both the same {field}, or use two buckets."
            )
    return Merged(first)


def any_true(field: str, parts: Sequence[Part[Any]]) -> Merged[Any]:
    """True if any part sets it (e.g. versioning, public access block)."""
    value = any(bool(p.value) for p in parts)
    return Merged(value, _notes(field, parts, value))


def all_true(field: str, parts: Sequence[Part[Any]]) -> Merged[Any]:
    """True only if every part sets it (e.g. ``force_destroy``: the safer value wins)."""
    value = all(bool(p.value) for p in parts)
    return Merged(value, _notes(field, parts, value))


def strongest(order: Sequence[Any]) -> MergeRule:
    """The value latest in ``order`` (weakest first), e.g. ``["AES256", "aws:kms"]``."""

    def rule(field: str, parts: Sequence[Part[Any]]) -> Merged[Any]:
        unknown = [p.value for p in parts if p.value not in order]
        if unknown:
            raise ConflictingConfigError(f"{field}: cannot rank {unknown[0]!r} against {order}")
        value = max((p.value for p in parts), key=list(order).index)
        return Merged(value, _notes(field, parts, value))

    return rule


def longest(field: str, parts: Sequence[Part[Any]]) -> Merged[Any]:
    """The largest value any part sets (e.g. a soft-delete retention in days: the longer
    keeps more); unset parts (``None``) take it. ``None`` when no part sets one."""
    values = [p.value for p in parts if p.value is not None]
    if not values:
        return Merged(None)
    value = max(values)
    return Merged(value, _notes(field, parts, value))


def one_of(field: str, parts: Sequence[Part[Any]]) -> Merged[Any]:
    """At most one distinct non-empty value (e.g. a KMS key id): empties take it."""
    values = {_freeze(p.value): p for p in parts if p.value not in (None, [], (), "")}
    if len(values) > 1:
        a, b = list(values.values())[:2]
        raise ConflictingConfigError(
            f"Glacier buckets {a.name!r} and {b.name!r} share one cloud bucket but set "
            f"{field} to {_short(a.value)} and {_short(b.value)}; a cloud bucket has one "
            f"{field}. Give both the same value, or set it on one of them only."
        )
    if not values:
        return Merged(parts[0].value)
    value = next(iter(values.values())).value
    return Merged(value, _notes(field, parts, value))


def merge_fields(
    parts: Sequence[Part[Any]],
    fields: Sequence[str],
    rules: dict[str, MergeRule],
    per_path: Sequence[str] = (),
) -> tuple[dict[str, Any], list[str]]:
    """Merge ``fields`` of the parts' models (``getattr(part.value, field)``) by ``rules``
    (default :func:`same`); ``per_path`` fields are left to the caller. Returns the merged
    values and the notes."""
    merged: dict[str, Any] = {}
    notes: list[str] = []
    for field in fields:
        if field in per_path:
            continue
        rule = rules.get(field, same)
        result = rule(field, [Part(p.name, p.path, getattr(p.value, field)) for p in parts])
        merged[field] = result.value
        notes += result.notes
    return merged, notes


def scoped_prefix(path: str, prefix: str = "") -> str:
    """The object prefix of a per-path rule: the Glacier bucket's dataset prefix (or object
    key) followed by the rule's own prefix."""
    return f"{path}{prefix}"


def _notes(field: str, parts: Sequence[Part[Any]], value: Any) -> tuple[str, ...]:
    differing = [p for p in parts if p.value != value]
    if not differing:
        return ()
    names = ", ".join(repr(p.name) for p in differing)
    return (f"{field} is bucket-level: merged to {_short(value)} (the stronger) for {names}",)


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
