"""`tasktui db copy SOURCE TARGET` against a real (throwaway) PostgreSQL server: a
demo store goes SQLite -> PostgreSQL -> SQLite and comes back with every row of every
table equal, ids kept; the copy's sequences, text search and full-text index work as
if tasktui had written every row itself; a target holding data is refused; a failure
half-way leaves the target as it was; the command's exit codes and messages."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tasktui import db as dbmod
from tasktui.errors import NotFound, Refused, Unavailable
from tasktui.services.admin.copy import copy_database, copy_models
from tests.conftest import Cli, _release_connections

#: Texts searched on the original and on the copies (an attribute value, common and
#: rarer words of titles, descriptions and links, one shorter than a trigram).
SEARCHES = ["ZEBRA-77", "fail", "nightly", "SKU", "example", "Stock again", "zz", "4"]


def _fill(path: Path) -> None:
    """A demo store with a row in every table (attributes, email, channels, escalation,
    intake, web tokens, settings as well as tasks, history and comments)."""
    cli = Cli(path, user="anna")
    steps = [
        ("demo", "-n", "200"),
        ("attribute", "group", "add", "shop", "--label", "Shop"),
        ("attribute", "add", "sku", "--label", "SKU", "--type", "text", "--group", "shop"),
        ("attribute", "add", "qty", "--label", "Quantity", "--type", "integer"),
        ("attribute", "set", "add", "stock", "--name", "Stock"),
        ("attribute", "set", "add-attr", "stock", "sku"),
        ("attribute", "set", "add-attr", "stock", "qty"),
        ("event", "create", "stock_count", "--name", "Stock count", "--responsible-group", "warehouse",
         "--attribute-set", "stock", "--subject-template", "[{severity}] {title}",
         "--body-template", "{title}\n{show_hint}"),
        ("lang", "de"),
        ("email", "settings", "set", "--host", "127.0.0.1", "--port", "2525", "--from", "t@example.com",
         "--security", "none"),
        ("email", "event", "stock_count", "on"),
        ("notify", "channel", "add", "ops-chat", "https://chat.example/hook", "--store-in-db", "--group", "warehouse"),
        ("notify", "escalation", "add", "--after", "15m", "--to-user", "anna"),
        ("intake", "source", "add", "am", "--kind", "alertmanager", "--event", "stock_count"),
        ("web", "token", "add", "anna"),
        ("raise", "stock_count", "-t", "Stock difference for one SKU", "-a", "sku=ZEBRA-77", "-a", "qty=5"),
        ("raise", "stock_count", "-t", "Stock again", "-a", "sku=ZEBRA-78", "-a", "qty=6", "--dedup-key", "k1"),
        ("view", "save", "Hot", "--severity", "high+", "--shared"),
        ("task", "reopen", "1", "2", "--yes"),  # a change set (undo)
    ]  # fmt: skip
    for step in steps:
        result = cli(*step)
        assert result.exit_code == 0, (step, result.stderr)
    from tasktui.models import EscalationRule, EscalationSent, Task, utcnow

    dbmod.open_database(path)
    EscalationSent.create(task=Task.select().order_by(Task.id.desc()).get(), rule=EscalationRule.get(), at=utcnow())
    dbmod.close_database()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("copy") / "demo.db"
    _fill(path)
    return path


@pytest.fixture
def source(demo_store, tmp_path) -> Path:
    """A private copy of the demo store (tests may plant damage in it)."""
    path = tmp_path / "source.db"
    con = sqlite3.connect(demo_store)
    con.execute("VACUUM INTO ?", (str(path),))
    con.close()
    return path


def _tables(con: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if not name.startswith(("sqlite_", "task_fts"))
    ]


def _contents(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, in id order, and what the full-text index holds."""
    con = sqlite3.connect(path)
    try:
        found = {table: con.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall() for table in _tables(con)}
        found["task_fts"] = con.execute("SELECT rowid, * FROM task_fts ORDER BY rowid").fetchall()
        return found
    finally:
        con.close()


def _searches(location) -> dict[str, list[int]]:
    """The ids the task list finds for each text (every status), newest first."""
    from tasktui.services.tasks.filters import TaskFilter
    from tasktui.services.tasks.listing import page_query

    dbmod.open_database(location)
    try:
        return {
            text: [row[0] for row in page_query(TaskFilter(status="all", text=text), limit=None).tuples()]
            for text in SEARCHES
        }
    finally:
        _release_connections()


