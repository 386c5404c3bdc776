"""Files tasktui must refuse stay byte-for-byte as they were, and so does their
directory: no -wal or -shm is created next to them. Only a file with neither an
application id nor a schema is adopted. `db check` and `db backup` leave no side
files either, and the backup's temporary file is never one somebody planted."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tasktui import db as dbmod
from tests.conftest import Cli

COMMANDS = [
    ("task", "list", "--all", "--status", "all"),
    ("raise", "ev", "--title", "new task"),
    ("event", "list"),
    ("init",),
    ("db", "check"),
    ("db", "migrate"),
    ("db", "backup", "{out}/copy.db"),
]


def _listing(directory: Path) -> dict[str, bytes]:
    """Every file of `directory` with its bytes: the directory as a refused file left it."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _sqlite(path: Path, *statements: str) -> None:
    con = sqlite3.connect(path)
    for statement in statements:
        con.execute(statement)
    con.commit()
    con.close()


def _tasktui(path: Path) -> None:
    dbmod.open_database(path).close()


def _newer(path: Path) -> None:
    _tasktui(path)
    _sqlite(path, f"PRAGMA user_version = {dbmod.SCHEMA_VERSION + 1:d}")


def _corrupt(path: Path) -> None:
    _tasktui(path)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xa5" * (4096 - 100)  # page 1 after the header: the schema
    path.write_bytes(bytes(data))


def _foreign_wal_left_by_its_application(path: Path) -> None:
    """Another program's WAL-mode file whose -wal it left behind without the -shm (a
    copy taken while it ran, or a -shm cleaned away): its table is only in the -wal."""
    source = path.with_name("live.db")
    con = sqlite3.connect(source)
    con.execute("PRAGMA journal_mode = wal")
    con.execute("PRAGMA wal_autocheckpoint = 0")
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    con.commit()
    shutil.copyfile(source, path)
    shutil.copyfile(f"{source}-wal", f"{path}-wal")
    con.close()
    for leftover in path.parent.glob("live.db*"):
        leftover.unlink()


