"""`tasktui db check|backup|migrate`: what they report, refuse and produce."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

from tasktui import db as dbmod
from tests.reliability.helpers import dump_tables, file_digest


def _init(cli, *events: str) -> None:
    assert cli("init").exit_code == 0
    for event in events:
        assert cli("event", "create", event, "--name", event, "--responsible-user", "alice").exit_code == 0


def test_check_passes_on_a_sound_database(cli):
    _init(cli, "ev")
    cli("raise", "ev", "--title", "one")
    result = cli("db", "check")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "integrity: ok",
        "foreign keys: ok",
        f"schema version: ok (version {dbmod.SCHEMA_VERSION})",
    ]
    assert result.stderr == ""


def test_check_reports_a_broken_foreign_key_and_an_old_schema_one_line_each(cli, db_path):
    _init(cli, "ev")
    cli("raise", "ev", "--title", "one")
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("UPDATE task SET event_id = 999")
    con.execute(f"PRAGMA user_version = {dbmod.SCHEMA_VERSION - 1:d}")
    con.commit()
    con.close()
    before = file_digest(db_path)
    result = cli("db", "check", "--format", "json")
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        "tasktui: error: foreign keys: task row 1 refers to a missing event row",
        f"tasktui: error: schema version: schema version {dbmod.SCHEMA_VERSION - 1} is older than "
        f"{dbmod.SCHEMA_VERSION}: run `tasktui db migrate`",
    ]
    assert '"ok": false' in result.stdout
    assert file_digest(db_path) == before  # a check never repairs nor migrates


def test_check_does_not_create_a_missing_database(cli, db_path):
    result = cli("db", "check")
    assert result.exit_code == 3
    assert result.stderr.startswith("tasktui: error: no database at") and result.stderr.count("\n") == 1
    assert not db_path.exists()


def test_migrate_applies_pending_migrations_and_says_what_it_did(cli, db_path):
    dbmod.build_database_at(db_path, 1).close()
    result = cli("db", "migrate")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"migrated {db_path} from schema version 1 to {dbmod.SCHEMA_VERSION}"
    summaries = dbmod.migration_summaries()
    assert lines[:-1] == [f"applied migration {v}: {summaries[v]}" for v in range(2, dbmod.SCHEMA_VERSION + 1)]
    again = cli("db", "migrate")
    assert again.exit_code == 0
    assert again.stdout.strip() == f"{db_path} is at schema version {dbmod.SCHEMA_VERSION}: nothing to migrate"
    assert cli("db", "check").exit_code == 0


def test_backup_is_a_private_checked_copy_and_never_overwrites_without_force(cli, db_path, tmp_path):
    _init(cli, "ev")
    for i in range(20):
        cli("raise", "ev", "--title", f"task {i}")
    target = tmp_path / "copy.db"
    result = cli("db", "backup", str(target))
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert dump_tables(target) == dump_tables(db_path)
    assert not list(tmp_path.glob(".copy.db*"))  # no partial file left behind
    assert not Path(f"{target}-wal").exists()  # the copy is one self-contained file

    target.write_text("precious")
    target.chmod(0o644)
    refused = cli("db", "backup", str(target))
    assert refused.exit_code == 1
    assert refused.stderr == f"tasktui: error: {target} exists: use --force to overwrite it\n"
    assert target.read_text() == "precious"

    forced = cli("db", "backup", str(target), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert cli("--db", str(target), "db", "check").exit_code == 0


def test_backup_refuses_its_own_database_and_a_missing_directory(cli, db_path, tmp_path):
    _init(cli)
    before = file_digest(db_path)
    same = cli("db", "backup", str(db_path), "--force")
    assert same.exit_code == 2 and same.stderr.startswith("tasktui: error: the backup must go to another file")
    missing = cli("db", "backup", str(tmp_path / "nowhere" / "x.db"))
    assert missing.exit_code == 3 and missing.stderr.count("\n") == 1
    assert file_digest(db_path) == before


RAISER = """
import sys, time
from pathlib import Path
from tasktui.db import open_database
from tasktui.services.context import acting_user
from tasktui.services.tasks.raising import raise_task
open_database(sys.argv[1])
actor = acting_user("raiser", "raiser")
stop = Path(sys.argv[2])
for i in range(100000):
    if stop.exists():
        break
    result = raise_task(actor, "ev", f"raised {i}")
    print(result.task_id, time.time(), flush=True)
