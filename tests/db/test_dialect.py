"""The SQLite dialect through the engine-neutral API of tasktui.db: the registry,
sort keys of nullable columns, the change token and the migration files."""

from __future__ import annotations

import peewee as pw
import pytest

from tasktui import db as dbmod
from tasktui.db.dialect import Dialect
from tasktui.db.registry import dialect_for
from tasktui.db.sqlite.dialect import SqliteDialect
from tasktui.errors import Invalid
from tasktui.models import AuditEntry, Task

#: What SQLite does with its file; PostgreSQL's own tests are in tests/db/postgres.
pytestmark = pytest.mark.sqlite_only


def _sql(node: pw.Node) -> tuple[str, list]:
    return Task.select(node).sql()


def test_the_registry_serves_sqlite_and_names_what_it_knows():
    assert isinstance(dialect_for("sqlite"), SqliteDialect)
    assert dialect_for("SQLite") is dialect_for("sqlite")
    assert dbmod.known_schemes() == ["sqlite"]
    with pytest.raises(Invalid, match="one of sqlite://"):
        dialect_for("postgresql")


def test_an_engine_missing_a_method_cannot_be_made():
    class Half(Dialect):
        scheme = "half"
        cheap_total_count = False

    with pytest.raises(TypeError, match="abstract"):
        Half()  # type: ignore[abstract]


def test_sort_keys_of_nullable_columns_are_what_the_task_list_sorts_by(database):
    """The expressions the task list sorts nullable columns by (services/tasks/listing.py): nulls first, a total order."""
    assert _sql(dbmod.sort_key(Task.done_at)) == _sql(pw.fn.COALESCE(Task.done_at, ""))
    assert _sql(dbmod.sort_key(Task.plugin)) == _sql(pw.fn.COALESCE(Task.plugin, ""))
    assert _sql(dbmod.sort_key(Task.assignee)) == _sql(pw.fn.COALESCE(Task.assignee, 0))
    assert _sql(dbmod.sort_key(Task.group)) == _sql(pw.fn.COALESCE(Task.group, 0))
    assert dbmod.sort_key(Task.title) is Task.title  # not null: the column itself
    assert "COALESCE" in _sql(dbmod.sort_key(AuditEntry.field))[0]


def test_the_change_token_is_data_version(database):
    assert dbmod.data_version is dbmod.change_token
    assert dbmod.change_token() == database.execute_sql("PRAGMA data_version").fetchone()[0]


def test_the_open_database_knows_its_dialect(database):
    assert isinstance(dbmod.current_dialect(), SqliteDialect)
    assert dbmod.dialect_of(database) is dbmod.current_dialect()
    assert dbmod.schema_version(database) == dbmod.SCHEMA_VERSION
    assert not dbmod.is_read_only()
