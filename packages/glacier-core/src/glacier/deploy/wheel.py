"""A deterministic, pure-Python wheel writer (PEP 427): same files in, same bytes out.

Entries are sorted, every timestamp is 1980-01-01, permissions are 0644, compression is
deflate level 9, and ``RECORD`` (hashes and sizes) comes last. No build backend is involved:
the artifact's content is decided by Glacier, so writing the archive directly is simpler and
reproducible.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def record_hash(data: bytes) -> str:
    """``sha256=<urlsafe base64, no padding>`` as RECORD wants it."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def escape(name: str) -> str:
    """A distribution name as wheel file names and ``.dist-info`` folders spell it."""
    return "".join(c if c.isalnum() else "_" for c in name).lower()


def wheel_name(name: str, version: str, tag: str = "py3-none-any") -> str:
    return f"{escape(name)}-{version}-{tag}.whl"


def metadata_text(
    name: str,
    version: str,
    summary: str,
    requires: Sequence[str],
    requires_python: str = ">=3.11",
) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {summary}",
        f"Requires-Python: {requires_python}",
        *[f"Requires-Dist: {r}" for r in requires],
    ]
    return "\n".join(lines) + "\n"


def wheel_text(generator: str, tag: str = "py3-none-any") -> str:
    return f"Wheel-Version: 1.0\nGenerator: {generator}\nRoot-Is-Purelib: true\nTag: {tag}\n"


def entry_points_text(entry_points: Sequence[tuple[str, str, str]]) -> str:
    groups: dict[str, list[tuple[str, str]]] = {}
    for group, name, value in sorted(set(entry_points)):
        groups.setdefault(group, []).append((name, value))
    chunks = []
    for group, items in sorted(groups.items()):
        chunks.append(f"[{group}]\n" + "".join(f"{n} = {v}\n" for n, v in items))
    return "\n".join(chunks)


def write_wheel(
    target: Path,
    files: Mapping[str, bytes],
    dist_info: str,
    meta_files: Mapping[str, str],
) -> Path:
    """Write the wheel atomically. ``files``: archive path → bytes (the payload);
    ``meta_files``: file name → text under ``dist_info/`` (RECORD is added here)."""
    entries: list[tuple[str, bytes]] = [(path, files[path]) for path in sorted(files)]
    entries += [(f"{dist_info}/{n}", meta_files[n].encode()) for n in sorted(meta_files)]
    record_name = f"{dist_info}/RECORD"
    record = "".join(f"{p},{record_hash(d)},{len(d)}\n" for p, d in entries)
    record += f"{record_name},,\n"
    entries.append((record_name, record.encode()))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for path, data in entries:
                info = zipfile.ZipInfo(path, date_time=ZIP_EPOCH)
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # unix, whatever the building OS
                zf.writestr(info, data, compresslevel=9)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