"""


def test_backup_while_another_process_raises_is_a_consistent_prefix(cli, db_path, tmp_path):
    """A copy taken while a script keeps raising holds exactly the tasks committed
    before the backup began, each with its history, and passes `db check`."""
    _init(cli, "ev")
    from tasktui.models import Event
    from tests.reliability.helpers import seed_open_tasks

    database = dbmod.open_database(db_path)
    seed_open_tasks(database, Event.get(identifier="ev"), 3000, description="x" * 300)
    database.close()
    seeded = 3000
    stop = tmp_path / "stop"
    raiser = subprocess.Popen(
        [sys.executable, "-c", RAISER, str(db_path), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        lines = [raiser.stdout.readline() for _ in range(5)]  # the raiser is under way
        assert all(lines), "the raiser did not start"
        target = tmp_path / "during.db"
        started = time.time()
        result = cli.run("db", "backup", str(target), "--pages", "4", "--pause-ms", "5")
        finished = time.time()
        assert result.exit_code == 0, result.stderr
    finally:
        stop.touch()
        rest = raiser.stdout.read()  # until the raiser exits (not communicate(): it skips buffered lines)
        raiser.wait(timeout=60)
    raised = [(int(a), float(b)) for a, b in (line.split() for line in lines + rest.splitlines())]
    during = [tid for tid, at in raised if started < at < finished]
    assert len(during) >= 3, "no raise overlapped the backup: the test proves nothing"

    check = cli.run("--db", str(target), "db", "check")
    assert check.exit_code == 0, check.stderr
    con = sqlite3.connect(target)
    copied = [r[0] for r in con.execute("SELECT id FROM task WHERE id > ? ORDER BY id", (seeded,))]
    created = {r[0] for r in con.execute("SELECT task_id FROM task_history WHERE action = 'created'")}
    assert con.execute("SELECT count(*) FROM task WHERE id <= ?", (seeded,)).fetchone()[0] == seeded
    con.close()
    raised_ids = [tid for tid, _ in raised]
    assert copied == raised_ids[: len(copied)], "the copy is not a prefix of the raised tasks"
    assert 5 <= len(copied) < len(raised_ids)
    assert set(copied) <= created  # every copied task has its history row


def test_restore_as_the_readme_describes_brings_the_backup_back(cli, db_path, tmp_path):
    """README "Backup and restore": stop writers, copy the backup over the database
    file, remove stale -wal/-shm files, run `tasktui db check`. Real processes only:
    the test itself must hold no connection to the file it restores."""
    import shutil
    import signal

    assert cli.run("init").exit_code == 0
    assert cli.run("event", "create", "ev", "--name", "ev", "--responsible-user", "alice").exit_code == 0
    assert cli.run("raise", "ev", "--title", "before the backup").exit_code == 0
    backup_path = tmp_path / "nightly.db"
    assert cli.run("db", "backup", str(backup_path)).exit_code == 0
    # A writer that crashed after raising: its -wal/-shm files stay behind.
    writer = subprocess.Popen(
        [sys.executable, "-c", RAISER, str(db_path), str(tmp_path / "never")], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout.readline()
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    writer.stdout.close()
    assert Path(f"{db_path}-wal").exists()

    shutil.copyfile(backup_path, db_path)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    check = cli.run("db", "check")
    assert check.exit_code == 0, check.stderr
    titles = cli.run("task", "list", "--status", "all", "--format", "json").stdout
    assert "before the backup" in titles and "raised 0" not in titles
