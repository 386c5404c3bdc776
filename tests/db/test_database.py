"""tasktui.db (SQLite): pragmas, BEGIN IMMEDIATE, migrations, file mode, and files it must refuse
without touching them."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from pathlib import Path

import pytest

from tasktui import db as dbmod
from tasktui.errors import Unavailable
from tasktui.models import User

#: What SQLite does with its file; PostgreSQL's own tests are in tests/db/postgres.
pytestmark = pytest.mark.sqlite_only


def test_pragmas(database):
    pragma = lambda name: database.execute_sql(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") == int(dbmod.BUSY_TIMEOUT_S * 1000)
    assert pragma("user_version") == dbmod.SCHEMA_VERSION == len(dbmod.MIGRATIONS)
    assert pragma("application_id") == dbmod.APPLICATION_ID


def test_foreign_keys_are_enforced(database):
    import peewee as pw

    from tasktui.models import Membership

    with pytest.raises(pw.IntegrityError), dbmod.write_transaction():
        Membership.insert(user=999, group=999).execute()


def test_write_transaction_takes_the_write_lock_at_begin(database, db_path):
    """Inside write_transaction, before any write, another connection cannot start a
    write: the lock is taken by BEGIN IMMEDIATE, not at the first write."""
    other = sqlite3.connect(db_path, timeout=0)
    try:
        with dbmod.write_transaction():
            User.select().count()  # a read only
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again afterwards
        other.rollback()
    finally:
        other.close()


def test_busy_database_is_unavailable_exit_4(database, db_path):
    holder = sqlite3.connect(db_path)
    holder.execute("BEGIN IMMEDIATE")
    database.execute_sql("PRAGMA busy_timeout = 50")
    try:
        with pytest.raises(Unavailable, match="busy") as err, dbmod.write_transaction():
            User.insert(login="x", display_name="x").execute()
        assert err.value.exit_code == 4
    finally:
        holder.rollback()
        holder.close()
    assert not User.select().where(User.login == "x").exists()


def test_new_file_is_private(db_path):
    database = dbmod.open_database(db_path)
    database.close()
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


def test_migrations_run_once_in_order_on_open(db_path, monkeypatch):
    original = list(dbmod.MIGRATIONS)
    database = dbmod.open_database(db_path)  # current schema
    database.close()
    calls: list[str] = []

    def add_table(db):
        calls.append("add_table")
        db.execute_sql("CREATE TABLE extra (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")

    def fill_table(db):  # needs add_table first
        calls.append("fill_table")
        db.execute_sql("INSERT INTO extra (note) VALUES ('migrated')")

    monkeypatch.setattr(dbmod.migrate, "MIGRATIONS", original + [add_table, fill_table])
    monkeypatch.setattr(dbmod.migrate, "SCHEMA_VERSION", len(original) + 2)
    database = dbmod.open_database(db_path)
    assert calls == ["add_table", "fill_table"]
    assert dbmod.schema_version(database) == len(original) + 2
    assert database.execute_sql("SELECT note FROM extra").fetchall() == [("migrated",)]
    database.close()
    database = dbmod.open_database(db_path)  # nothing pending: nothing runs again
    database.close()
    assert calls == ["add_table", "fill_table"]


def test_fresh_file_runs_every_migration_in_order(db_path, monkeypatch):
    calls: list[int] = []
    wrapped = [lambda db, n=n, m=m: (calls.append(n), m(db)) for n, m in enumerate(dbmod.MIGRATIONS, 1)]
    monkeypatch.setattr(dbmod.migrate, "MIGRATIONS", wrapped)
    dbmod.open_database(db_path).close()
    assert calls == list(range(1, len(wrapped) + 1))


def test_failed_migration_changes_nothing(db_path, monkeypatch):
    dbmod.open_database(db_path).close()
    original = list(dbmod.MIGRATIONS)

    def broken(db):
        db.execute_sql("CREATE TABLE half_done (id INTEGER)")
        raise RuntimeError("migration bug")

    monkeypatch.setattr(dbmod.migrate, "MIGRATIONS", original + [broken])
    monkeypatch.setattr(dbmod.migrate, "SCHEMA_VERSION", len(original) + 1)
    with pytest.raises(RuntimeError):
        dbmod.open_database(db_path)
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == len(original)
        assert not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'half_done'").fetchall()
    finally:
        con.close()


def test_without_migrate_an_old_schema_is_an_error(db_path, monkeypatch):
    dbmod.open_database(db_path).close()
    monkeypatch.setattr(dbmod.migrate, "MIGRATIONS", list(dbmod.migrate.MIGRATIONS) + [lambda db: None])
    monkeypatch.setattr(dbmod.migrate, "SCHEMA_VERSION", len(dbmod.migrate.MIGRATIONS))
    with pytest.raises(Unavailable, match="tasktui db migrate"):
        dbmod.open_database(db_path, migrate=False)


# --------------------------------------------------------------- files to refuse


def _snapshot(path: Path) -> tuple[bytes, int, set[str]]:
    return path.read_bytes(), path.stat().st_mtime_ns, {p.name for p in path.parent.iterdir()}


def _foreign_sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    con.execute("INSERT INTO invoices (total) VALUES (9.5)")
    con.commit()
    con.close()


def _corrupt_tasktui(path: Path) -> None:
    dbmod.open_database(path).close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xa5" * (4096 - 100)  # page 1 after the header: the schema
    path.write_bytes(bytes(data))


def _newer_tasktui(path: Path) -> None:
    dbmod.open_database(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {dbmod.SCHEMA_VERSION + 1}")
    con.commit()
    con.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("name,total\nalice,3\n"), "not a tasktui database (not an SQLite file)"),
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 20), "not a tasktui database (not an SQLite file)"),
        (_foreign_sqlite, "SQLite database of another application"),
        (_corrupt_tasktui, "corrupt or not a tasktui database"),
        (_newer_tasktui, "newer than this tasktui knows"),
    ],
    ids=["text", "truncated", "foreign", "corrupt", "newer"],
)
def test_refused_files_are_left_untouched(tmp_path, make, message):
    path = tmp_path / "victim.db"
    make(path)
    before = _snapshot(path)
    with pytest.raises(Unavailable, match=re.escape(message)) as err:
        dbmod.open_database(path)
    assert err.value.exit_code == 4
    assert _snapshot(path) == before


def test_missing_directory_is_a_clear_error_and_creates_nothing(tmp_path):
    path = tmp_path / "nowhere" / "tasks.db"
    with pytest.raises(Unavailable, match="directory .*nowhere does not exist"):
        dbmod.open_database(path)
    assert not (tmp_path / "nowhere").exists()


def test_a_directory_is_not_a_database(tmp_path):
    with pytest.raises(Unavailable, match="is not a file"):
        dbmod.open_database(tmp_path)


def test_empty_file_and_empty_sqlite_file_become_databases(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    dbmod.open_database(empty).close()
    blank = tmp_path / "blank.db"
    sqlite3.connect(blank).close()  # SQLite creates a 0-byte file
    con = sqlite3.connect(blank)
    con.execute("PRAGMA user_version")
    con.close()
    dbmod.open_database(blank).close()
    for path in (empty, blank):
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA user_version").fetchone()[0] == dbmod.SCHEMA_VERSION
        con.close()


def test_data_version_changes_after_another_commit(database, db_path):
    before = dbmod.data_version()
    other = sqlite3.connect(db_path)
    other.execute("INSERT INTO user (login, display_name, active, created_at) VALUES ('z', 'z', 1, '2025-01-01')")
    other.commit()
    other.close()
    assert dbmod.data_version() != before
    assert os.path.exists(f"{db_path}-wal")


def test_odd_characters_in_the_path(tmp_path):
    path = tmp_path / "we?ird #name%20.db"
    dbmod.open_database(path).close()
    dbmod.open_database(path).close()  # the second open inspects the existing file
    assert path.is_file() and not (tmp_path / "we").exists()


def _task_indexes(con: sqlite3.Connection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'task' AND sql IS NOT NULL"
        )
    }


@pytest.mark.parametrize("version", range(1, dbmod.SCHEMA_VERSION))
def test_migrating_gives_the_task_indexes_the_model_declares(tmp_path, version):
    """A file migrated from any older version ends with the same task indexes as a new
    file, and they are the ones models.Task declares (the count indexes of version 4
    among them); the tasks written before the migration are found through them."""
    from tasktui.models import Task
    from tasktui.services.tasks.counts import count_tasks
    from tasktui.services.tasks.filters import TaskFilter

    old = tmp_path / "old.db"
    dbmod.build_database_at(old, version).close()
    con = sqlite3.connect(old)
    con.execute("INSERT INTO user (id, login, display_name, active, created_at) VALUES (1, 'ann', '', 1, '2024-01-01')")
    con.execute(
        "INSERT INTO event (id, identifier, name_en, obsolete, created_at) VALUES (1, 'ev', 'Ev', 0, '2024-01-01')"
    )
    for i, status in enumerate(["open", "done", "done"], start=1):
        con.execute(
            "INSERT INTO task (id, created_at, status, title, description, link, event_id, assignee_id, occurrences,"
            " last_seen_at, updated_at) VALUES (?, '2024-01-01', ?, 'import failed', '', '', 1, 1, 1, '2024-01-01', '2024-01-01')",
            (i, status),
        )
    con.commit()
    con.close()
    database = dbmod.open_database(old)
    try:
        assert count_tasks(TaskFilter("direct", 1, event_id=1, status="done")) == 2
        assert count_tasks(TaskFilter("direct", 1, status="all", text="failed")) == 3
    finally:
        database.close()
    new = tmp_path / "new.db"
    dbmod.build_database_at(new, dbmod.SCHEMA_VERSION).close()
    declared = {index._name for index in Task._meta.fields_to_index()}
    migrated, fresh = sqlite3.connect(old), sqlite3.connect(new)
    try:
        assert _task_indexes(migrated) == _task_indexes(fresh) == declared
        assert "task_assignee_id_group_id_event_id_status" in declared
    finally:
        migrated.close()
        fresh.close()
