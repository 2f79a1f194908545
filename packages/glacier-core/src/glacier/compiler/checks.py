"""Input checks shared by config validators (pydantic, at construction) and the compiler
(at compile time): requirement strings, package ``include`` patterns and resource names.

Each ``*_problem`` function returns why a value is refused (or ``None``), so config
validators raise it as ``ValueError`` (pydantic names the field) and the compiler as
:class:`~glacier.compiler.errors.CompilerError`. Nothing here imports more than the standard
library at module level (``packaging`` is imported on first use).
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: Longest Glacier resource or pipeline name the compiler accepts: names become Pulumi
#: logical names, cloud names and build file names (``build/<name>.zip``, 255-byte limit).
MAX_NAME_LENGTH = 200


def _printable(text: str) -> bool:
    return all(ch.isprintable() for ch in text)


def requirement_problem(value: object) -> str | None:
    """Why ``value`` is not one PEP 508 requirement Glacier may write to a
    ``requirements.txt`` line, or ``None``.

    Refused: non-strings, empty strings, newlines and other control characters (a newline
    would add a second line, e.g. ``--extra-index-url``), pip option lines (``-e``, ``-r``,
    ``--index-url``...), anything :class:`packaging.requirements.Requirement` rejects, and
    URLs carrying credentials (``name @ https://user:token@host/...``).
    """
    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__}"
    text = value.strip()
    if not text:
        return "is empty"
    if not _printable(value):
        return (
            "contains a newline or another control character; give one requirement per list entry"
        )
    if text.startswith("-"):
        return (
            "is a pip option line; options such as --extra-index-url, -e or -r are refused. "
            "Configure package indexes on the build machine (pip.conf, PIP_INDEX_URL)"
        )
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        parsed = Requirement(text)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "invalid"
        return (
            f"is not a PEP 508 requirement ({reason}); use the form 'name', 'name>=1.2' or "
            "'name @ https://host/file.whl'"
        )
    if parsed.url:
        parts = urlsplit(parsed.url)
        ssh_user = parts.scheme.endswith("ssh") and parts.password is None
        if "@" in parts.netloc and not ssh_user:
            return (
                "has credentials in its URL, which would be written to requirements.txt and "
                "the code package; give a URL without credentials and configure access on "
                "the build machine (netrc, keyring)"
            )
    return None


def check_requirement(value: object, what: str = "requirement") -> str:
    """``value`` stripped, or ``ValueError`` naming it and why (for config validators)."""
    problem = requirement_problem(value)
    if problem is not None:
        raise ValueError(f"{what} {_show(value)} {problem}")
    assert isinstance(value, str)
    return value.strip()


def include_problem(pattern: object) -> str | None:
    """Why ``pattern`` is not a package ``include`` glob, or ``None``. Patterns are relative
    to the folder holding the handler's top-level module (``data/*.json``,
    ``mypkg/models/**/*.onnx``) and may not leave it."""
    if not isinstance(pattern, str):
        return f"must be a string, not {type(pattern).__name__}"
    if not pattern.strip():
        return "is empty"
    if not _printable(pattern):
        return "contains a control character"
    if "\\" in pattern:
        return "contains a backslash; use '/' between folders"
    if pattern.startswith("/") or (len(pattern) > 1 and pattern[1] == ":"):
        return "is absolute; give a path relative to the handler's module folder"
    if any(part in ("..", ".") for part in pattern.split("/")):
        return "contains a '.' or '..' segment; it may not leave the handler's module folder"
    return None


def check_include(value: object, what: str = "include pattern") -> str:
    """``value``, or ``ValueError`` naming it and why (for config validators)."""
    problem = include_problem(value)
    if problem is not None:
        raise ValueError(f"{what} {_show(value)} {problem}")
    assert isinstance(value, str)
    return value


def name_problem(value: object) -> str | None:
    """Why ``value`` cannot name a compiled resource (or pipeline), or ``None``: it must be
    a non-empty string of at most :data:`MAX_NAME_LENGTH` printable characters that UTF-8
    can encode (no lone surrogates)."""
    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__}"
    if not value:
        return "is empty"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate, which no file or cloud name can hold"
    if not _printable(value):
        return "contains a newline or another control character"
    if len(value) > MAX_NAME_LENGTH:
        return f"has {len(value):,} characters; the limit is {MAX_NAME_LENGTH}"
    return None


def _show(value: object, limit: int = 80) -> str:
    """``repr`` of ``value``, truncated for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
