"""What a migration returns: the migrated text, the notes it added and its warnings."""

from __future__ import annotations

from dataclasses import dataclass, field


class MigrationError(Exception):
    """The migrated code would not compile; the file is left untouched."""


@dataclass(frozen=True)
class Note:
    """One message about a module: a ``# glacier-migrate:`` note or a warning.

    :param line: 1-based line number (in the migrated code for notes, the original for warnings).
    :param message: the text, without the ``glacier-migrate:`` prefix.
    """

    line: int
    message: str


@dataclass
class MigrationResult:
    """The outcome of migrating one module.

    :param source: the original text.
    :param code: the migrated text (equal to ``source`` when nothing changed).
    :param notes: ``# glacier-migrate:`` comments added by this run, with their line in ``code``.
    :param warnings: things the codemod saw but did not touch (nothing written to the file).
    """

    source: str
    code: str
    notes: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the migration changed the module."""
        return self.code != self.source
