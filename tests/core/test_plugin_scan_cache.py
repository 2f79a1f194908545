"""The entry-point scan is cached per sys.path and rescanned when an install changes it
(glacier/plugins/scan_cache.py)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from glacier.plugins import discovery

HOUR_AGO = time.time() - 3600


def add_dist(site: Path, name: str, group: str = "glacier") -> Path:
    """A distribution folder declaring one entry point, modified an hour ago."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\n")
    (info / "entry_points.txt").write_text(f"[{group}]\n{name} = {name}.hooks\n")
    for path in (info / "entry_points.txt", info, site):
        os.utime(path, (HOUR_AGO, HOUR_AGO))
    return info


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    add_dist(folder, "alpha")
    monkeypatch.setattr(sys, "path", [str(folder)])
    monkeypatch.setenv("GLACIER_CACHE_DIR", str(tmp_path / "cache"))
    return folder


def names() -> list[str]:
    return [p.name for p in discovery.installed_plugins()]


def no_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    def scan(entry: str, read: list[str]) -> list[tuple[str, str, str]]:
        raise AssertionError(f"scanned {entry} although the cache is valid")

    monkeypatch.setattr(discovery, "scan_folder", scan)


def test_second_process_reads_the_cache(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert names() == ["alpha"]
    no_scan(monkeypatch)
    assert names() == ["alpha"]


def test_an_installed_distribution_is_found(site: Path) -> None:
    assert names() == ["alpha"]
    add_dist(site, "beta")
    os.utime(site)  # the install is now
    assert names() == ["alpha", "beta"]


def test_a_rewritten_entry_points_file_is_read_again(site: Path) -> None:
    assert names() == ["alpha"]
    (site / "alpha-1.0.dist-info" / "entry_points.txt").write_text("[console_scripts]\n")
    assert names() == []


def test_a_folder_changed_just_now_is_not_cached(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An install may be in progress: the next process scans again."""
    os.utime(site)
    assert names() == ["alpha"]
    assert not (Path(os.environ["GLACIER_CACHE_DIR"]) / "plugins").exists()


def test_a_corrupt_or_unwritable_cache_is_ignored(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert names() == ["alpha"]
    (cache,) = (tmp_path / "cache" / "plugins").iterdir()
    cache.write_text("{not json")
    assert names() == ["alpha"]
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("GLACIER_CACHE_DIR", str(blocker))  # a file: nothing can be written
    assert names() == ["alpha"]


def test_other_groups_are_not_plugins(site: Path) -> None:
    add_dist(site, "other", group="console_scripts")
    os.utime(site, (HOUR_AGO, HOUR_AGO))
    assert names() == ["alpha"]


def test_only_a_changed_folder_is_listed_again(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy folder on sys.path (the script's, /tmp) does not cost the others' scan."""
    busy = tmp_path / "busy"
    busy.mkdir()
    monkeypatch.setattr(sys, "path", [str(busy), str(site)])
    assert names() == ["alpha"]
    (busy / "new-file").write_text("")
    scanned: list[str] = []
    real = discovery.scan_folder

    def scan(entry: str, read: list[str]) -> list[tuple[str, str, str]]:
        scanned.append(entry)
        return real(entry, read)

    monkeypatch.setattr(discovery, "scan_folder", scan)
    assert names() == ["alpha"]
    assert scanned == [str(busy)]


def test_a_distribution_in_two_folders_counts_once(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendored = tmp_path / "vendored"
    vendored.mkdir()
    add_dist(vendored, "alpha")
    monkeypatch.setattr(sys, "path", [str(vendored), str(site)])
    plugins = discovery.installed_plugins()
    assert [(p.name, p.value) for p in plugins] == [("alpha", "alpha.hooks")]


def test_processes_filling_the_cache_at_once_agree(site: Path, tmp_path: Path) -> None:
    """Four processes scan and write the cache together: same plugins, a readable cache."""
    import json
    import subprocess

    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from glacier.plugins.discovery import installed_plugins; "
        "print(sorted(p.name for p in installed_plugins()))"
    )
    env = {**os.environ, "GLACIER_CACHE_DIR": str(tmp_path / "shared")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(site)], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outputs = {p.communicate(timeout=120)[0] for p in procs}
    assert len(outputs) == 1 and "'alpha'" in outputs.pop()
    (cache,) = (tmp_path / "shared" / "plugins").glob("*.json")
    assert str(site) in json.loads(cache.read_text())["folders"]
    assert not list((tmp_path / "shared" / "plugins").glob("*.tmp"))


def test_a_relative_entry_is_the_folder_it_names_now(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "" on sys.path is the working directory: another directory is another folder."""
    other = tmp_path / "other"
    other.mkdir()
    os.utime(other, (HOUR_AGO, HOUR_AGO))  # the same mtime as site: only the path differs
    monkeypatch.setattr(sys, "path", [""])
    monkeypatch.chdir(other)
    assert names() == []
    monkeypatch.chdir(site)
    assert names() == ["alpha"]
