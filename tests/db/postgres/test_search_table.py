"""PostgreSQL's search documents in their own table (migration 12) and their search
key (migration 13): each task's row of `task_search` follows edits of its title,
description, link and attribute values, a bulk change of status leaves it alone, a
database upgraded from version 11 with tasks in it keeps every task searchable, and
the key is the document as the searches translate it."""

from __future__ import annotations

import pytest

from tasktui import db as dbmod
from tasktui.db import migrate
from tasktui.models import Task
from tasktui.services.attributes import definitions as attrs
from tasktui.services.attributes import sets as attr_sets
from tasktui.services.context import acting_user
from tasktui.services.events.definitions import create_event
from tasktui.services.tasks.attribute_values import set_task_attribute
from tasktui.services.tasks.counts import count_tasks
from tasktui.services.tasks.filters import TaskFilter
from tasktui.services.tasks.listing import list_tasks
from tasktui.services.tasks.raising import raise_task
from tasktui.services.tasks.transitions import assign, mark_done


def _sql(query: str, params: tuple = ()) -> list[tuple]:
    return list(dbmod.database_proxy.execute_sql(query, params).fetchall())


def _doc(task_id: int) -> str:
    rows = _sql('SELECT "doc" FROM "task_search" WHERE "task_id" = %s', (task_id,))
    assert len(rows) == 1
    return rows[0][0]


def _found(text: str) -> list[int]:
    """The ids a text search lists (every status), through the service."""
    return sorted(row.id for row in list_tasks(TaskFilter(status="all", text=text), limit=500))


def _stale() -> int:
    """Tasks whose stored document is not the one the triggers' function makes."""
    return _sql(
        "SELECT count(*) FROM task t LEFT JOIN task_search s ON s.task_id = t.id "
        "WHERE s.doc IS DISTINCT FROM tasktui_task_doc(t.id, t.title, t.description, t.link)"
    )[0][0]


@pytest.fixture
def pg(postgres_server):
    database = dbmod.open_database(postgres_server.new_database(template="tpl"))
    actor = acting_user("alice", "ops", register=True)
    attrs.create_attribute("site", "Site", "text")
    attr_sets.create_attribute_set("shop", "Shop", ["site"])
    create_event("nightly_import", "Nightly import failed", responsible_user="alice", attribute_set="shop")
    yield database, actor
    dbmod.close_database()


def test_the_document_follows_title_description_link_and_attributes(pg):
    _, actor = pg
    task = raise_task(
        actor, "nightly_import", "Import failed", "at step zebra", "https://ex.org/q", attributes={"site": "Kiel"}
    ).task_id
    other = raise_task(actor, "nightly_import", "Another thing", "").task_id
    assert "zebra" in _doc(task) and "Kiel" in _doc(task)
    assert _sql(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'task' AND column_name = 'search_doc'"
    ) == [(0,)]

    with dbmod.write_transaction():
        Task.update(title="Export stalled").where(Task.id == task).execute()
    assert _found("stalled") == [task] and _found("Import failed") == []
    with dbmod.write_transaction():
        Task.update(description="at step walrus").where(Task.id == task).execute()
    assert _found("walrus") == [task] and _found("zebra") == []
    with dbmod.write_transaction():
        Task.update(link="https://ex.org/okapi").where(Task.id == task).execute()
    assert _found("okapi") == [task] and _found("ex.org/q") == []

    set_task_attribute(actor, task, "site", "Flensburg")
    assert _found("flensburg") == [task] and _found("Kiel") == []
    set_task_attribute(actor, other, "site", "Flensburg Nord")
    assert _found("flensburg") == [task, other]
    set_task_attribute(actor, task, "site", None)
    assert _found("flensburg") == [other]
    assert _stale() == 0

    # A bulk change of status or assignee writes no document (none changes).
    before = _sql("SELECT task_id, xmin::text FROM task_search ORDER BY task_id")
    mark_done(actor, [task, other])
    assign(actor, [task, other], "alice")
    assert _sql("SELECT task_id, xmin::text FROM task_search ORDER BY task_id") == before

    # Deleting a task deletes its document.
    with dbmod.write_transaction():
        Task.delete().where(Task.id == other).execute()
    assert _sql("SELECT task_id FROM task_search ORDER BY task_id") == [(task,)]


