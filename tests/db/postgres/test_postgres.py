"""PostgreSQL as the shared store, against a real server: the driver loaded only for a
postgresql:// URL, one-line errors for a missing extra, a server that is down or a
refused login, libpq's own password sources, migrations of one database by many
hosts at once, a foreign database refused, the dedup rule backed by the database,
deadlocks retried, and the change token across processes and a server restart."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import threading
import time

import peewee as pw
import pytest

from tasktui import db as dbmod
from tasktui.models import Task
from tasktui.services.context import acting_user
from tasktui.services.events.definitions import create_event
from tasktui.services.tasks.raising import raise_task
from tasktui.services.tasks.transitions import mark_done
from tests.conftest import require_or_skip
from tests.db.postgres_server import PASSWORD_ROLE, PostgresServer, server_binaries


def _tasktui(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tasktui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def test_an_sqlite_raise_imports_no_postgresql_driver(tmp_path):
    code = (
        "import sys; from typer.testing import CliRunner; from tasktui.cli import app; "
        f"r = CliRunner().invoke(app, ['--db', {str(tmp_path / 't.db')!r}, '--register', 'init']); "
        "assert r.exit_code == 0, r.output; "
        f"r = CliRunner().invoke(app, ['--db', {str(tmp_path / 't.db')!r}, 'raise', 'email_delivery_failed', '-t', 'x']); "
        "assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'psycopg2', 'psycopg_binary')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_the_extra_a_postgresql_url_is_one_line_naming_it():
    """psycopg made unimportable, as on an install without `tasktui[postgres]`."""
    code = (
        "import sys; sys.modules['psycopg'] = None; sys.argv = ['tasktui', '--db', "
        "'postgresql://nobody@127.0.0.1:1/x', 'task', 'list']; from tasktui.cli import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "tasktui: error: a postgresql:// database needs the PostgreSQL driver: "
        "install the extra, pip install 'tasktui[postgres]'"
    ]


def test_a_server_that_is_down_is_one_line_and_exit_4():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = _tasktui("--db", f"postgresql://tasktui@127.0.0.1:{port}/tasks", "task", "list")
    assert done.returncode == 4, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"tasktui: error: cannot connect to postgresql://tasktui@127.0.0.1:{port}/tasks"
    )
    assert "Traceback" not in done.stderr


def test_a_refused_login_is_one_line_and_libpq_password_sources_work(postgres_server, tmp_path):
    """The password is libpq's business: PGPASSWORD and a 0600 ~/.pgpass (PGPASSFILE)
    work, tasktui never asks for or stores one, and a wrong one is one line, exit 4."""
    postgres_server.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD 'correct horse'")
    postgres_server.execute(f'CREATE DATABASE "pwdb" OWNER {PASSWORD_ROLE}')
    url = f"postgresql://{PASSWORD_ROLE}@127.0.0.1:{postgres_server.port}/pwdb"
    home = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"), "TASKTUI_USER": "alice"}

    refused = _tasktui("--db", url, "--register", "init", env={**home, "PGPASSWORD": "wrong"})
    assert refused.returncode == 4
    assert refused.stderr.splitlines() == [
        f'tasktui: error: cannot connect to {url}: password authentication failed for user "{PASSWORD_ROLE}"'
    ]
    ok = _tasktui("--db", url, "--register", "init", env={**home, "PGPASSWORD": "correct horse"})
    assert ok.returncode == 0, ok.stderr

    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{postgres_server.port}:pwdb:{PASSWORD_ROLE}:correct horse\n")
    pgpass.chmod(0o600)
    listed = _tasktui("--db", url, "event", "list", env={**home, "PGPASSFILE": str(pgpass)})
    assert listed.returncode == 0, listed.stderr
    assert "email_delivery_failed" in listed.stdout
    # nothing of the password is kept by tasktui: not in its config, not in the database
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != pgpass:
            assert b"correct horse" not in path.read_bytes(), path


def test_eight_hosts_opening_a_new_database_at_once_migrate_it_once(postgres_server):
    from tests.tasks.concurrent_writers import open_new_database_at_once

    url = postgres_server.new_database()
    report = open_new_database_at_once(url, "raced", 8)
    assert report.errors == []
    assert report.raised == 8
    import psycopg

    with psycopg.connect(url) as con:
        assert con.execute("SELECT application, version FROM tasktui_schema").fetchall() == [
            ("tasktui", dbmod.SCHEMA_VERSION)
        ]
        assert con.execute("SELECT count(*) FROM event").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM task").fetchone()[0] == 8


def test_a_host_reading_the_schema_while_another_host_migrates_it_opens_it(postgres_server, monkeypatch):
    """Another host's first migration commits right after this host's first look at
    the schema: this host must not take tasktui's fresh tables for another
    application's (it once read "no schema table" and "these tables" apart)."""
    from tasktui.db.postgres import database as pg

    url = postgres_server.new_database()
    make_database = pg.make_database
    migrated_by_other_host: list[subprocess.CompletedProcess[str]] = []

    class CursorMigratedUnder:
        """A psycopg cursor after whose first look at the schema another host migrates."""

        def __init__(self, cursor):
            self.cursor = cursor

        def execute(self, sql, *args):
            self.cursor.execute(sql, *args)
            if "tasktui_schema" in sql and not migrated_by_other_host:
                migrated_by_other_host.append(_tasktui("--db", url, "--register", "init"))
            return self.cursor

        def __getattr__(self, name):
            return getattr(self.cursor, name)

    def make_database_migrated_under_it(*args, **kwargs):
        db = make_database(*args, **kwargs)
        cursor = db.cursor
        db.cursor = lambda *a, **kw: CursorMigratedUnder(cursor(*a, **kw))
        return db

    monkeypatch.setattr(pg, "make_database", make_database_migrated_under_it)
    database = dbmod.open_database(url)
    try:
        assert [done.returncode for done in migrated_by_other_host] == [0], migrated_by_other_host[0].stderr
        assert dbmod.schema_version(database) == dbmod.SCHEMA_VERSION
    finally:
        dbmod.close_database()


