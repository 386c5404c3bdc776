"""Security: private files, no SQL built from user input, no silent overwrites."""

from __future__ import annotations

import ast
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import tasktui

PACKAGE = Path(tasktui.__file__).parent


# ------------------------------------------------------------------ private files


def test_a_new_database_and_its_journal_files_are_readable_by_the_owner_only(tmp_path):
    """Even with a permissive umask, `tasktui init` creates the file 0600; SQLite
    gives the -wal and -shm files the database file's mode."""
    path = tmp_path / "new.db"
    script = "import os, sys; os.umask(0); from tasktui.cli import main; sys.argv = ['tasktui', '--db', sys.argv[1], 'init']; main()"
    proc = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    from tasktui import db as dbmod

    database = dbmod.open_database(path)
    try:
        from tasktui.services.context import acting_user

        acting_user("someone", "ops", register=True)  # a write: the -wal file exists while the connection is open
        for suffix in ("-wal", "-shm"):
            journal = Path(f"{path}{suffix}")
            assert journal.exists() and stat.S_IMODE(journal.stat().st_mode) == 0o600, suffix
    finally:
        database.close()


def test_a_backup_is_private_even_with_a_permissive_umask(cli, tmp_path):
    assert cli("init").exit_code == 0
    target = tmp_path / "backup.db"
    old = os.umask(0)
    try:
        assert cli("db", "backup", str(target)).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


# ------------------------------------------------------------------ SQL from strings

#: Calls whose first argument is SQL text.
SQL_CALLS = {"execute_sql", "execute", "executemany", "executescript", "SQL", "raw"}

#: Places allowed to build SQL text, each for a reason that rules out user input:
#: (module path relative to the package, function) -> why it is safe.
ALLOWED = {
    ("db/bulk_rows.py", "insert_rows"): "table and column names from the models' metadata; the values are parameters",
    ("db/bulk_rows.py", "insert_values"): "table and column names from the models' metadata; the values are parameters",
    ("db/bulk_rows.py", "update_rows"): "table and column names from the models' metadata; the values are parameters",
    ("db/sqlite/bulk_index.py", "recreate_trigger"): "the trigger's definition as the file's own sqlite_master held it",
    ("db/sqlite/bulk_index.py", "set_cache_size"): "PRAGMA cache_size from an int (:d)",
    ("db/sqlite/database.py", "run_script"): "runs the frozen migration files (shipped SQL) statement by statement",
    (
        "db/sqlite/database.py",
        "stamp_schema_version",
    ): "PRAGMA application_id/user_version from a constant and an int (:d)",
    (
        "db/sqlite/dialect.py",
        "query_plan",
    ): "prefixes EXPLAIN QUERY PLAN to SQL that peewee generated (values are parameters)",
    ("db/postgres/database.py", "run_script"): "runs the frozen migration files (shipped SQL) as one script",
    ("db/postgres/dialect.py", "query_plan"): "prefixes EXPLAIN to SQL that peewee generated (values are parameters)",
    (
        "db/sqlite/copy.py",
        "_run",
    ): "db copy: identifiers from models.py, quoted, or index/trigger definitions from the file's own sqlite_master",
    ("db/sqlite/copy.py", "load"): "db copy: INSERT built from identifiers of models.py, quoted; values are parameters",
    (
        "db/postgres/copy.py",
        "_run",
    ): "db copy: psycopg.sql compositions of constants and identifiers of models.py, or pg_get_indexdef's output",
    ("db/postgres/copy.py", "_compose"): "db copy: sql.SQL of a constant template of this module, then format()",
    ("db/postgres/copy.py", "_catalog"): "db copy: an index definition the server wrote (pg_get_indexdef)",
    ("db/scratch.py", "scratch_database"): "PRAGMA statements of a constant tuple of this function (an int formatted)",
    ("db/scratch.py", "__init__"): "the scratch spool's constant CREATE TABLE statements (_SCHEMA)",
    ("db/scratch.py", "_many"): "the scratch spool's constant INSERT statements; the values are parameters",
    ("db/scratch.py", "_chunks"): "the scratch spool's constant SELECT statements of this module",
}


