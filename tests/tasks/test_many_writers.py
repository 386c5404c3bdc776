"""Many writers at once: 8 processes each raise 250 tasks into one database file at
the same moment (each raise its own write transaction): every task is stored and no
process meets "database is locked". Also with one shared dedup key (one task, 2,000
occurrences) and 8 processes opening a brand-new file together (migrations race)."""

from __future__ import annotations

import sqlite3

import pytest

from tasktui import db as dbmod
from tasktui.db.sqlite.maintenance import integrity_problems
from tasktui.services.context import acting_user
from tasktui.services.events.definitions import create_event
from tests.tasks.concurrent_writers import open_new_database_at_once, run_writers

PROCESSES = 8
PER_PROCESS = 250
TOTAL = PROCESSES * PER_PROCESS


@pytest.fixture
def shared_db(db_path):
    """A database with the event `nightly_import`, closed again (the writers open it)."""
    dbmod.open_database(db_path)
    acting_user("alice", "ops", register=True)
    create_event("nightly_import", "Nightly import failed", responsible_user="alice")
    dbmod.close_database()
    return db_path


def _query(location, sql: str):
    """Rows of `sql` read over a connection of its own (read only on SQLite)."""
    if isinstance(location, str) and location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location) as con:
            return [tuple(row) for row in con.execute(sql).fetchall()]
    con = sqlite3.connect(f"file:{location}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _integrity_problems(location) -> list[str]:
    dialect, url = dbmod.dialect_for_url(location)
    return [problem for found in dialect.check(url).values() for problem in found]


@pytest.mark.slow
def test_8_processes_raise_2000_tasks_at_once_and_none_is_lost(shared_db):
    report = run_writers(shared_db, "nightly_import", PROCESSES, PER_PROCESS)
    assert report.errors == []  # in particular no "database is locked" / busy
    assert [w.raised for w in report.writers] == [PER_PROCESS] * PROCESSES
    assert _query(shared_db, "SELECT count(*), count(DISTINCT title) FROM task") == [(TOTAL, TOTAL)]
    per_writer = _query(shared_db, "SELECT os_login, count(*) FROM task_history GROUP BY os_login ORDER BY os_login")
    assert per_writer == [(f"os-writer{i}", PER_PROCESS) for i in range(PROCESSES)]
    assert _integrity_problems(shared_db) == []


@pytest.mark.slow
def test_8_processes_with_one_dedup_key_make_one_task_of_2000_occurrences(shared_db):
    report = run_writers(shared_db, "nightly_import", PROCESSES, PER_PROCESS, dedup_key="import-lock")
    assert report.errors == []
    assert report.raised == TOTAL
    assert _query(shared_db, "SELECT count(*), sum(occurrences), min(dedup_key) FROM task") == [
        (1, TOTAL, "import-lock")
    ]
    actions = _query(shared_db, "SELECT action, count(*) FROM task_history GROUP BY action ORDER BY action")
    assert actions == [("created", 1), ("deduplicated", TOTAL - 1)]
    # every occurrence counted exactly once: the history's old -> new steps are 1..TOTAL
    steps = _query(shared_db, "SELECT CAST(old AS INTEGER) FROM task_history WHERE action = 'deduplicated' ORDER BY 1")
    assert [s for (s,) in steps] == list(range(1, TOTAL))


@pytest.mark.parametrize("round_", range(3))  # a race: a few rounds make a loss likely to show
def test_8_processes_opening_a_brand_new_file_at_once(tmp_path, round_):
    path = tmp_path / "brand-new.db"
    report = open_new_database_at_once(path, "raced", PROCESSES)
    assert report.errors == []  # e.g. no "database is locked" while switching to WAL
    assert report.raised == PROCESSES
    assert _query(path, "PRAGMA user_version") == [(dbmod.SCHEMA_VERSION,)]
    assert _query(path, "PRAGMA journal_mode") == [("wal",)]
    assert _query(path, "SELECT count(*) FROM event") == [(1,)]
    assert _query(path, "SELECT count(*) FROM task") == [(PROCESSES,)]
    assert integrity_problems(path) == []