def test_a_database_of_another_application_is_refused_and_left_alone(postgres_server):
    url = postgres_server.new_database()
    import psycopg

    with psycopg.connect(url) as con:
        con.execute("CREATE TABLE invoices (id int)")
    done = _tasktui("--db", url, "--register", "init")
    assert done.returncode == 4
    assert done.stderr.splitlines() == [
        f"tasktui: error: {url} is not a tasktui database (it holds other tables: invoices); use an empty database"
    ]
    with psycopg.connect(url) as con:
        tables = con.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    assert tables == [("invoices",)]


@pytest.fixture
def pg_database(postgres_server):
    database = dbmod.open_database(postgres_server.new_database(template="tpl"))
    actor = acting_user("alice", "ops", register=True)
    create_event("nightly_import", "Nightly import failed", responsible_user="alice")
    yield database, actor
    dbmod.close_database()


def test_the_database_refuses_a_second_open_task_with_one_dedup_key(pg_database):
    """The partial unique index behind the dedup rule: even SQL that bypasses the
    raise path cannot make two open tasks of one (event, dedup key)."""
    _, actor = pg_database
    first = raise_task(actor, "nightly_import", "Import failed", dedup_key="shop-1")
    row = Task.get_by_id(first.task_id)
    with pytest.raises(pw.IntegrityError), dbmod.write_transaction():
        Task.insert(
            created_at=row.created_at, status="open", title="copy", description="", link="", event=row.event_id,
            dedup_key="shop-1", occurrences=1, last_seen_at=row.created_at, updated_at=row.created_at,
        ).execute()  # fmt: skip
    mark_done(actor, [first.task_id])
    again = raise_task(actor, "nightly_import", "Import failed again", dedup_key="shop-1")
    assert again.task_id != first.task_id  # a done task does not hold the key


def test_no_statement_is_prepared_on_the_server_so_each_is_planned_for_its_values(pg_database):
    """psycopg prepares a statement after its fifth run, and PostgreSQL then plans it
    once for any parameter values (a generic plan: an open-task page or count of
    1,000,000 tasks took 120-150 ms instead of 1-3 ms). tasktui's connections never
    prepare: the same page query run ten times leaves no prepared statement."""
    from tasktui.services.tasks.counts import count_tasks
    from tasktui.services.tasks.filters import TaskFilter
    from tasktui.services.tasks.listing import list_tasks

    database, actor = pg_database
    raise_task(actor, "nightly_import", "Import failed")
    for _ in range(10):
        assert len(list_tasks(TaskFilter(status="open"), limit=50)) == 1
        assert count_tasks(TaskFilter(status="open")) == 1
    assert database.execute_sql("SELECT count(*) FROM pg_prepared_statements").fetchone() == (0,)