def test_an_upgrade_from_version_11_keeps_every_task_searchable(postgres_server):
    from tasktui.db.postgres.copy import open_target
    from tasktui.db.registry import dialect_for
    from tasktui.db.url import parse_database_url

    url = postgres_server.new_database()
    parsed = parse_database_url(url)
    old = open_target(parsed, dialect_for(parsed.scheme))
    try:
        migrate.apply_migrations(old, target=11)
        with dbmod.write_transaction(old):
            old.execute_sql(
                "INSERT INTO \"user\" (id, login, display_name, active, created_at) VALUES (1, 'ann', '', true, now())"
            )
            old.execute_sql(
                "INSERT INTO event (id, identifier, name_en, obsolete, created_at) VALUES (1, 'ev', 'Ev', false, now())"
            )
            old.execute_sql(
                "INSERT INTO attribute_def (id, key, label_en, type, required, position) VALUES (1, 'site', 'Site', 'text', false, 1)"
            )
            for i, (status, title) in enumerate(
                [("open", "import failed"), ("done", "export failed"), ("open", "disk full")], start=1
            ):
                old.execute_sql(
                    "INSERT INTO task (id, created_at, status, title, description, link, event_id, assignee_id,"
                    " occurrences, last_seen_at, updated_at, severity) VALUES (%s, now(), %s, %s, '', '', 1, 1, 1, now(), now(), 3)",
                    (i, status, title),
                )
            old.execute_sql("INSERT INTO task_attribute (task_id, attribute_id, value) VALUES (3, 1, 'rack-kiel-7')")
            old.execute_sql("SELECT setval(pg_get_serial_sequence('task', 'id'), 3)")
        assert old.execute_sql("SELECT count(*) FROM task WHERE search_doc LIKE '%%rack-kiel-7%%'").fetchone() == (1,)
    finally:
        old.close()

    dbmod.open_database(url)
    try:
        assert dbmod.schema_version(dbmod.database_proxy) == migrate.SCHEMA_VERSION == 13
        assert _sql("SELECT count(*) FROM task_search") == [(3,)] and _stale() == 0
        assert _found("failed") == [1, 2]
        assert _found("rack-kiel") == [3]
        assert count_tasks(TaskFilter(status="all", text="failed")) == 2
        assert count_tasks(TaskFilter(status="open", text="fail")) == 1
        # the triggers of the new table work on the upgraded database
        actor = acting_user("ann", "ops")
        new = raise_task(actor, "ev", "import failed again").task_id
        assert _found("failed") == [1, 2, new]
        with dbmod.write_transaction():
            Task.update(title="solved").where(Task.id == 1).execute()
        assert _found("failed") == [2, new] and _stale() == 0
    finally:
        dbmod.close_database()


def test_the_search_key_is_the_document_as_the_searches_translate_it(pg):
    """Migration 13's frozen SQL and `search_key` turn the same characters into q (a
    character missing from one of them would make a search miss its task); the
    trigram index is on the key."""
    import string

    from tasktui.db.postgres.text_search import search_key

    _, actor = pg
    every = string.printable.replace("\n", "").replace("\r", "") + "äß€—"
    task = raise_task(actor, "nightly_import", every[:190], description=every).task_id
    ((doc, key),) = _sql('SELECT "doc", "key" FROM "task_search" WHERE "task_id" = %s', (task,))
    assert key == search_key(doc) and "-" in doc and "-" not in key and "ä" in key
    indexes = dict(_sql("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'task_search'"))
    assert "gin_trgm_ops" in indexes["task_search_key_trgm"] and "(key " in indexes["task_search_key_trgm"]
    assert not any("(doc " in definition for definition in indexes.values())
    assert _found("y-s") == [] and _found(every[10:40]) == [task]