def _is_constant_text(node: ast.AST) -> bool:
    """A string literal, a module constant (UPPER_CASE name), or text made only of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes, int))
    if isinstance(node, ast.Name):
        return node.id.isupper()
    if isinstance(node, ast.JoinedStr):
        return all(_is_constant_text(v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _is_constant_text(node.left) and _is_constant_text(node.right)
    if isinstance(node, ast.IfExp):
        return _is_constant_text(node.body) and _is_constant_text(node.orelse)
    return False


def sql_built_from_variables(source: str, filename: str) -> list[tuple[str, int, str]]:
    """(function, line, code) of every SQL call whose text is not constant."""
    tree = ast.parse(source, filename)
    found: list[tuple[str, int, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Call) and child.args:
                callee = child.func.attr if isinstance(child.func, ast.Attribute) else getattr(child.func, "id", "")
                if callee in SQL_CALLS and not _is_constant_text(child.args[0]):
                    found.append((function, child.lineno, ast.get_source_segment(source, child) or ""))
            visit(child, name)

    visit(tree, "<module>")
    return found


def test_the_scanner_catches_sql_built_from_input():
    """The scanner itself: it must flag the usual ways of splicing input into SQL."""
    bad = """
def find(db, name, table):
    db.execute_sql(f"SELECT * FROM task WHERE title = '{name}'")
    db.execute_sql("SELECT * FROM task WHERE title = '%s'" % name)
    db.execute_sql("SELECT * FROM " + table)
    db.execute_sql("SELECT * FROM task WHERE title = '{}'".format(name))
    pw.SQL(name)
    db.execute_sql("SELECT * FROM task WHERE title = ?", [name])
    db.execute_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
"""
    assert [line for _f, line, _c in sql_built_from_variables(bad, "bad.py")] == [3, 4, 5, 6, 7]


def test_no_sql_is_built_by_string_formatting_in_the_package():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        for function, line, code in sql_built_from_variables(path.read_text(encoding="utf-8"), str(path)):
            if (relative, function) not in ALLOWED:
                problems.append(f"{relative}:{line} in {function}: {code}")
    assert not problems, "SQL built from non-constant text (use parameters):\n" + "\n".join(problems)


def test_the_allow_list_has_no_stale_entries():
    used = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        used |= {(relative, f) for f, _l, _c in sql_built_from_variables(path.read_text(encoding="utf-8"), str(path))}
    assert set(ALLOWED) <= used, f"allow-listed but no longer needed: {set(ALLOWED) - used}"


# ------------------------------------------------------------------ exports


@pytest.fixture
def some_tasks(cli):
    assert cli("init").exit_code == 0
    assert cli("event", "create", "ev", "--name", "Ev", "--responsible-user", "alice").exit_code == 0
    for i in range(3):
        assert cli("raise", "ev", "--title", f"task {i}").exit_code == 0


@pytest.mark.parametrize("name", ["tasks.csv", "tasks.json"])
def test_export_never_overwrites_without_force(some_tasks, cli, tmp_path, name):
    target = tmp_path / name
    target.write_text("keep me")
    refused = cli.run("export", str(target), "--status", "all")
    assert refused.exit_code == 1, refused.stderr
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("tasktui: error: ")
    assert target.read_text() == "keep me"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(f".{name}")]  # no partial file left
    forced = cli("export", str(target), "--status", "all", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "task 2" in target.read_text()


def test_a_file_that_appears_during_an_export_is_not_overwritten(some_tasks, database, tmp_path, monkeypatch):
    """The check before writing is not enough: a file created while the export runs
    (another user, another export) must survive too."""
    from tasktui.errors import Refused
    from tasktui.services.tasks.filters import TaskFilter
    from tasktui.services.transfer import export

    monkeypatch.setattr(export, "PROGRESS_EVERY", 1)
    target = tmp_path / "race.csv"

    def someone_else_writes(done: int, total: int) -> None:
        if not target.exists():
            target.write_text("written meanwhile")

    with pytest.raises(Refused):
        export.export_tasks(TaskFilter(status="all"), target, progress=someone_else_writes)
    assert target.read_text() == "written meanwhile"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".race")] == []