REFUSED = {
    "not sqlite": (lambda p: p.write_text("order_id,amount\n1,12.50\n"), "not an SQLite file"),
    "other application id, no tables": (lambda p: _sqlite(p, "PRAGMA application_id = 1234"), "another application"),
    "other application id, tables": (
        lambda p: _sqlite(p, "PRAGMA application_id = 1234", "CREATE TABLE notes (body TEXT)"),
        "another application",
    ),
    "no application id, tables": (lambda p: _sqlite(p, "CREATE TABLE notes (body TEXT)"), "another application"),
    "foreign WAL-mode file": (
        lambda p: _sqlite(p, "PRAGMA journal_mode = wal", "CREATE TABLE notes (body TEXT)"),
        "another application",
    ),
    "foreign WAL-mode file with its -wal": (_foreign_wal_left_by_its_application, "another application"),
    "newer tasktui schema": (_newer, "newer than this tasktui knows"),
    "corrupt": (_corrupt, "corrupt"),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_a_refused_file_and_its_directory_stay_exactly_as_they_were(kind, tmp_path):
    make, wanted = REFUSED[kind]
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    out.mkdir()
    cli = Cli(data / "tasks.db")
    make(cli.db_path)
    before = _listing(data)
    for args in COMMANDS:
        args = tuple(a.replace("{out}", str(out)) for a in args)
        result = cli(*args)
        assert result.exit_code == 4, (args, result.stdout, result.stderr)
        assert result.stderr.startswith("tasktui: error: ") and wanted in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert _listing(data) == before, f"{args} changed the directory of the {kind} file"
    proc = cli.run("task", "list")
    assert proc.exit_code == 4 and proc.stderr.count("\n") == 1 and wanted in proc.stderr
    assert _listing(data) == before
    assert not list(out.iterdir())


def test_only_a_file_without_application_id_and_schema_is_adopted(tmp_path):
    """A blank SQLite file becomes a tasktui database; one marked by another
    application's id is refused even without tables. And tasktui's own new file,
    whose id and schema are only in its -wal (no -shm next to it), is recognised: the
    check that spares a foreign -wal its -shm reads the -wal's page 1 itself."""
    blank = tmp_path / "blank.db"
    _sqlite(blank, "PRAGMA user_version = 0", "VACUUM")
    assert Cli(blank).run("init").exit_code == 0
    con = sqlite3.connect(blank)
    assert con.execute("PRAGMA application_id").fetchone()[0] == dbmod.APPLICATION_ID
    con.close()
    marked = tmp_path / "marked.db"
    _sqlite(marked, "PRAGMA application_id = 1234")
    before = marked.read_bytes()
    result = Cli(marked).run("init")
    assert result.exit_code == 4 and "another application" in result.stderr
    assert marked.read_bytes() == before

    live, copy = tmp_path / "live.db", tmp_path / "copy" / "tasks.db"
    copy.parent.mkdir()
    database = dbmod.open_database(live)  # migrations committed to the -wal, not checkpointed yet
    assert live.read_bytes()[68:72] == b"\0\0\0\0"
    shutil.copyfile(live, copy)
    shutil.copyfile(f"{live}-wal", f"{copy}-wal")
    database.close()
    result = Cli(copy).run("db", "check")
    assert result.exit_code == 0, result.stderr


def test_a_wal_removed_by_the_last_connection_closing_meanwhile_is_no_error(monkeypatch, tmp_path):
    """The last connection to close checkpoints the -wal into the main file, removes
    the -shm, then the -wal: a fresh process that saw the -wal without the -shm finds
    it gone when it reads it (1 in ~300 raises of 8 concurrent shell loops failed
    with "cannot read database ...: No such file or directory"). The main file then
    holds everything: it is read instead."""
    from tasktui.db.sqlite import files

    path = tmp_path / "tasks.db"
    dbmod.open_database(path).close()
    wal = Path(f"{path}-wal")
    wal.write_bytes(b"")  # a -wal without its -shm, as seen just before it was removed
    real = files._committed_wal_page_one

    def removed_meanwhile(wal_path: Path) -> bytes | None:
        wal_path.unlink()
        return real(wal_path)

    monkeypatch.setattr(files, "_committed_wal_page_one", removed_meanwhile)
    assert files.check_file(path) is False  # an existing tasktui database, opened as such
    assert not wal.exists()
    dbmod.open_database(path).close()


def test_check_and_backup_of_a_sound_database_leave_no_side_files(tmp_path):
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    out.mkdir()
    cli = Cli(data / "tasks.db")
    assert cli.run("init").exit_code == 0
    before = _listing(data)
    assert list(before) == ["tasks.db"]
    for command in (("db", "check"), ("db", "backup", str(out / "copy.db"))):
        result = cli.run(*command)
        assert result.exit_code == 0, result.stderr
        assert _listing(data) == before, command


@pytest.mark.parametrize("planted", ["file", "symlink"])
def test_the_backup_never_uses_a_planted_temporary_file(planted, cli, db_path, tmp_path):
    """The old temporary name (.NAME.PID.partial) was predictable and reused: a file or
    symlink planted under it is left alone; the copy goes to a fresh random name."""
    assert cli("init").exit_code == 0
    target = tmp_path / "copy.db"
    old_name = tmp_path / f".copy.db.{os.getpid()}.partial"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    if planted == "file":
        old_name.write_text("planted")
    else:
        old_name.symlink_to(victim)
    result = cli("db", "backup", str(target))
    assert result.exit_code == 0, result.stderr
    assert cli("--db", str(target), "db", "check").exit_code == 0
    assert victim.read_text() == "keep me"
    assert old_name.is_symlink() if planted == "symlink" else old_name.read_text() == "planted"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".copy.db")) == [old_name.name]

    # A backup that fails (a copy that fails its check) removes its temporary file.
    page_size = int.from_bytes(db_path.read_bytes()[16:18], "big")
    with db_path.open("r+b") as f:
        f.seek(page_size * (db_path.stat().st_size // page_size // 2))
        f.write(b"\xa5" * page_size * 4)
    failed = cli("db", "backup", str(tmp_path / "bad.db"))
    assert failed.exit_code == 4, failed.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".copy.db", ".bad.db"))) == [old_name.name]
    assert not (tmp_path / "bad.db").exists()
