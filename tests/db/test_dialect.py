"""The SQLite dialect through the engine-neutral API of tasktui.db: the registry,
sort keys of nullable columns, the change token and the migration files."""

from __future__ import annotations

from pathlib import Path

import peewee as pw
import pytest

from tasktui import db as dbmod
from tasktui.db.dialect import Dialect
from tasktui.db.registry import _BACKENDS, _LOADED, dialect_for, register
from tasktui.db.sqlite.dialect import SqliteDialect
from tasktui.db.url import DatabaseUrl
from tasktui.errors import Invalid, NotFound, Unavailable
from tasktui.models import AuditEntry, Task
from tasktui.services.admin import maintenance

#: What SQLite does with its file; PostgreSQL's own tests are in tests/db/postgres.
pytestmark = pytest.mark.sqlite_only


def _sql(node: pw.Node) -> tuple[str, list]:
    return Task.select(node).sql()


def test_the_registry_serves_sqlite_and_names_what_it_knows():
    assert isinstance(dialect_for("sqlite"), SqliteDialect)
    assert dialect_for("SQLite") is dialect_for("sqlite")
    assert dbmod.known_schemes() == ["postgres", "postgresql", "sqlite"]
    with pytest.raises(Invalid, match="one of postgres://, postgresql://, sqlite://"):
        dialect_for("mysql")


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


class RecordingDialect(SqliteDialect):
    """SQLite under another scheme that records each maintenance call: the services of
    `tasktui db check|backup|migrate` must reach the engine only through these methods
    (a PostgreSQL dialect implements the same ones)."""

    scheme = "recording"
    calls: list[str] = []

    @staticmethod
    def _file(url: DatabaseUrl) -> DatabaseUrl:
        return DatabaseUrl.for_file(url.rest)  # recording:///abs/path

    def require_existing(self, url: DatabaseUrl) -> None:
        self.calls.append("require_existing")
        super().require_existing(self._file(url))

    def check(self, url: DatabaseUrl, *, quick: bool = False) -> dict[str, list[str]]:
        self.calls.append(f"check quick={quick}")
        return super().check(self._file(url), quick=quick)

    def stored_schema_version(self, url: DatabaseUrl) -> int:
        self.calls.append("stored_schema_version")
        return super().stored_schema_version(self._file(url))

    def backup(self, source: DatabaseUrl, target: Path, **pace) -> int:
        self.calls.append("backup")
        return super().backup(self._file(source), target, **pace)


@pytest.fixture
def recording_scheme():
    register("recording", f"{__name__}:RecordingDialect")
    RecordingDialect.calls.clear()
    yield RecordingDialect.calls
    _BACKENDS.pop("recording")
    _LOADED.pop("recording", None)


def test_maintenance_reaches_the_engine_only_through_the_dialect_of_the_url(
    database, db_path, tmp_path, recording_scheme
):
    """`db check` and `db backup` of a URL that is not a file go to that URL's dialect."""
    location = f"recording://{db_path}"
    report = maintenance.check_database(location, quick=True)
    assert report.ok and report.schema_version == dbmod.SCHEMA_VERSION
    assert list(report.problems) == ["integrity", "foreign keys", "schema version"]
    assert recording_scheme == ["require_existing", "stored_schema_version", "check quick=True"]

    recording_scheme.clear()
    result = maintenance.backup(location, tmp_path / "copy.db")
    assert recording_scheme == ["require_existing", "backup"]
    assert result.schema_version == dbmod.SCHEMA_VERSION and result.size_bytes > 0
    assert SqliteDialect().check(DatabaseUrl.for_file(tmp_path / "copy.db")) == {"integrity": [], "foreign keys": []}


def test_the_sqlite_dialect_refuses_maintenance_of_a_missing_or_empty_file(tmp_path):
    dialect = SqliteDialect()
    with pytest.raises(NotFound, match="no database at"):
        dialect.require_existing(DatabaseUrl.for_file(tmp_path / "none.db"))
    (tmp_path / "empty.db").touch()
    with pytest.raises(NotFound, match="is empty, not a tasktui database yet"):
        dialect.require_existing(DatabaseUrl.for_file(tmp_path / "empty.db"))
    assert not (tmp_path / "none.db").exists()


def test_the_sqlite_backup_refuses_a_copy_that_fails_its_check(database, db_path, tmp_path, monkeypatch):
    """The dialect checks the copy before it is moved into place (a damaged copy is no backup)."""
    from tasktui.db.sqlite import maintenance as sqlite_maintenance

    monkeypatch.setattr(sqlite_maintenance, "integrity_problems", lambda path, quick=False: ["page 3 is bad"])
    with pytest.raises(Unavailable, match="the backup copy failed its check: page 3 is bad"):
        maintenance.backup(db_path, tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()
