"""The shipped catalogue and stylesheet travel inside the wheel, and an installed
(non-editable) tasktui finds its catalogue there."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tasktui import db as dbmod

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from this checkout (hatchling from the test environment)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "-w", str(out), "--no-deps", "--no-build-isolation", "-q"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (built,) = out.glob("tasktui-*.whl")
    return built


def test_wheel_contains_catalogue_and_stylesheet(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"tasktui/data/catalogue/{p.name}" for p in (REPO / "data" / "catalogue").glob("*.toml")}
    assert len(shipped) == 5
    assert shipped <= names
    assert "tasktui/tasktui.tcss" in names
    for engine in ("sqlite", "postgres"):
        folder = REPO / "tasktui" / "db" / engine / "migrations"
        migrations = {f"tasktui/db/{engine}/migrations/{p.name}" for p in folder.glob("*.sql")}
        assert len(migrations) == dbmod.SCHEMA_VERSION and migrations <= names, engine


def test_installed_wheel_registers_its_own_catalogue(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "TASKTUI_USER": "alice"}
    probe = subprocess.run(
        [sys.executable, "-c", "from tasktui.services.events.manifests import catalogue_dir; print(catalogue_dir())"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert Path(probe.stdout.strip()) == target / "tasktui" / "data" / "catalogue"
    init = subprocess.run(
        [sys.executable, "-m", "tasktui", "--db", str(tmp_path / "t.db"), "init"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert init.returncode == 0, init.stderr
    assert "10 created" in init.stdout