def _pg(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as con:
        return con.execute(sql).fetchall()


def test_a_store_goes_to_postgresql_and_back_with_every_row_equal(source, postgres_server, tmp_path):
    url = postgres_server.new_database()
    back = tmp_path / "back.db"
    seen: list[tuple[int, int]] = []
    untouched = source.read_bytes()

    there = copy_database(source, url, progress=lambda done, total: seen.append((done, total)))
    again = copy_database(url, back)

    assert source.read_bytes() == untouched  # the source is only read
    assert sorted(p.name for p in tmp_path.iterdir()) == ["back.db", "source.db"]
    original = _contents(source)
    assert all(original[table] for table in original), [t for t in original if not original[t]]
    assert sorted(original) == sorted([m._meta.table_name for m in copy_models()] + ["task_fts"])
    assert _contents(back) == original
    templates = sqlite3.connect(back).execute(
        "SELECT subject_template, body_template FROM event WHERE identifier = 'stock_count'"
    )
    assert templates.fetchall() == [("[{severity}] {title}", "{title}\n{show_hint}")]  # the event's own text
    assert there.rows == again.rows == {table: len(rows) for table, rows in original.items() if table != "task_fts"}
    assert seen[-1] == (there.total, there.total)
    con = sqlite3.connect(back)
    con.execute("INSERT INTO task_fts(task_fts) VALUES ('integrity-check')")  # raises when the index is wrong
    triggers = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    indexes = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index'").fetchone()
    con.close()
    assert {"task_fts_ai", "task_attr_fts_ai", "task_fts_au", "task_attr_fts_ad"} <= triggers
    assert (
        indexes == sqlite3.connect(source).execute("SELECT count(*) FROM sqlite_master WHERE type = 'index'").fetchone()
    )

    # On PostgreSQL: the same ids, each search document as its triggers make it, the
    # triggers and every index back.
    assert [row[0] for row in _pg(url, "SELECT id FROM task ORDER BY id")] == [row[0] for row in original["task"]]
    assert _pg(
        url,
        "SELECT count(*) FROM task t LEFT JOIN task_search s ON s.task_id = t.id "
        "WHERE s.doc IS DISTINCT FROM tasktui_task_doc(t.id, t.title, t.description, t.link)",
    ) == [(0,)]
    assert _pg(url, "SELECT count(*) FROM task_search") == [(len(original["task"]),)]
    assert _pg(url, "SELECT count(*) FROM task_search WHERE doc LIKE '%ZEBRA-77%'") == [(1,)]
    assert _pg(url, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'O'") == [(0,)]
    # every filled table is vacuumed (visibility maps set: counts read indexes alone)
    assert _pg(url, "SELECT relname FROM pg_stat_user_tables WHERE n_live_tup > 0 AND last_vacuum IS NULL") == [
        ("tasktui_schema",)
    ]  # written by the migrations, not by the copy
    names = {row[0] for row in _pg(url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert {
        "task_search_key_trgm",
        "task_open_dedup_key",
        "task_status_id",
        "task_attribute_task_id_attribute_id",
    } <= names
    assert _pg(url, "SELECT version FROM tasktui_schema") == [(dbmod.SCHEMA_VERSION,)]


def test_text_search_finds_the_same_tasks_on_each_copy(source, postgres_server, tmp_path):
    url = postgres_server.new_database()
    back = tmp_path / "back.db"
    copy_database(source, url)
    copy_database(url, back)

    expected = _searches(source)
    assert len(expected["ZEBRA-77"]) == 1 and expected["fail"] and expected["4"] and expected["zz"] == []
    assert _searches(url) == expected
    assert _searches(back) == expected


def test_what_is_added_after_the_copy_gets_the_next_id(source, postgres_server):
    from tasktui.models import Comment, Task, TaskHistory
    from tasktui.services.context import acting_user
    from tasktui.services.tasks.detail import add_comment
    from tasktui.services.tasks.raising import raise_task

    url = postgres_server.new_database()
    copy_database(source, url)
    con = sqlite3.connect(source)
    last_task, last_comment, last_history = (
        con.execute(f"SELECT max(id) FROM {table}").fetchone()[0] for table in ("task", "comment", "task_history")
    )
    con.close()

    dbmod.open_database(url)
    try:
        actor = acting_user("anna", "ops")
        task = raise_task(actor, "stock_count", "raised after the copy").task_id
        add_comment(actor, task, "a comment after the copy")
        assert task == last_task + 1
        assert Comment.select().order_by(Comment.id.desc()).get().id == last_comment + 1
        assert TaskHistory.select().order_by(TaskHistory.id.desc()).get().id > last_history
        assert Task.get_by_id(task).title == "raised after the copy"
    finally:
        _release_connections()


def test_a_target_holding_tasktui_data_is_refused_and_left_alone(source, postgres_server, tmp_path):
    url = postgres_server.new_database()
    copy_database(source, url)
    before = _pg(url, "SELECT id, title, updated_at FROM task ORDER BY id")

    with pytest.raises(Refused, match="already holds tasktui data .*needs an empty target"):
        copy_database(source, url)
    assert _pg(url, "SELECT id, title, updated_at FROM task ORDER BY id") == before

    used = tmp_path / "used.db"
    assert Cli(used)("init").exit_code == 0
    contents = _contents(used)
    with pytest.raises(Refused, match="already holds tasktui data"):
        copy_database(source, used)
    assert _contents(used) == contents


def _plant(path: Path, kind: str) -> None:
    """Damage the source the way a hand-edited file could be: a comment of a task that
    does not exist (the foreign key fails while loading), or a second open task with
    the dedup key of another (the dedup rule's unique index fails when it is rebuilt)."""
    con = sqlite3.connect(path)  # foreign keys are off on a plain connection
    if kind == "missing task":
        con.execute(
            "INSERT INTO comment (task_id, at, author_id, os_login, body) "
            "SELECT 999999, at, author_id, os_login, 'orphan' FROM comment LIMIT 1"
        )
    else:
        con.execute(
            "INSERT INTO task (created_at, status, title, description, link, event_id, dedup_key, occurrences, "
            "last_seen_at, updated_at) SELECT created_at, 'open', 'twin', '', '', event_id, dedup_key, 1, "
            "last_seen_at, updated_at FROM task WHERE dedup_key = 'k1' AND status = 'open'"
        )
    con.commit()
    con.close()


@pytest.mark.parametrize("kind", ["missing task", "second open task of one dedup key"])
def test_a_copy_that_fails_half_way_leaves_the_postgresql_target_as_it_was(source, postgres_server, kind):
    _plant(source, kind)
    url = postgres_server.new_database()

    with pytest.raises(Unavailable, match=r"db copy failed at .*was left as it was\)$") as failed:
        copy_database(source, url)

    assert "\n" not in str(failed.value)
    assert ("comment" in str(failed.value)) == (kind == "missing task")
    assert _pg(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    assert _pg(url, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'") == [(0,)]


def test_a_copy_that_fails_leaves_no_sqlite_file_behind(source, tmp_path):
    _plant(source, "missing task")
    target = tmp_path / "new.db"

    with pytest.raises(Unavailable, match="db copy failed at comment: .*FOREIGN KEY constraint failed"):
        copy_database(source, target)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["source.db"]


def test_rows_are_stored_as_tasktui_writes_them_and_plain_ones_pass_as_they_are():
    """An SQLite source's rows (plain values) go to executemany as they came; a row
    with a PostgreSQL source's times or booleans has them as tasktui stores them
    (ISO text with a space, 0/1), not left to the driver's deprecated adapters."""
    import datetime as dt

    from tasktui.db.sqlite.copy import _stored_rows

    plain = [(1, "title", 2.5, b"x", None), (2, "2024-01-02 03:04:05", 0, b"", None)]
    assert _stored_rows(plain) is plain
    mixed = [(1, dt.datetime(2024, 1, 2, 3, 4, 5), True, None), (2, dt.date(2024, 1, 2), False, "t")]
    assert _stored_rows(mixed) == [(1, "2024-01-02 03:04:05", 1, None), (2, "2024-01-02", 0, "t")]
    assert all(type(v) is not bool for row in _stored_rows(mixed) for v in row)


def test_sqlite_to_sqlite_keeps_every_row(source, tmp_path):
    target = tmp_path / "copy.db"
    copy_database(source, target)
    assert _contents(target) == _contents(source)
    assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_the_source_must_exist_and_differ_from_the_target(source, tmp_path):
    with pytest.raises(NotFound):
        copy_database(tmp_path / "missing.db", tmp_path / "t.db")
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(Exception, match="the source and the target are the same"):
        copy_database(source, f"sqlite:///{source}")


def _tasktui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tasktui", *args], capture_output=True, text=True, timeout=120, env=None
    )


def test_the_command_copies_refuses_and_fails_in_one_line(source, postgres_server):
    from tests.db.postgres_server import PASSWORD_ROLE, _free_port

    url = postgres_server.new_database()
    done = _tasktui("db", "copy", str(source), url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("copied ") and " tasks) in 28 tables from " in done.stdout
    assert done.stderr == ""  # no progress bar when stderr is not a terminal

    again = _tasktui("db", "copy", str(source), url)
    assert again.returncode == 1
    assert again.stderr.startswith("tasktui: error: ") and "needs an empty target" in again.stderr

    down = _tasktui("db", "copy", str(source), f"postgresql://tasktui@127.0.0.1:{_free_port()}/nowhere")
    refused = _tasktui("db", "copy", str(source), f"postgresql://{PASSWORD_ROLE}@127.0.0.1:{postgres_server.port}/x")
    for failed in (down, refused):
        assert failed.returncode == 4, failed.stderr
        assert failed.stderr.startswith("tasktui: error: cannot connect to postgresql://")
        assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
    assert "password authentication failed" in refused.stderr or "no password supplied" in refused.stderr
