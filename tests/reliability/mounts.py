"""Real file systems for the media tests: a small tmpfs (a disk that fills up) that
can be remounted read-only. Mounting needs root and mount(8); where either is
missing the tests that need it skip, saying so."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=30)


class Tmpfs:
    """A tmpfs mounted at `path` for one test; unmounted at teardown."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def free_bytes(self) -> int:
        """Free space left on it."""
        fs = os.statvfs(self.path)
        return fs.f_bavail * fs.f_frsize

    def fill(self, leave: int) -> Path:
        """Fill it with a filler file until only `leave` bytes are free; the filler."""
        filler = self.path / "filler"
        with filler.open("ab") as f:
            f.write(b"\0" * max(0, self.free_bytes() - leave))
        return filler

    def remount_read_only(self) -> None:
        """Make it read-only (like a read-only mount of a backup disk); root cannot write it either."""
        done = _run("mount", "-o", "remount,ro", str(self.path))
        assert done.returncode == 0, done.stderr


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Tmpfs]]:
    """`tmpfs("2m")` mounts a tmpfs of that size under tmp_path, or skips the test
    when this machine cannot mount one (not root, no mount(8), no permission)."""
    mounted: list[Path] = []

    def mount(size: str) -> Tmpfs:
        if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("needs root and mount(8) to mount a tmpfs (a real full or read-only file system)")
        where = tmp_path / f"mnt{len(mounted)}"
        where.mkdir()
        done = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where))
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(where)
        return Tmpfs(where)

    yield mount
    for where in reversed(mounted):
        if _run("umount", str(where)).returncode != 0:
            _run("umount", "-l", str(where))
