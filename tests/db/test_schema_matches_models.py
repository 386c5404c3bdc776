"""The schema a fresh database ends with (every migration applied) is the schema
`models.py` describes: every table, column (name, type — SQLite's affinity or
PostgreSQL's type — and nullability) and index (name, columns, unique), on both
engines. A migration that forgets a column or an index the models declare, or a model
changed without its migration, fails here."""

from __future__ import annotations

import sqlite3

import peewee as pw
import pytest

from tasktui import db as dbmod
from tasktui import models

#: Tables that exist beyond the models: the full-text index and its shadow tables.
NOT_MODELS = ("task_fts", "sqlite_")
#: What PostgreSQL has beyond the models: the schema version table, the table of
#: search documents (with its trigram index), the partial unique index of the dedup
#: rule.
PG_NOT_MODELS = ("tasktui_schema", "task_search")
PG_ENGINE_COLUMNS: set[tuple[str, str]] = set()
PG_ENGINE_INDEXES = {"task_open_dedup_key"}


def _affinity(declared: str) -> str:
    """SQLite's type affinity of a declared column type (section 3.1 of its docs)."""
    t = declared.upper()
    if "INT" in t:
        return "INTEGER"
    if any(word in t for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in t or not t:
        return "BLOB"
    if any(word in t for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def _schema(con: sqlite3.Connection) -> dict[str, dict[str, object]]:
    """table -> {"columns": {name: (affinity, not null)}, "indexes": {name: (columns, unique)}}."""
    tables = [
        name
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if not name.startswith(NOT_MODELS)
    ]
    schema: dict[str, dict[str, object]] = {}
    for table in tables:
        columns = {
            row[1]: (_affinity(row[2]), bool(row[3]) or bool(row[5]))
            for row in con.execute(f'PRAGMA table_info("{table}")')
        }
        indexes = {}
        for _seq, name, unique, origin, _partial in con.execute(f'PRAGMA index_list("{table}")'):
            if origin == "pk":
                continue
            cols = tuple(row[2] for row in con.execute(f'PRAGMA index_info("{name}")'))
            indexes[name] = (cols, bool(unique))
        schema[table] = {"columns": columns, "indexes": indexes}
    return schema


def _pg_schema(url: str) -> dict[str, dict[str, object]]:
    """The same description of a PostgreSQL database (information_schema, pg_index)."""
    import psycopg

    schema: dict[str, dict[str, object]] = {}
    with psycopg.connect(url) as con:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
            ).fetchall()
            if name not in PG_NOT_MODELS
        ]
        for table in tables:
            columns = {
                name: (kind, nullable == "NO")
                for name, kind, nullable in con.execute(
                    "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = %s",
                    (table,),
                ).fetchall()
                if (table, name) not in PG_ENGINE_COLUMNS
            }
            indexes = {}
            for name, unique, cols in con.execute(
                "SELECT c.relname, i.indisunique, ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(n, o) "
                "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o) "
                "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
                (f'"{table}"',),
            ).fetchall():
                if name not in PG_ENGINE_INDEXES:
                    indexes[name] = (tuple(cols), bool(unique))
            schema[table] = {"columns": columns, "indexes": indexes}
    return schema


def _pg_schema_of_models(server) -> dict[str, dict[str, object]]:
    """The schema peewee creates from `models.py` alone on PostgreSQL, in a scratch database."""
    from tasktui.db.postgres.driver import load_driver

    load_driver()
    url = server.new_database()
    database = pw.PostgresqlDatabase(url, prefer_psycopg3=True)
    classes = _model_classes()
    with database.bind_ctx(classes):
        database.create_tables(classes)
    database.close()
    return _pg_schema(url)


def _model_classes() -> list[type[pw.Model]]:
    return [
        value
        for value in vars(models).values()
        if isinstance(value, type) and issubclass(value, models.BaseModel) and value is not models.BaseModel
    ]


def _schema_of_models(tmp_path) -> dict[str, dict[str, object]]:
    """The schema peewee creates from `models.py` alone, in a separate file."""
    path = tmp_path / "from_models.db"
    database = pw.SqliteDatabase(str(path))
    classes = _model_classes()
    with database.bind_ctx(classes):
        database.create_tables(classes)
    database.close()
    con = sqlite3.connect(path)
    try:
        return _schema(con)
    finally:
        con.close()


@pytest.fixture
def migrated_schema(db_path, backend):
    dbmod.open_database(db_path).close()
    if backend == "postgresql":
        yield _pg_schema(db_path)
        return
    con = sqlite3.connect(db_path)
    try:
        yield _schema(con)
    finally:
        con.close()


@pytest.fixture
def expected(backend, tmp_path, request):
    """The schema of the models alone, on the test's engine."""
    if backend == "postgresql":
        return _pg_schema_of_models(request.getfixturevalue("postgres_server"))
    return _schema_of_models(tmp_path)


def test_every_model_has_its_table_and_nothing_else(migrated_schema, expected):
    assert sorted(migrated_schema) == sorted(expected)


def test_every_column_matches_its_field(migrated_schema, expected):
    for table, want in expected.items():
        assert migrated_schema[table]["columns"] == want["columns"], table


def test_every_index_matches_the_models(migrated_schema, expected):
    for table, want in expected.items():
        assert migrated_schema[table]["indexes"] == want["indexes"], table


@pytest.mark.sqlite_only
def test_the_comparison_sees_a_missing_index_and_a_wrong_null(db_path, tmp_path):
    """The check itself: a dropped index and a column made nullable are differences."""
    dbmod.open_database(db_path).close()
    con = sqlite3.connect(db_path)
    try:
        con.execute('DROP INDEX "task_status_id"')
        con.execute('ALTER TABLE "user" ADD COLUMN "nickname" VARCHAR(255)')
        found = _schema(con)
    finally:
        con.close()
    expected = _schema_of_models(tmp_path)
    assert found["task"]["indexes"] != expected["task"]["indexes"]
    assert found["user"]["columns"] != expected["user"]["columns"]


def test_every_dialect_ships_one_file_per_migration():
    """The ordered list in db/migrate.py and the frozen SQL files agree."""
    from tasktui.db.postgres.dialect import PostgresDialect
    from tasktui.db.sqlite.dialect import SqliteDialect

    # a reserved version (another branch's migration, not landed yet) ships no file
    stems = [m.file_stem for m in dbmod.migrate.MIGRATIONS]
    assert SqliteDialect().migration_names() == stems
    assert PostgresDialect().migration_names() == stems
    assert [m.version for m in dbmod.migrate.MIGRATIONS] == list(range(1, dbmod.SCHEMA_VERSION + 1))
