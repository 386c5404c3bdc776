"""Migrations keep every row: build a database at each older schema version, fill
every one of its tables, migrate it to the current version, compare.

This covers each later schema change without new code: a new migration raises
`SCHEMA_VERSION`, which adds a parameter here. The filler derives rows from the
tables' own declarations (columns, types, foreign keys); give a column a realistic
value in `REALISTIC` when a migration transforms data and needs one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tasktui import db as dbmod
from tasktui.db.sqlite.maintenance import file_schema_version
from tests.reliability.helpers import user_tables

ROWS_PER_TABLE = 3

#: (table, column) -> value for row i (1-based), where any text would not be a
#: value the application could use after the migration.
REALISTIC = {
    ("task", "status"): lambda i: ("open", "done", "open")[i - 1],
    ("attribute_def", "type"): lambda i: "text",
    ("attribute_def", "choices"): lambda i: None,
    ("attribute_def", "default"): lambda i: None,
    ("email_settings", "security"): lambda i: "none",
    ("outbox_message", "state"): lambda i: "sent",
}


def _table_order(con: sqlite3.Connection, tables: list[str]) -> list[str]:
    """Tables ordered so that every table comes after the tables it refers to."""
    parents = {t: {r[2] for r in con.execute(f'PRAGMA foreign_key_list("{t}")')} - {t} for t in tables}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= set(ordered)]
        assert ready, f"foreign keys form a cycle among {set(tables) - set(ordered)}"
        ordered.extend(sorted(ready))
    return ordered


def _value(table: str, column: str, declared: str, i: int):
    if (table, column) in REALISTIC:
        return REALISTIC[(table, column)](i)
    declared = declared.upper()
    if "DATE" in declared or "TIME" in declared:
        return f"2024-01-0{i} 10:00:0{i}"
    if "INT" in declared:
        return i % 2 if column in ("active", "obsolete", "required", "enabled", "apply_default") else i
    if "REAL" in declared or "DEC" in declared or "NUM" in declared:
        return i + 0.5
    return f"{table}.{column} {i}"


def fill_every_table(path: Path) -> dict[str, int]:
    """Insert ROWS_PER_TABLE rows into every table of the database at `path`, each
    foreign key pointing at a row inserted here; returns table -> rows inserted."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = ON")
    tables = user_tables(con)
    inserted: dict[str, list[int]] = {}
    for table in _table_order(con, tables):
        columns = con.execute(f'PRAGMA table_info("{table}")').fetchall()  # (cid, name, type, notnull, dflt, pk)
        references = {r[3]: r[2] for r in con.execute(f'PRAGMA foreign_key_list("{table}")')}
        start = (con.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0] or 0) + 1
        ids = list(range(start, start + ROWS_PER_TABLE))
        names = [c[1] for c in columns]
        for i, row_id in enumerate(ids, start=1):
            values = []
            for _cid, name, declared, _notnull, _default, pk in columns:
                if pk:
                    values.append(row_id)
                elif references.get(name) == table:  # a row of its own table (change_set.undoes)
                    values.append(None)
                elif name in references:
                    values.append(inserted[references[name]][i - 1])
                else:
                    values.append(_value(table, name, declared, i))
            marks = ", ".join("?" * len(names))
            quoted = ", ".join(f'"{n}"' for n in names)
            con.execute(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', values)
        inserted[table] = ids
    con.commit()
    con.close()
    return {t: len(ids) for t, ids in inserted.items()}


def rows_by_table(path: Path) -> dict[str, dict[int, dict]]:
    """table -> rowid -> {column: value}, every table including the text index."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    result: dict[str, dict[int, dict]] = {}
    for table in [*user_tables(con), "task_fts"]:
        rows = con.execute(f'SELECT rowid AS _rowid, * FROM "{table}"').fetchall()
        result[table] = {r["_rowid"]: {k: v for k, v in dict(r).items() if k != "_rowid"} for r in rows}
    con.close()
    return result


def test_the_filler_covers_every_table_of_the_current_schema(tmp_path):
    path = tmp_path / "current.db"
    dbmod.build_database_at(path, dbmod.SCHEMA_VERSION).close()
    filled = fill_every_table(path)
    con = sqlite3.connect(path)
    assert set(filled) == set(user_tables(con))
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
    assert all(n == ROWS_PER_TABLE for n in filled.values())


@pytest.mark.parametrize("version", range(1, dbmod.SCHEMA_VERSION))
def test_migrating_from_an_older_version_keeps_every_row(version, tmp_path, cli):
    path = tmp_path / f"v{version}.db"
    dbmod.build_database_at(path, version).close()
    filled = fill_every_table(path)
    assert filled and all(n == ROWS_PER_TABLE for n in filled.values())
    before = rows_by_table(path)

    result = cli("--db", str(path), "db", "migrate")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"migrated {path} from schema version {version} to {dbmod.SCHEMA_VERSION}"

    after = rows_by_table(path)
    for table, rows in before.items():
        assert table in after, f"table {table} was dropped"
        assert set(after[table]) >= set(rows), f"rows of {table} were lost"
        for rowid, row in rows.items():
            kept = {column: after[table][rowid].get(column, "<dropped>") for column in row}
            assert kept == row, f"{table} row {rowid} changed"
    assert cli("--db", str(path), "db", "check").exit_code == 0
    listed = cli("--db", str(path), "task", "list", "--all", "--status", "all", "--format", "ids")
    assert listed.exit_code == 0, listed.stderr
    assert sorted(int(x) for x in listed.stdout.split()) == sorted(before["task"])


def test_a_database_at_an_older_version_is_migrated_on_open_too(tmp_path, cli):
    path = tmp_path / "v1.db"
    dbmod.build_database_at(path, 1).close()
    fill_every_table(path)
    before = rows_by_table(path)["task"]
    listed = cli("--db", str(path), "task", "list", "--all", "--status", "all", "--format", "ids")
    assert listed.exit_code == 0, listed.stderr
    assert sorted(int(x) for x in listed.stdout.split()) == sorted(before)
    assert file_schema_version(path) == dbmod.SCHEMA_VERSION
