"""A corrupt file, a foreign SQLite file, a newer schema and a non-SQLite file: every
command gives one clear error line and leaves the file byte-for-byte untouched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tasktui import db as dbmod
from tasktui.models import Event
from tests.reliability.helpers import file_digest, seed_open_tasks

COMMANDS = [
    ("task", "list", "--all", "--status", "all"),
    ("raise", "ev", "--title", "new task"),
    ("db", "check"),
    ("db", "migrate"),
    ("event", "list"),
    ("db", "backup", "{tmp}/copy.db"),
]


def _make_tasktui_db(path: Path, tasks: int) -> None:
    database = dbmod.open_database(path)
    from tasktui.services.context import acting_user
    from tasktui.services.events.definitions import create_event

    acting_user("alice", "ops", register=True)
    create_event("ev", "Ev", None, None, "alice", None, None, "en")
    seed_open_tasks(database, Event.get(identifier="ev"), tasks, description="d" * 200)
    database.close()  # checkpoints: everything is in the main file, no -wal left


def _garbage_pages(path: Path, first_page: int, last_page: int) -> None:
    """Overwrite pages [first_page, last_page] (1-based) with garbage bytes."""
    page_size = int.from_bytes(path.read_bytes()[16:18], "big")
    with path.open("r+b") as f:
        for page in range(first_page, last_page + 1):
            f.seek((page - 1) * page_size)
            f.write(bytes((i * 131 + page) % 251 for i in range(page_size)))


def _page_count(path: Path) -> int:
    data = path.read_bytes()
    return len(data) // int.from_bytes(data[16:18], "big")


def _corrupt_everything_but_the_schema(path: Path) -> None:
    _make_tasktui_db(path, 200)
    # sqlite_master (page 1 and the schema pages) stays readable, so the quick
    # header check on open passes; every table and index page after it is garbage.
    con = sqlite3.connect(path)
    first_data_page = con.execute("SELECT min(rootpage) FROM sqlite_master WHERE rootpage > 0").fetchone()[0]
    con.close()
    _garbage_pages(path, max(first_data_page, 2), _page_count(path))


def _foreign(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    con.execute("INSERT INTO invoices (amount) VALUES (12.5)")
    con.commit()
    con.close()


def _newer(path: Path) -> None:
    _make_tasktui_db(path, 5)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {dbmod.SCHEMA_VERSION + 1:d}")
    con.commit()
    con.close()


def _not_sqlite(path: Path) -> None:
    path.write_text("order_id,amount\n1,12.50\n" * 200)


BAD_FILES = {
    "corrupt": (_corrupt_everything_but_the_schema, ("corrupt", "malformed", "damaged", "unusable")),
    "foreign": (_foreign, ("another application",)),
    "newer": (_newer, ("newer than this tasktui knows",)),
    "not sqlite": (_not_sqlite, ("not an SQLite file",)),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_every_command_refuses_a_bad_file_with_one_line_and_leaves_it_untouched(kind, cli, db_path, tmp_path):
    make, wanted = BAD_FILES[kind]
    make(db_path)
    digest = file_digest(db_path)
    for args in COMMANDS:
        args = tuple(a.replace("{tmp}", str(tmp_path)) for a in args)
        result = cli(*args)
        assert result.exit_code == 4, (args, result.stdout, result.stderr)
        lines = result.stderr.splitlines()
        assert lines and all(line.startswith("tasktui: error: ") for line in lines), (args, result.stderr)
        if args[:2] != ("db", "check"):
            assert len(lines) == 1, (args, result.stderr)  # `db check` gives one line per problem
        assert any(w in result.stderr for w in wanted), (args, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr
        assert file_digest(db_path) == digest, f"{args} changed the {kind} file"
    assert not (tmp_path / "copy.db").exists()
    # and a real process exits the same way
    proc = cli.run("task", "list")
    assert proc.exit_code == 4 and proc.stderr.count("\n") == 1 and proc.stderr.startswith("tasktui: error: ")
    assert file_digest(db_path) == digest


def test_damage_in_a_few_middle_pages_is_found_by_check_and_by_reads(cli, db_path):
    """Opening only looks at the header and the schema, so damage in the data pages
    surfaces when a query reads them: still one clear line (exit 4). `db check`
    reports it and `db migrate` refuses to touch the file."""
    _make_tasktui_db(db_path, 3000)
    pages = _page_count(db_path)
    _garbage_pages(db_path, pages // 2, pages // 2 + 3)
    digest = file_digest(db_path)

    listed = cli("task", "list", "--all", "--status", "all", "--format", "ids")
    assert listed.exit_code == 4, listed.stdout[-200:]
    assert listed.stderr.count("\n") == 1 and listed.stderr.startswith("tasktui: error: database ")

    check = cli("db", "check")
    assert check.exit_code == 4
    assert check.stdout.splitlines()[0].startswith("integrity: ") and "ok" not in check.stdout.splitlines()[0]
    assert all(line.startswith("tasktui: error: integrity: ") for line in check.stderr.splitlines()
               if "foreign keys" not in line)  # fmt: skip

    con = sqlite3.connect(db_path)
    con.execute(f"PRAGMA user_version = {dbmod.SCHEMA_VERSION - 1:d}")  # pretend it is out of date
    con.commit()
    con.close()
    digest = file_digest(db_path)
    migrated = cli("db", "migrate")
    assert migrated.exit_code == 4
    assert migrated.stderr.startswith("tasktui: error: ") and "damaged, not migrating" in migrated.stderr
    assert migrated.stderr.count("\n") == 1
    assert file_digest(db_path) == digest
