"""Shared helpers of the reliability tests: table dumps, fast seeding, file hashes."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import peewee as pw

from tasktui.models import Event, Task, TaskHistory, utcnow


def user_tables(con: sqlite3.Connection) -> list[str]:
    """The ordinary tables of a database (no FTS shadow tables, no sqlite_ tables)."""
    rows = con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'task_fts%' ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def dump_tables(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table of the file at `path` (read-only), for before/after
    comparisons: a refused change must leave this dump identical."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        dump: dict[str, list[tuple]] = {}
        for table in user_tables(con):
            # Table names come from sqlite_master, quoted: not user input.
            dump[table] = con.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
        dump["task_fts"] = con.execute("SELECT rowid, * FROM task_fts ORDER BY rowid").fetchall()
        return dump
    finally:
        con.close()


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (to prove a file was left untouched)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seed_open_tasks(db: pw.Database, event: Event, count: int, description: str = "") -> None:
    """Insert `count` open tasks of `event` with their 'created' history, fast
    (insert_many in big transactions; bypasses raise_task on purpose)."""
    now = utcnow()
    start = (Task.select(pw.fn.MAX(Task.id)).scalar() or 0) + 1
    batch = 5000
    for first in range(start, start + count, batch):
        ids = range(first, min(first + batch, start + count))
        with db.atomic():
            Task.insert_many(
                [
                    {
                        "id": i,
                        "created_at": now,
                        "status": "open",
                        "title": f"task {i}",
                        "description": description,
                        "link": "",
                        "event": event.id,
                        "plugin": event.plugin,
                        "occurrences": 1,
                        "last_seen_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ]
            ).execute()
            TaskHistory.insert_many(
                [
                    {"task": i, "at": now, "actor": 1, "os_login": "seed", "action": "created", "new": f"task {i}"}
                    for i in ids
                ]
            ).execute()
