"""The database: opening, pragmas, transactions and migrations.

Everything specific to SQLite lives in this module (pragmas, `user_version`,
`application_id`, FTS5, `EXPLAIN QUERY PLAN`, `data_version`, the online backup), so a
second backend (PostgreSQL) can be added here without touching the services.

Opening a file is careful: a file that is not SQLite, an SQLite file of another
application, a corrupt file or one written by a newer tasktui is refused with a clear
error *before* anything is written to it. A new file is created readable by its owner
only. Migrations run on open, in order, each inside one `BEGIN IMMEDIATE` transaction.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import peewee as pw

from tasktui.errors import Unavailable
from tasktui.models import database_proxy

#: Written to the `application_id` header field so a tasktui file is recognised.
APPLICATION_ID = 0x7A5C7001
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 30.0
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": int(BUSY_TIMEOUT_S * 1000),
    "cache_size": -16000,
}
#: The pragmas of a connection that can only read (read-only media): the journal mode
#: and syncing are properties of writers, and setting them would be a write.
READ_ONLY_PRAGMAS = {name: value for name, value in PRAGMAS.items() if name not in ("journal_mode", "synchronous")}

# Schema version 1, frozen: later changes are new migrations, never edits here.
SCHEMA_V1 = """
CREATE TABLE "user" ("id" INTEGER NOT NULL PRIMARY KEY, "login" VARCHAR(255) NOT NULL, "display_name" VARCHAR(255) NOT NULL, "email" VARCHAR(255), "active" INTEGER NOT NULL, "created_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "user_login" ON "user" ("login");
CREATE TABLE "user_group" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "description" TEXT NOT NULL, "created_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "user_group_name" ON "user_group" ("name");
CREATE TABLE "membership" ("id" INTEGER NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL, "group_id" INTEGER NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE, FOREIGN KEY ("group_id") REFERENCES "user_group" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "membership_user_id_group_id" ON "membership" ("user_id", "group_id");
CREATE INDEX "membership_group_id_user_id" ON "membership" ("group_id", "user_id");
CREATE TABLE "user_setting" ("id" INTEGER NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL, "key" VARCHAR(255) NOT NULL, "value" TEXT NOT NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "user_setting_user_id_key" ON "user_setting" ("user_id", "key");
CREATE TABLE "attribute_group" ("id" INTEGER NOT NULL PRIMARY KEY, "key" VARCHAR(255) NOT NULL, "label_en" VARCHAR(255) NOT NULL, "label_de" VARCHAR(255), "position" INTEGER NOT NULL);
CREATE UNIQUE INDEX "attribute_group_key" ON "attribute_group" ("key");
CREATE TABLE "attribute_def" ("id" INTEGER NOT NULL PRIMARY KEY, "key" VARCHAR(255) NOT NULL, "label_en" VARCHAR(255) NOT NULL, "label_de" VARCHAR(255), "type" VARCHAR(255) NOT NULL, "required" INTEGER NOT NULL, "default" TEXT, "choices" TEXT, "group_id" INTEGER, "position" INTEGER NOT NULL, FOREIGN KEY ("group_id") REFERENCES "attribute_group" ("id") ON DELETE SET NULL);
CREATE UNIQUE INDEX "attribute_def_key" ON "attribute_def" ("key");
CREATE INDEX "attribute_def_group_id" ON "attribute_def" ("group_id");
CREATE TABLE "attribute_set" ("id" INTEGER NOT NULL PRIMARY KEY, "key" VARCHAR(255) NOT NULL, "name" VARCHAR(255) NOT NULL);
CREATE UNIQUE INDEX "attribute_set_key" ON "attribute_set" ("key");
CREATE TABLE "attribute_set_item" ("id" INTEGER NOT NULL PRIMARY KEY, "attribute_set_id" INTEGER NOT NULL, "attribute_id" INTEGER NOT NULL, "position" INTEGER NOT NULL, FOREIGN KEY ("attribute_set_id") REFERENCES "attribute_set" ("id") ON DELETE CASCADE, FOREIGN KEY ("attribute_id") REFERENCES "attribute_def" ("id") ON DELETE RESTRICT);
CREATE INDEX "attribute_set_item_attribute_id" ON "attribute_set_item" ("attribute_id");
CREATE UNIQUE INDEX "attribute_set_item_attribute_set_id_attribute_id" ON "attribute_set_item" ("attribute_set_id", "attribute_id");
CREATE TABLE "event" ("id" INTEGER NOT NULL PRIMARY KEY, "identifier" VARCHAR(255) NOT NULL, "name_en" VARCHAR(255) NOT NULL, "name_de" VARCHAR(255), "plugin" VARCHAR(255), "responsible_user_id" INTEGER, "responsible_group_id" INTEGER, "attribute_set_id" INTEGER, "obsolete" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("responsible_user_id") REFERENCES "user" ("id") ON DELETE RESTRICT, FOREIGN KEY ("responsible_group_id") REFERENCES "user_group" ("id") ON DELETE RESTRICT, FOREIGN KEY ("attribute_set_id") REFERENCES "attribute_set" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "event_identifier" ON "event" ("identifier");
CREATE INDEX "event_responsible_user_id" ON "event" ("responsible_user_id");
CREATE INDEX "event_responsible_group_id" ON "event" ("responsible_group_id");
CREATE INDEX "event_attribute_set_id" ON "event" ("attribute_set_id");
CREATE TABLE "task" ("id" INTEGER NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL, "status" VARCHAR(255) NOT NULL, "title" VARCHAR(255) NOT NULL, "description" TEXT NOT NULL, "link" TEXT NOT NULL, "event_id" INTEGER NOT NULL, "plugin" VARCHAR(255), "assignee_id" INTEGER, "group_id" INTEGER, "done_at" DATETIME, "done_by_id" INTEGER, "dedup_key" VARCHAR(255), "occurrences" INTEGER NOT NULL, "last_seen_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("event_id") REFERENCES "event" ("id") ON DELETE RESTRICT, FOREIGN KEY ("assignee_id") REFERENCES "user" ("id") ON DELETE RESTRICT, FOREIGN KEY ("group_id") REFERENCES "user_group" ("id") ON DELETE RESTRICT, FOREIGN KEY ("done_by_id") REFERENCES "user" ("id") ON DELETE RESTRICT);
CREATE INDEX "task_done_by_id" ON "task" ("done_by_id");
CREATE INDEX "task_status_id" ON "task" ("status", "id");
CREATE INDEX "task_assignee_id_status_id" ON "task" ("assignee_id", "status", "id");
CREATE INDEX "task_group_id_status_id" ON "task" ("group_id", "status", "id");
CREATE INDEX "task_event_id_status_id" ON "task" ("event_id", "status", "id");
CREATE INDEX "task_event_id_dedup_key_status" ON "task" ("event_id", "dedup_key", "status");
CREATE TABLE "task_attribute" ("id" INTEGER NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "attribute_id" INTEGER NOT NULL, "value" TEXT, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("attribute_id") REFERENCES "attribute_def" ("id") ON DELETE RESTRICT);
CREATE UNIQUE INDEX "task_attribute_task_id_attribute_id" ON "task_attribute" ("task_id", "attribute_id");
CREATE INDEX "task_attribute_attribute_id_value" ON "task_attribute" ("attribute_id", "value");
CREATE TABLE "task_history" ("id" INTEGER NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "at" DATETIME NOT NULL, "actor_id" INTEGER NOT NULL, "os_login" VARCHAR(255) NOT NULL, "action" VARCHAR(255) NOT NULL, "field" VARCHAR(255), "old" TEXT, "new" TEXT, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("actor_id") REFERENCES "user" ("id") ON DELETE RESTRICT);
CREATE INDEX "task_history_actor_id" ON "task_history" ("actor_id");
CREATE INDEX "task_history_task_id_id" ON "task_history" ("task_id", "id");
CREATE TABLE "comment" ("id" INTEGER NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "at" DATETIME NOT NULL, "author_id" INTEGER NOT NULL, "os_login" VARCHAR(255) NOT NULL, "body" TEXT NOT NULL, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("author_id") REFERENCES "user" ("id") ON DELETE RESTRICT);
CREATE INDEX "comment_author_id" ON "comment" ("author_id");
CREATE INDEX "comment_task_id_id" ON "comment" ("task_id", "id");
CREATE TABLE "task_dependency" ("id" INTEGER NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "depends_on_id" INTEGER NOT NULL, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE, FOREIGN KEY ("depends_on_id") REFERENCES "task" ("id") ON DELETE CASCADE);
CREATE INDEX "task_dependency_depends_on_id" ON "task_dependency" ("depends_on_id");
CREATE UNIQUE INDEX "task_dependency_task_id_depends_on_id" ON "task_dependency" ("task_id", "depends_on_id");
CREATE TABLE "related_process" ("id" INTEGER NOT NULL PRIMARY KEY, "task_id" INTEGER NOT NULL, "process_id" VARCHAR(255) NOT NULL, "source" VARCHAR(255) NOT NULL, "started_at" DATETIME, "exit_code" INTEGER, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE CASCADE);
CREATE INDEX "related_process_task_id" ON "related_process" ("task_id");
"""

# Full-text search over title, description, link and attribute values (trigram, so
# any substring of three characters or more is found, case-insensitively).
FTS_V1 = """
CREATE VIRTUAL TABLE task_fts USING fts5(title, description, link, attrs, tokenize='trigram');
CREATE TRIGGER task_fts_ai AFTER INSERT ON task BEGIN
  INSERT INTO task_fts(rowid, title, description, link, attrs)
  VALUES (new.id, new.title, new.description, new.link, '');
END;
CREATE TRIGGER task_fts_au AFTER UPDATE OF title, description, link ON task BEGIN
  UPDATE task_fts SET title = new.title, description = new.description, link = new.link
  WHERE rowid = new.id;
END;
CREATE TRIGGER task_fts_ad AFTER DELETE ON task BEGIN
  DELETE FROM task_fts WHERE rowid = old.id;
END;
CREATE TRIGGER task_attr_fts_ai AFTER INSERT ON task_attribute BEGIN
  UPDATE task_fts SET attrs = (SELECT coalesce(group_concat(value, ' '), '')
    FROM task_attribute WHERE task_id = new.task_id) WHERE rowid = new.task_id;
END;
CREATE TRIGGER task_attr_fts_au AFTER UPDATE ON task_attribute BEGIN
  UPDATE task_fts SET attrs = (SELECT coalesce(group_concat(value, ' '), '')
    FROM task_attribute WHERE task_id = new.task_id) WHERE rowid = new.task_id;
END;
CREATE TRIGGER task_attr_fts_ad AFTER DELETE ON task_attribute BEGIN
  UPDATE task_fts SET attrs = (SELECT coalesce(group_concat(value, ' '), '')
    FROM task_attribute WHERE task_id = old.task_id) WHERE rowid = old.task_id;
END;
"""


def _run_script(db: pw.SqliteDatabase, script: str) -> None:
    """Run several `;`-separated statements inside the current transaction
    (`executescript` would commit it). Triggers keep their inner `;`."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute_sql(statement.strip())  # frozen migration SQL only (allow-listed in test_security)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement[:60]!r}")


def _migrate_1(db: pw.SqliteDatabase) -> None:
    """The first schema: every table of PRODUCT.md section 1, indexes, text search."""
    _run_script(db, SCHEMA_V1 + FTS_V1)


#: Ordered migrations; migration N brings the schema from version N-1 to N.
#: Append only: a released migration never changes.
# Schema version 2 (email notifications), frozen like v1.
SCHEMA_V2_EMAIL = """
CREATE TABLE "email_settings" ("id" INTEGER NOT NULL PRIMARY KEY, "host" VARCHAR(255) NOT NULL, "port" INTEGER, "security" VARCHAR(255) NOT NULL, "login" VARCHAR(255) NOT NULL, "from_address" VARCHAR(255) NOT NULL, "password_env" VARCHAR(255), "password_file" TEXT, "ca_file" TEXT, "apply_default" INTEGER NOT NULL, "updated_at" DATETIME NOT NULL);
CREATE TABLE "event_email_switch" ("id" INTEGER NOT NULL PRIMARY KEY, "event_id" INTEGER NOT NULL, "enabled" INTEGER NOT NULL, FOREIGN KEY ("event_id") REFERENCES "event" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "event_email_switch_event_id" ON "event_email_switch" ("event_id");
CREATE TABLE "outbox_message" ("id" INTEGER NOT NULL PRIMARY KEY, "created_at" DATETIME NOT NULL, "task_id" INTEGER, "event_id" INTEGER, "user_id" INTEGER, "recipient" VARCHAR(255) NOT NULL, "subject" TEXT NOT NULL, "body" TEXT NOT NULL, "state" VARCHAR(255) NOT NULL, "attempts" INTEGER NOT NULL, "next_attempt_at" DATETIME NOT NULL, "claimed_by" VARCHAR(255), "claimed_at" DATETIME, "last_error" TEXT, "server_reply" TEXT, "sent_at" DATETIME, FOREIGN KEY ("task_id") REFERENCES "task" ("id") ON DELETE SET NULL, FOREIGN KEY ("event_id") REFERENCES "event" ("id") ON DELETE SET NULL, FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE SET NULL);
CREATE INDEX "outbox_message_state_next_attempt_at" ON "outbox_message" ("state", "next_attempt_at");
CREATE INDEX "outbox_message_task_id" ON "outbox_message" ("task_id");
"""


def _migrate_email(db: pw.SqliteDatabase) -> None:
    """Email notifications: SMTP settings, per-event switches, the outbox."""
    _run_script(db, SCHEMA_V2_EMAIL)


# Schema version 3 (task filter indexes), frozen like v1. With "open and done" the
# tasks screen filters by assignee, group or event without a status: these serve the
# first page newest-first without sorting. The wide one answers counts of any filter
# combination of one status from the index alone (no table reads).
SCHEMA_V3_FILTER_INDEXES = """
CREATE INDEX "task_assignee_id_id" ON "task" ("assignee_id", "id");
CREATE INDEX "task_group_id_id" ON "task" ("group_id", "id");
CREATE INDEX "task_event_id_id" ON "task" ("event_id", "id");
CREATE INDEX "task_status_assignee_id_group_id_event_id" ON "task" ("status", "assignee_id", "group_id", "event_id");
"""


def _migrate_filter_indexes(db: pw.SqliteDatabase) -> None:
    """Indexes for the task filters without a status, and for counts."""
    _run_script(db, SCHEMA_V3_FILTER_INDEXES)


# Schema version 4 (count indexes without a status), frozen like v1. A count reads
# every entry it counts; these let counts of "open and done" or "done" (nine tasks in
# ten) under assignee, group and event filters read index ranges that hold little but
# their matches. Before, such counts read a table row per match or scanned a whole
# status (over 100 ms at a million tasks). The second one serves "assigned to me
# directly or via groups": my tasks outside my groups are ranges of it.
SCHEMA_V4_COUNT_INDEXES = """
CREATE INDEX "task_assignee_id_event_id_status_group_id" ON "task" ("assignee_id", "event_id", "status", "group_id");
CREATE INDEX "task_assignee_id_group_id_event_id_status" ON "task" ("assignee_id", "group_id", "event_id", "status");
CREATE INDEX "task_group_id_event_id_status_assignee_id" ON "task" ("group_id", "event_id", "status", "assignee_id");
"""


def _migrate_count_indexes(db: pw.SqliteDatabase) -> None:
    """Indexes for counts of open and done tasks under assignee, group and event filters."""
    _run_script(db, SCHEMA_V4_COUNT_INDEXES)


# Schema version 5 (audit log), frozen like v1. Changes to events, people,
# attributes and email settings, one row per changed field. The actor is the login as
# text (not a key of `user`): an audit row must outlive anything done to the user.
SCHEMA_V5_AUDIT = """
CREATE TABLE "audit_entry" ("id" INTEGER NOT NULL PRIMARY KEY, "at" DATETIME NOT NULL, "actor" VARCHAR(255), "os_login" VARCHAR(255) NOT NULL, "entity" VARCHAR(255) NOT NULL, "entity_key" VARCHAR(255) NOT NULL, "action" VARCHAR(255) NOT NULL, "field" VARCHAR(255), "old" TEXT, "new" TEXT);
CREATE INDEX "audit_entry_at" ON "audit_entry" ("at");
CREATE INDEX "audit_entry_entity_id" ON "audit_entry" ("entity", "id");
"""


def _migrate_audit(db: pw.SqliteDatabase) -> None:
    """Audit log of changes to events, users, groups, attributes and email settings."""
    _run_script(db, SCHEMA_V5_AUDIT)


MIGRATIONS: list[Callable[[pw.SqliteDatabase], None]] = [
    _migrate_1,
    _migrate_email,
    _migrate_filter_indexes,
    _migrate_count_indexes,
    _migrate_audit,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _header_fields(path: Path) -> tuple[int, int] | None:
    """(user_version, application_id) read from the file header, or None when the
    file is not an SQLite database. Reads bytes only; opens no connection."""
    with path.open("rb") as f:
        head = f.read(100)
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        return None
    return int.from_bytes(head[60:64], "big"), int.from_bytes(head[68:72], "big")


def _wal_checksum(data: bytes, s0: int, s1: int, big_endian: bool) -> tuple[int, int]:
    """SQLite's WAL checksum of `data` (a multiple of 8 bytes), continued from (s0, s1)."""
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def _committed_wal_page_one(wal: Path) -> bytes | None:
    """The newest committed copy of page 1 in the WAL file `wal`, or None when the WAL
    holds none; frames after the last valid commit are ignored, as SQLite does.

    Why by hand: with a -wal but no -shm next to a file, any SQLite connection that is
    not `immutable` creates the -shm, and an immutable one ignores the WAL, so the
    header SQLite would see (application id, schema) can only be read here."""
    with wal.open("rb") as f:
        head = f.read(32)
        if len(head) < 32 or int.from_bytes(head[0:4], "big") not in (0x377F0682, 0x377F0683):
            return None
        big_endian = bool(head[3] & 1)
        page_size = int.from_bytes(head[8:12], "big")
        if page_size < 512 or page_size & (page_size - 1):
            return None
        sums = _wal_checksum(head[:24], 0, 0, big_endian)
        if sums != (int.from_bytes(head[24:28], "big"), int.from_bytes(head[28:32], "big")):
            return None
        committed: bytes | None = None
        pending: bytes | None = None
        while True:
            frame = f.read(24 + page_size)
            if len(frame) < 24 + page_size or frame[8:16] != head[16:24]:
                return committed
            sums = _wal_checksum(frame[:8] + frame[24:], *sums, big_endian)
            if sums != (int.from_bytes(frame[16:20], "big"), int.from_bytes(frame[20:24], "big")):
                return committed
            if int.from_bytes(frame[0:4], "big") == 1:
                pending = frame[24:]
            if int.from_bytes(frame[4:8], "big"):  # a commit frame
                committed = pending if pending is not None else committed


def _main_page_one(path: Path) -> bytes:
    """Page 1 of the main database file (its size is in the header; 1 means 65536)."""
    with path.open("rb") as f:
        head = f.read(100)
        size = int.from_bytes(head[16:18], "big") if len(head) == 100 else 0
        return head + f.read((65536 if size == 1 else size) - len(head))


def _page_one_fields(page: bytes) -> tuple[int, int, bool] | None:
    """(user_version, application_id, has schema objects) from the bytes of page 1,
    or None when they are not an SQLite page 1."""
    if len(page) < 108 or not page.startswith(SQLITE_MAGIC):
        return None
    has_schema = page[100] != 0x0D or int.from_bytes(page[103:105], "big") > 0  # not an empty leaf
    return int.from_bytes(page[60:64], "big"), int.from_bytes(page[68:72], "big"), has_schema


def _inspect(path: Path) -> tuple[int, int, int]:
    """(user_version, application_id, number of schema objects) through a plain
    connection that only reads. Raises Unavailable for a corrupt file."""
    # Without a -wal file nobody is writing it: read it as immutable, so that not even
    # the -wal/-shm side files of a WAL-mode file are created next to a file we refuse.
    immutable = "&immutable=1" if not Path(f"{path}-wal").exists() else ""
    try:
        con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro{immutable}", uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as e:
        raise Unavailable(database_error_message(e, path=path) or f"cannot open database {path}: {e}") from None
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        objects = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise Unavailable(_unreadable(e, path) or f"{path} is corrupt or not a tasktui database ({e})") from None
    finally:
        con.close()
    return version, app_id, objects


def _unreadable(error: sqlite3.DatabaseError, path: Path) -> str | None:
    """The message for a read that failed for another reason than damage (a full disk,
    an I/O error, a lock), or None when the file's content is to blame: calling a
    sound file corrupt would invite a needless restore."""
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or name in ("", "SQLITE_ERROR"):
        return None
    return database_error_message(error, path=path) or f"cannot read database {path}: {error}"


def _refuse_foreign_or_newer(path: Path, version: int, app_id: int, has_schema: bool) -> bool:
    """Refuse (Unavailable) another application's file or a newer tasktui schema;
    True when the file has no application id and no schema: an empty file to adopt.

    Only such a blank file is adopted. An application id of another program marks its
    file even before it has tables, and tasktui writes its own id in the transaction
    that creates its first tables, so a schema without it is another program's."""
    if app_id != APPLICATION_ID:
        if app_id == 0 and not has_schema and version == 0:
            return True
        raise Unavailable(f"{path} is an SQLite database of another application, not tasktui")
    if version > SCHEMA_VERSION:
        raise Unavailable(
            f"{path} has schema version {version}, newer than this tasktui knows "
            f"({SCHEMA_VERSION}); upgrade tasktui"
        )
    return False


def check_file(path: Path) -> bool:
    """Refuse a file tasktui must not touch; True when the file is new or empty.

    Nothing is written, and no side file (-wal, -shm) is created next to a refused
    file: the header bytes decide first (another application's id, a newer schema),
    then a read-only connection reads the schema. An unreadable file is Unavailable."""
    try:
        return _check_file(path)
    except OSError as e:
        raise Unavailable(f"cannot read database {path}: {e.strerror or e}") from None


def _check_file(path: Path) -> bool:
    if not path.parent.is_dir():
        raise Unavailable(f"cannot create database {path}: directory {path.parent} does not exist")
    if not path.exists():
        return True
    if not path.is_file():
        raise Unavailable(f"{path} is not a file")
    if path.stat().st_size == 0:
        return True
    header = _header_fields(path)
    if header is None:
        raise Unavailable(f"{path} is not a tasktui database (not an SQLite file)")
    version, app_id = header
    if app_id != 0:  # an id in the main file stays (the WAL can only hold a newer header)
        _refuse_foreign_or_newer(path, version, app_id, True)
    wal = Path(f"{path}-wal")
    if wal.exists() and not Path(f"{path}-shm").exists():
        # A connection would create the -shm: decide from the newest page 1 instead.
        page = _committed_wal_page_one(wal)
        fields = _page_one_fields(page if page is not None else _main_page_one(path))
        if fields is None:
            raise Unavailable(f"{path} is corrupt or not a tasktui database (page 1 is damaged)")
        if _refuse_foreign_or_newer(path, *fields):
            return True
    version, app_id, objects = _inspect(path)
    return _refuse_foreign_or_newer(path, version, app_id, objects > 0)


def create_private_file(path: Path) -> None:
    """Create an empty file readable and writable by its owner only (0600)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, stat.S_IRUSR | stat.S_IWUSR)
    except FileExistsError:
        return
    except OSError as e:
        prefix = {errno.EROFS: "read-only: ", errno.ENOSPC: "disk full: "}.get(e.errno, "")
        raise Unavailable(f"{prefix}cannot create database {path}: {e.strerror}") from None
    os.close(fd)


def read_only_reason(path: Path) -> str | None:
    """Why the database file at `path` (or, when it does not exist, its directory) can
    only be read — "is on a read-only file system", "is not writable by you" — or None.

    Such a file is opened read-only: reading commands work, writing ones are refused
    with "read-only: ..." (an ordinary open would fail before reading anything: it
    switches the file to WAL and creates the -wal/-shm files)."""
    try:
        if os.statvfs(path if path.exists() else path.parent).f_flag & os.ST_RDONLY:
            return "is on a read-only file system"
        if path.exists() and not os.access(path, os.W_OK):
            return "is not writable by you"
    except OSError:
        return None
    return None


def _reading_uri(path: Path) -> str:
    """The URI of a connection that only reads `path` and creates no side file.

    Without a -wal file no writer is connected, and the file is read as `immutable`
    (a WAL-mode file can then be read even where its -shm cannot be created, as on
    read-only media); with one, SQLite's ordinary read-only locking applies."""
    immutable = "&immutable=1" if not Path(f"{path}-wal").exists() else ""
    return f"{path.absolute().as_uri()}?mode=ro{immutable}"


class TaskDatabase(pw.SqliteDatabase):
    """SQLite with tasktui's pragmas; every transaction takes the write lock up front.

    With `read_only` (why the file cannot be written, see `read_only_reason`) the
    connection only reads; a write fails and `write_transaction` says why."""

    def __init__(self, path: str, *, read_only: str | None = None) -> None:
        self.path = path
        self.read_only = read_only
        if read_only is None:
            super().__init__(path, pragmas=PRAGMAS, lock_type="IMMEDIATE", timeout=BUSY_TIMEOUT_S)
        else:
            super().__init__(
                _reading_uri(Path(path)), uri=True, pragmas=READ_ONLY_PRAGMAS, lock_type="IMMEDIATE",
                timeout=BUSY_TIMEOUT_S,
            )  # fmt: skip


def is_read_only(db: pw.Database | None = None) -> bool:
    """True when the bound database (or `db`) was opened read-only (see `read_only_reason`)."""
    db = db or database_proxy.obj
    return getattr(db, "read_only", None) is not None


def close_database() -> None:
    """Close this thread's connection of the database the models are bound to, if
    open (the CLI calls it when a command ends; `open_database` before it reopens).

    Why it matters: `check_file` reads the header of the file with a plain open/close; POSIX locks
    belong to the process and any close of the file drops them all, including those
    of a connection of ours that is still open. Another process could then think it
    is the last one and delete the -wal/-shm files under that connection ("database
    disk image is malformed"). Reopening happens in tests (in-process CLI runs
    alongside real processes) and whenever a process opens a database again."""
    old = database_proxy.obj
    if old is not None and not old.is_closed() and not old.in_transaction():
        old.close()


def _connect(db: TaskDatabase, path: Path) -> None:
    """Connect and set the pragmas. Switching a brand-new file to WAL needs a lock that
    SQLite does not wait for (no busy handler), so when several processes open a new
    file at once the losers retry until the busy timeout instead of failing."""
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.connect()
            return
        except pw.OperationalError as e:
            if not _is_busy(e) or time.monotonic() > deadline:
                cause = database_error_message(e, path=path)
                raise Unavailable(cause if cause and not _is_busy(e) else f"cannot open database {path}: {e}") from None
            time.sleep(0.01)


def open_database(path: str | os.PathLike[str], *, migrate: bool = True) -> TaskDatabase:
    """Open (creating if needed) the tasktui database at `path` and bind the models.

    With `migrate`, pending migrations are applied; otherwise an out-of-date schema is
    an error telling the user to run `tasktui db migrate`."""
    p = Path(path).expanduser()
    close_database()
    new = check_file(p)
    reason = read_only_reason(p)
    if reason is not None:
        return _open_read_only(p, reason, new)
    if new:
        create_private_file(p)
    db = TaskDatabase(str(p))
    _connect(db, p)
    database_proxy.initialize(db)
    try:
        if schema_version(db) != SCHEMA_VERSION:
            if not migrate:
                raise Unavailable(f"{p} needs migrating: run `tasktui db migrate`")
            if schema_version(db) > 0:  # never migrate a damaged file: it could lose more
                damage = integrity_problems(p, quick=True, limit=1)
                if damage:
                    raise Unavailable(f"{p} is damaged, not migrating it ({damage[0]}): see `tasktui db check`")
            apply_migrations(db)
    except BaseException:
        db.close()
        raise
    return db


def _open_read_only(p: Path, reason: str, new: bool) -> TaskDatabase:
    """Open the database at `p` on read-only media (see `read_only_reason`) for reading:
    it must exist and be current, since neither creating nor migrating is possible."""
    if new:
        where = p if p.exists() else p.parent
        raise Unavailable(f"read-only: cannot create database {p}: {where} {reason}")
    db = TaskDatabase(str(p), read_only=reason)
    _connect(db, p)
    try:
        version = schema_version(db)
        if version != SCHEMA_VERSION:
            raise Unavailable(
                f"read-only: {p} needs migrating (schema version {version}, this tasktui uses "
                f"{SCHEMA_VERSION}) but {reason}"
            )
    except BaseException:
        db.close()
        raise
    database_proxy.initialize(db)
    return db


def schema_version(db: pw.SqliteDatabase) -> int:
    """The schema version stored in the database."""
    return db.execute_sql("PRAGMA user_version").fetchone()[0]


def apply_migrations(db: pw.SqliteDatabase, *, target: int | None = None) -> list[int]:
    """Apply pending migrations up to `target` (default: the latest); returns the
    versions applied.

    All run in one write transaction: another process opening the same file at the
    same moment waits, then finds the work done."""
    target = SCHEMA_VERSION if target is None else target
    applied: list[int] = []
    with write_transaction(db):
        current = schema_version(db)
        if current > SCHEMA_VERSION:
            raise Unavailable(f"schema version {current} is newer than this tasktui knows")
        for version in range(current + 1, target + 1):
            MIGRATIONS[version - 1](db)
            applied.append(version)
        # PRAGMAs take no parameters: a constant and an int (allow-listed in test_security).
        db.execute_sql(f"PRAGMA application_id = {APPLICATION_ID:d}")
        db.execute_sql(f"PRAGMA user_version = {target:d}")
    return applied


def _is_busy(error: Exception) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


#: SQLite result codes that name why a database could not be used (the first found
#: in an error's chain wins; a plain SQLITE_ERROR says nothing about the cause).
_CAUSES = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN")
#: Below this much free space an I/O error is put down to a full disk: SQLite reports
#: a -shm or -wal that cannot grow as "disk I/O error", not as SQLITE_FULL.
LOW_SPACE_BYTES = 256 * 1024


def _cause(error: BaseException) -> str | BaseException | None:
    """The SQLite code among `_CAUSES` (or a tasktui error) behind `error`.

    Why walk the chain: when a write fails with SQLITE_FULL, SQLite has already rolled
    the transaction back, so peewee's ROLLBACK fails in turn ("cannot rollback - no
    transaction is active") and that second error hides the first in its context."""
    seen: set[int] = set()
    queue: list[BaseException | None] = [error]
    while queue:
        e = queue.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, Unavailable) and e is not error:  # a savepoint that said it already
            return e
        name = getattr(e, "sqlite_errorname", "") or ""
        for cause in _CAUSES:
            if name.startswith(cause):
                return cause
        queue += [a for a in getattr(e, "args", ())[:1] if isinstance(a, BaseException)]
        queue += [e.__cause__, e.__context__]
    # Older drivers name no code: a lock is still told by its message.
    operational = isinstance(error, (pw.OperationalError, sqlite3.OperationalError))
    return "SQLITE_BUSY" if operational and _is_busy(error) else None


def _database_path(db: pw.Database | None = None) -> str:
    db = db or database_proxy.obj
    return str(getattr(db, "path", None) or getattr(db, "database", None) or "the database")


def _no_space_left(path: Path) -> bool:
    """True when the file system holding `path` has (almost) no space left."""
    try:
        fs = os.statvfs(path.absolute().parent)
    except OSError:
        return False
    return fs.f_bavail * fs.f_frsize < LOW_SPACE_BYTES


def database_error_message(
    error: BaseException, db: pw.Database | None = None, *, path: Path | None = None
) -> str | None:
    """The one-line message naming the real cause of a database error — busy, disk
    full, read-only — or None when the error is none of these."""
    cause = _cause(error)
    if isinstance(cause, BaseException):
        return str(cause)
    path = path if path is not None else Path(_database_path(db))
    full = cause == "SQLITE_FULL" or (cause in ("SQLITE_IOERR", "SQLITE_CANTOPEN") and _no_space_left(path))
    if full:
        return f"disk full: cannot write the database {path}: no space left on its file system"
    if cause == "SQLITE_READONLY":
        reason = getattr(db or database_proxy.obj, "read_only", None) or read_only_reason(Path(path))
        return f"read-only: {path} {reason or 'cannot be written'}, so this command cannot change it"
    if cause in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return "database is busy: another process held the write lock too long"
    return None


@contextlib.contextmanager
def write_transaction(db: pw.Database | None = None) -> Iterator[None]:
    """One `BEGIN IMMEDIATE` transaction (nested calls become savepoints). A database
    still locked after the busy timeout, a full disk or read-only media become
    `Unavailable` (exit code 4) with the real cause."""
    db = db or database_proxy
    try:
        with db.atomic():
            yield
    except pw.DatabaseError as e:
        message = database_error_message(e, db.obj if isinstance(db, pw.DatabaseProxy) else db)
        if message is not None:
            raise Unavailable(message) from None
        raise


def indexed_text(text: str) -> bool:
    """True when the full-text index answers a search for `text`: the trigram index
    holds every substring of three characters; shorter texts are searched with LIKE."""
    return len(text) >= 3


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def text_condition(task_model: type[pw.Model], text: str) -> pw.Expression:
    """A condition matching tasks whose title, description, link or attribute values
    contain `text` (case-insensitive). FTS5 trigram for three characters or more.

    It reads every match of the index before the first row (an IN list): where a
    query can be driven by the matches instead, `text_driven` is much faster."""
    if indexed_text(text):
        return task_model.id.in_(pw.SQL("(SELECT rowid FROM task_fts WHERE task_fts MATCH ?)", [_phrase(text)]))
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    like = pw.SQL(
        "(title LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\' OR link LIKE ? ESCAPE '\\'"
        " OR id IN (SELECT task_id FROM task_attribute WHERE value LIKE ? ESCAPE '\\'))",
        [pattern] * 4,
    )
    return like


#: The id of a matching task in a query made by `text_driven` (order by it: the index
#: hands out matches in id order, so a first page stops after a page of rows).
TEXT_MATCH_ID = pw.SQL("text_match.id")


def text_matches(text: str) -> pw.Node:
    """A FROM-clause source `text_match` with one row (`id`) per task whose title,
    description, link or attribute values contain `text` (see `indexed_text`), read
    from the full-text index alone: `SELECT count(*)` of it counts matches without
    reading a task row (every task has its one row in the index)."""
    return pw.NodeList(
        (pw.SQL("(SELECT rowid AS id FROM task_fts WHERE task_fts MATCH ?)", [_phrase(text)]), pw.SQL("AS text_match"))
    )


def text_match_ids(text: str, limit: int, db: pw.Database | None = None) -> list[int] | None:
    """The ids of the tasks containing `text` (see `indexed_text`) when there are at
    most `limit` of them, else None (reading stops after `limit` + 1).

    The index is read in ascending id order, its fast direction: for a phrase of
    common trigrams (`SKU-00042`, `order #48291`) reading every match takes about
    half as long as in descending order, which a newest-first `text_driven` page of a
    rare text must do to the end. Ids are never more than `limit`, passed as
    parameters."""
    db = db or database_proxy
    rows = db.execute_sql(
        "SELECT rowid FROM task_fts WHERE task_fts MATCH ? LIMIT ?", [_phrase(text), limit + 1]
    ).fetchall()
    return None if len(rows) > limit else [row[0] for row in rows]


def text_driven(query: pw.Select, task_model: type[pw.Model], text: str) -> pw.Select:
    """`query`, a select from the task table (no joins), driven by the full-text
    matches of `text` (see `text_matches`): the index yields the ids of matching tasks
    and each is joined to its task row, where the rest of the WHERE clause filters it.

    Ordered by `TEXT_MATCH_ID` (ascending or descending), matches come in id order
    straight from the index: a page newest first reads a page of matches (plus those
    the other filters reject), where an IN list (`text_condition`) reads every match
    first (220 ms for a common word at a million tasks). A keyset on `TEXT_MATCH_ID`
    becomes a rowid range of the index. CROSS JOIN keeps the index the outer loop."""
    return query.from_(text_matches(text)).join(task_model, pw.JOIN.CROSS).where(task_model.id == TEXT_MATCH_ID)


def query_plan(query: pw.Query) -> list[str]:
    """The `EXPLAIN QUERY PLAN` lines of a query (for tests and benchmarks)."""
    sql, params = query.sql()
    cursor = database_proxy.execute_sql("EXPLAIN QUERY PLAN " + sql, params)  # peewee's SQL; values are params
    return [row[3] for row in cursor.fetchall()]


def data_version(db: pw.Database | None = None) -> int:
    """A number that changes when another connection commits (for live refresh)."""
    db = db or database_proxy
    return db.execute_sql("PRAGMA data_version").fetchone()[0]


# --------------------------------------------------------------------------- maintenance
# `tasktui db check|backup|migrate` (see tasktui/services/maintenance.py).


def _read_only_connection(path: Path) -> sqlite3.Connection:
    """A plain connection that never changes what `path` holds and leaves no -wal/-shm
    behind (for `db check` and `db backup`).

    On writable media it is an ordinary connection with `query_only`: a read-only one
    cannot remove the -wal/-shm files it creates next to a WAL-mode file, where the
    last ordinary connection to close removes them (after checkpointing what a crashed
    writer left, as any tasktui command would). On read-only media, see `_reading_uri`."""
    try:
        if read_only_reason(path) is not None:
            return sqlite3.connect(_reading_uri(path), uri=True, timeout=BUSY_TIMEOUT_S)
        con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_S)
        con.execute("PRAGMA query_only = 1")
        return con
    except sqlite3.Error as e:
        raise Unavailable(database_error_message(e, path=path) or f"cannot open database {path}: {e}") from None


def integrity_problems(path: Path, *, quick: bool = False, limit: int = 20) -> list[str]:
    """The problems `PRAGMA integrity_check` (or the faster `quick_check`) finds in the
    file at `path`, one line each; empty when the file is sound. Only reads."""
    con = _read_only_connection(path)
    try:
        rows = con.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchmany(limit)
    except sqlite3.DatabaseError as e:
        if _unreadable(e, path):
            raise Unavailable(_unreadable(e, path)) from None
        return [f"the file is corrupt: {e}"]
    finally:
        con.close()
    return [str(row[0]) for row in rows if row[0] != "ok"]


def foreign_key_problems(path: Path, *, limit: int = 20) -> list[str]:
    """Rows whose foreign key points at a row that does not exist, one line each
    (`PRAGMA foreign_key_check`); empty when every reference holds. Only reads."""
    con = _read_only_connection(path)
    problems: list[str] = []
    try:
        for table, rowid, parent, _fk in con.execute("PRAGMA foreign_key_check"):
            problems.append(f"{table} row {rowid} refers to a missing {parent} row")
            if len(problems) >= limit:
                problems.append("(more not shown)")
                break
    except sqlite3.DatabaseError as e:
        if _unreadable(e, path):
            raise Unavailable(_unreadable(e, path)) from None
        return [f"foreign keys cannot be checked: {e}"]
    finally:
        con.close()
    return problems


def file_schema_version(path: Path) -> int:
    """The schema version stored in the file at `path` (0 for an empty file). Only reads."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    return _inspect(path)[0]


def migration_summaries() -> dict[int, str]:
    """Schema version -> first line of the docstring of the migration that makes it."""
    return {
        version: ((migration.__doc__ or migration.__name__).strip().splitlines() or [""])[0]
        for version, migration in enumerate(MIGRATIONS, start=1)
    }


def build_database_at(path: str | os.PathLike[str], version: int) -> TaskDatabase:
    """Create a new database with only the first `version` migrations applied, bound
    to the models (for migration tests: fill it at version k, then migrate it)."""
    p = Path(path)
    if not check_file(p):
        raise Unavailable(f"{p} exists already")
    if not 1 <= version <= SCHEMA_VERSION:
        raise ValueError(f"no schema version {version}")
    create_private_file(p)
    db = TaskDatabase(str(p))
    db.connect()
    database_proxy.initialize(db)
    apply_migrations(db, target=version)
    return db


def backup_database(
    source: Path,
    target: Path,
    *,
    pages_per_step: int = 1024,
    pause_s: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Copy the database file `source` into the existing empty file `target` (the
    caller creates it 0600) with SQLite's online backup, `pages_per_step` pages at a
    time; `pause_s` between steps spreads the I/O on a busy server.

    The copy is one consistent snapshot even while other processes write: the source
    connection holds a read transaction for the whole backup, so in WAL mode writers
    carry on and the backup never restarts. The copy is left in the rollback journal
    mode (one self-contained file); tasktui switches it to WAL when it opens it."""
    import time

    src = _read_only_connection(source)
    src.isolation_level = None
    try:
        dest = sqlite3.connect(str(target), isolation_level=None)
        try:
            src.execute("BEGIN DEFERRED")
            try:
                src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # takes the snapshot

                def step(_status: int, remaining: int, total: int) -> None:
                    if progress is not None:
                        progress(total - remaining, total)
                    if pause_s > 0 and remaining > 0:
                        time.sleep(pause_s)

                src.backup(dest, pages=max(1, pages_per_step), progress=step)
            finally:
                src.execute("COMMIT")
            dest.execute("PRAGMA journal_mode = delete")
        finally:
            dest.close()
    except sqlite3.DatabaseError as e:
        if getattr(e, "sqlite_errorname", "") == "SQLITE_FULL":
            raise Unavailable(f"disk full: cannot write the backup {target}: no space left on its file system") from None
        raise Unavailable(f"backup of {source} failed: {e}") from None
    finally:
        src.close()


def driver_error_message(error: BaseException) -> str | None:
    """The one-line message for an error of the SQLite driver itself — one that
    escaped peewee's wrapping, e.g. raised while iterating a cursor over a damaged
    page — or None when `error` is not one (the CLI maps it to exit code 4)."""
    if isinstance(error, sqlite3.DatabaseError) and database_error_message(error) is not None:
        return database_error_message(error)
    if isinstance(error, sqlite3.DatabaseError):
        return f"database is unusable: {error}"
    return None
