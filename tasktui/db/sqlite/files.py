"""Careful opening: which files tasktui may touch, decided before anything is written.

A file that is not SQLite, an SQLite file of another application, a corrupt file or
one written by a newer tasktui is refused with a clear error, and no side file (-wal,
-shm) is created next to a refused file. A new file is created readable by its owner
only.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import struct
from pathlib import Path

from tasktui.db import migrate
from tasktui.db.sqlite.errors import database_error_message, unreadable_message
from tasktui.errors import Unavailable

#: Written to the `application_id` header field so a tasktui file is recognised.
APPLICATION_ID = 0x7A5C7001
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 30.0


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


def inspect_file(path: Path) -> tuple[int, int, int]:
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
        raise Unavailable(unreadable_message(e, path) or f"{path} is corrupt or not a tasktui database ({e})") from None
    finally:
        con.close()
    return version, app_id, objects


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
    if version > migrate.SCHEMA_VERSION:
        raise Unavailable(
            f"{path} has schema version {version}, newer than this tasktui knows "
            f"({migrate.SCHEMA_VERSION}); upgrade tasktui"
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
        # (Or the last connection is closing: SQLite checkpoints the WAL into the main
        # file, removes the -shm, then the -wal, which may be gone by now.)
        try:
            page = _committed_wal_page_one(wal)
        except FileNotFoundError:
            page = None
        fields = _page_one_fields(page if page is not None else _main_page_one(path))
        if fields is None:
            raise Unavailable(f"{path} is corrupt or not a tasktui database (page 1 is damaged)")
        if _refuse_foreign_or_newer(path, *fields):
            return True
    version, app_id, objects = inspect_file(path)
    return _refuse_foreign_or_newer(path, version, app_id, objects > 0)


def create_private_file(path: Path) -> None:
    """Create an empty file readable and writable by its owner only (0600)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, stat.S_IRUSR | stat.S_IWUSR)
    except FileExistsError:
        return
    except OSError as e:
        prefix = {errno.EROFS: "read-only: ", errno.ENOSPC: "disk full: "}.get(e.errno or 0, "")
        raise Unavailable(f"{prefix}cannot create database {path}: {e.strerror}") from None
    os.close(fd)
