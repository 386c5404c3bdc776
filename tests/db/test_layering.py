"""The storage seam holds: no module of the services or the TUI imports a database
driver itself (engine-specific choices live in `tasktui/db/`)."""

from __future__ import annotations

import ast
from pathlib import Path

import tasktui

PACKAGE = Path(tasktui.__file__).parent
DRIVERS = {"sqlite3", "psycopg", "psycopg2", "apsw", "pysqlite3"}


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_services_and_tui_never_import_a_database_driver():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(_imported(path) & DRIVERS)
        for package in ("services", "tui")
        for path in sorted((PACKAGE / package).rglob("*.py"))
        if _imported(path) & DRIVERS
    }
    assert offenders == {}


def test_the_check_sees_an_import_of_a_driver(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import os\nfrom sqlite3 import connect\nimport psycopg.sql\n", encoding="utf-8")
    assert _imported(module) & DRIVERS == {"sqlite3", "psycopg"}