def _register_at_once(login: str, callers: int) -> tuple[list[int], list[BaseException]]:
    """`callers` threads (each with its own connection) register `login` at once."""
    import threading

    barrier = threading.Barrier(callers)
    ids: list[int] = []
    errors: list[BaseException] = []

    def register() -> None:
        barrier.wait()
        try:
            ids.append(acting_user(login, login, register=True).user_id)
        except BaseException as e:  # every failure is reported by the caller
            errors.append(e)
        finally:
            dbmod.database_proxy.close()

    threads = [threading.Thread(target=register) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return ids, errors


def test_processes_registering_one_new_login_at_once_make_one_user(pg_database):
    """Two `notify` processes starting at once both registered their login: the
    second one hit the unique index ("database is unusable", exit 4). Registrations of
    one login take turns: every caller gets the one user."""
    from tasktui.models import User

    for round_ in range(5):
        login = f"sender{round_}"
        ids, errors = _register_at_once(login, 8)
        assert errors == [] and len(ids) == 8 and len(set(ids)) == 1, (login, errors)
        assert User.select().where(User.login == login).count() == 1


def _deadlocking_writers(a: int, b: int, attempts: int) -> tuple[dict[str, int], dict[str, BaseException]]:
    """Two threads (two connections) update tasks `a` and `b` in opposite orders, each
    in `retrying(..., attempts=attempts)`, meeting at a barrier after their first
    update: PostgreSQL finds the deadlock and aborts one of them."""
    barrier = threading.Barrier(2, timeout=30)
    runs = {"first": 0, "second": 0}
    failures: dict[str, BaseException] = {}

    def writer(name: str, order: tuple[int, int]) -> None:
        def work() -> None:
            runs[name] += 1
            Task.update(title=f"{name} 1").where(Task.id == order[0]).execute()
            if runs[name] == 1:
                barrier.wait()
            Task.update(title=f"{name} 2").where(Task.id == order[1]).execute()

        try:
            dbmod.retrying(work, attempts=attempts)
        except BaseException as e:  # reported to the test
            failures[name] = e
        finally:
            dbmod.close_database()

    threads = [
        threading.Thread(target=writer, args=("first", (a, b))),
        threading.Thread(target=writer, args=("second", (b, a))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return runs, failures


def test_a_deadlock_between_two_writers_is_retried(pg_database):
    """The aborted transaction runs again after the other commits: both land, and the
    one that ran twice wrote last."""
    _, actor = pg_database
    a = raise_task(actor, "nightly_import", "A").task_id
    b = raise_task(actor, "nightly_import", "B").task_id
    runs, failures = _deadlocking_writers(a, b, attempts=dbmod.connection.TRANSACTION_ATTEMPTS)
    assert failures == {}
    assert sorted(runs.values()) == [1, 2]
    again = max(runs, key=lambda name: runs[name])
    assert {t.title for t in Task.select().where(Task.id.in_([a, b]))} == {f"{again} 1", f"{again} 2"}


def test_a_deadlock_past_the_attempts_is_unavailable(pg_database):
    """When the attempts are used up, the error is Unavailable (exit code 4) with one
    line naming the deadlock, and the aborted writer changed nothing."""
    from tasktui.errors import Unavailable

    _, actor = pg_database
    a = raise_task(actor, "nightly_import", "A").task_id
    b = raise_task(actor, "nightly_import", "B").task_id
    _runs, failures = _deadlocking_writers(a, b, attempts=1)
    assert len(failures) == 1
    ((loser, error),) = failures.items()
    assert isinstance(error, Unavailable) and str(error).startswith("concurrent writes deadlocked, even after retrying")
    winner = "second" if loser == "first" else "first"
    assert {t.title for t in Task.select().where(Task.id.in_([a, b]))} == {f"{winner} 1", f"{winner} 2"}


def test_the_change_token_moves_for_another_process_and_after_a_restart(tmp_path):
    binaries = server_binaries()
    require_or_skip(binaries is not None, "PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    assert binaries is not None
    server = PostgresServer(binaries).start()
    try:
        url = server.create_database("live")
        env = {"TASKTUI_USER": "bob", "XDG_CONFIG_HOME": str(tmp_path)}
        assert _tasktui("--db", url, "--register", "init", env=env).returncode == 0
        dbmod.open_database(url)
        token = dbmod.change_token()
        assert dbmod.change_token() == token  # nothing happened
        assert _tasktui("--db", url, "raise", "email_delivery_failed", "-t", "from elsewhere", env=env).returncode == 0
        deadline = time.monotonic() + 2
        while dbmod.change_token() == token and time.monotonic() < deadline:
            time.sleep(0.05)
        assert dbmod.change_token() != token, "no change seen within 2 s"
        token = dbmod.change_token()
        server.restart()
        after = dbmod.change_token()  # reconnects instead of failing
        assert after != token  # what was sent while away is lost: the screen reloads
        assert Task.select().count() == 1
    finally:
        dbmod.close_database()
        from tests.conftest import _release_connections

        _release_connections()
        server.stop()


def test_two_claimers_take_different_outbox_messages_without_waiting(pg_database):
    """FOR UPDATE SKIP LOCKED: while one sender's claim transaction is still open, a
    second sender skips that message and claims the next one at once."""
    from tasktui.models import OutboxMessage
    from tasktui.services.mail import outbox
    from tasktui.services.mail.settings import update_settings
    from tasktui.services.people import edit_user

    _, actor = pg_database
    edit_user("alice", email="alice@example.com")
    update_settings(host="smtp.example.com", from_address="tasks@example.com")
    for title in ("one", "two"):
        raise_task(actor, "nightly_import", title)
    assert OutboxMessage.select().count() == 2
    holding, release = threading.Event(), threading.Event()
    claimed: dict[str, int] = {}

    def first() -> None:
        try:
            with dbmod.write_transaction():
                rows = list(
                    dbmod.claim_rows(OutboxMessage.select(OutboxMessage.id).order_by(OutboxMessage.id).limit(1))
                )
                claimed["first"] = rows[0].id
                holding.set()
                release.wait(30)
        finally:
            dbmod.close_database()

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(30)
    started = time.monotonic()
    message = outbox.claim_next("second-sender")
    waited = time.monotonic() - started
    release.set()
    thread.join(30)
    assert message is not None and message.id != claimed["first"]
    assert waited < 2  # skipped the locked row instead of waiting for it


def test_a_statement_past_its_time_limit_is_cancelled_and_told(pg_database):
    """`time_limit` cancels a statement on the server (statement_timeout), and the
    dialect tells that error; the exact count of a filter then keeps the capped one."""
    from tasktui.services.tasks.counts import TaskCount, count_within
    from tasktui.services.tasks.filters import TaskFilter

    database, actor = pg_database
    started = time.monotonic()
    with pytest.raises(pw.DatabaseError) as caught, dbmod.time_limit(0.1):
        database.execute_sql("SELECT pg_sleep(5)")
    assert time.monotonic() - started < 3
    assert dbmod.current_dialect().is_timeout(caught.value)
    for title in ("a", "b", "c"):
        raise_task(actor, "nightly_import", title)
    flt = TaskFilter(user_id=actor.user_id, status="all", assignee_mode="all")
    assert count_within(flt, 5, TaskCount(2, exact=False)) == TaskCount(3)


def test_tasktui_db_and_the_config_file_take_a_postgresql_url(postgres_server, tmp_path):
    url = postgres_server.new_database(template="tpl")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "TASKTUI_USER": "alice", "TASKTUI_DB": url}
    assert _tasktui("--register", "init", env=env).returncode == 0
    raised = _tasktui("raise", "email_delivery_failed", "-t", "via TASKTUI_DB", env=env)
    assert raised.returncode == 0, raised.stderr
    (tmp_path / "config" / "tasktui").mkdir(parents=True)
    (tmp_path / "config" / "tasktui" / "config.toml").write_text(f'db = "{url}"\n')
    env.pop("TASKTUI_DB")
    listed = _tasktui("task", "list", "--format", "json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert [t["title"] for t in json.loads(listed.stdout)] == ["via TASKTUI_DB"]


def test_db_check_backup_and_migrate_on_postgresql(postgres_server, tmp_path):
    """`db check` (catalog checks, pg_amcheck when installed), `db backup` (pg_dump -Fc,
    restorable with pg_restore) and `db migrate` of a PostgreSQL database, and a
    database that holds no tasktui schema yet named as such."""
    import shutil

    url = postgres_server.new_database(template="tpl")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "TASKTUI_USER": "alice"}
    assert _tasktui("--db", url, "--register", "init", env=env).returncode == 0
    assert _tasktui("--db", url, "raise", "email_delivery_failed", "-t", "kept", env=env).returncode == 0
    check = _tasktui("--db", url, "db", "check", "--format", "json", env=env)
    assert check.returncode == 0, check.stderr
    report = json.loads(check.stdout)
    assert report["ok"] and report["schema_version"] == dbmod.SCHEMA_VERSION
    migrate = _tasktui("--db", url, "db", "migrate", env=env)
    assert migrate.returncode == 0 and "nothing to migrate" in migrate.stdout
    if shutil.which("pg_dump") is None and not list(glob.glob("/usr/lib/postgresql/*/bin/pg_dump")):
        pytest.skip("pg_dump is not installed")
    backup = _tasktui("--db", url, "db", "backup", str(tmp_path / "tasks.dump"), env=env)
    assert backup.returncode == 0, backup.stderr
    restored = postgres_server.new_database()
    restore_bin = shutil.which("pg_restore") or sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_restore"))[-1]
    done = subprocess.run(
        [restore_bin, "--no-owner", "-d", restored, str(tmp_path / "tasks.dump")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    listed = _tasktui("--db", restored, "task", "list", "--format", "json", env=env)
    assert [t["title"] for t in json.loads(listed.stdout)] == ["kept"]
    empty = postgres_server.new_database()
    missing = _tasktui("--db", empty, "db", "check", env=env)
    assert missing.returncode == 3
    assert missing.stderr.splitlines() == [
        f"tasktui: error: {empty} holds no tasktui database yet (create one with `tasktui init`)"
    ]
