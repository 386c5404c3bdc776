"""Checking and backing up a PostgreSQL database: catalog checks, `pg_amcheck` when
it is installed, and `pg_dump -Fc` for backups. Only reads the database."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from tasktui.db.postgres import database, errors
from tasktui.db.url import DatabaseUrl
from tasktui.errors import NotFound, Unavailable


def _connect(url: DatabaseUrl) -> Any:
    """A plain psycopg connection (not the models' pool), read only."""
    from tasktui.db.postgres.driver import load_driver

    psycopg = load_driver()
    try:
        conn = psycopg.connect(f"postgresql://{url.rest}", autocommit=True, connect_timeout=database.CONNECT_TIMEOUT_S)
    except psycopg.Error as e:
        raise Unavailable(errors.connect_message(e, str(url))) from None
    conn.execute("SET default_transaction_read_only = on")
    return conn


def stored_schema_version(url: DatabaseUrl) -> int:
    with _connect(url) as conn:
        version, others = database.read_schema(conn.cursor())
    if others:
        raise Unavailable(database.foreign_database(url, others))
    return version


def foreign_key_problems(url: DatabaseUrl, *, limit: int = 20) -> list[str]:
    """PostgreSQL enforces foreign keys: a problem is a constraint that is not valid
    (created NOT VALID, or disabled by hand)."""
    with _connect(url) as conn:
        rows = conn.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE contype = 'f' AND NOT convalidated AND connamespace = current_schema()::regnamespace "
            "ORDER BY 1, 2 LIMIT %s",
            (limit,),
        ).fetchall()
    return [f"table {table}: foreign key {name} is not validated" for table, name in rows]


def integrity_problems(url: DatabaseUrl, *, quick: bool = False, limit: int = 20) -> list[str]:
    """Invalid indexes (a failed CREATE INDEX CONCURRENTLY), and when `pg_amcheck` is
    installed and the amcheck extension can be used, its findings (heap and every
    index; `quick`: the B-trees only)."""
    problems: list[str] = []
    with _connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE NOT i.indisvalid AND c.relnamespace = current_schema()::regnamespace ORDER BY 1"
        ).fetchall()
        problems += [f"index {name} is invalid: rebuild it with REINDEX" for (name,) in rows]
        has_amcheck = conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'amcheck'").fetchone()[0]
    amcheck = shutil.which("pg_amcheck") or _debian_binary("pg_amcheck")
    if amcheck and has_amcheck:
        args = [amcheck, "--no-strict-names", "-d", f"postgresql://{url.rest}"]
        if not quick:
            args.append("--heapallindexed")
        done = subprocess.run(args, capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            problems += [line for line in done.stdout.splitlines() if line.strip()][:limit] or [
                errors.first_line(Exception(done.stderr or "pg_amcheck failed"))
            ]
    return problems[:limit]


def amcheck_available(url: DatabaseUrl) -> bool:
    """True when `db check` can run pg_amcheck on this database."""
    with _connect(url) as conn:
        has = conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'amcheck'").fetchone()[0]
    return bool(has) and bool(shutil.which("pg_amcheck") or _debian_binary("pg_amcheck"))


def _debian_binary(name: str) -> str | None:
    """Debian keeps the server's tools in /usr/lib/postgresql/<major>/bin."""
    import glob

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[-3]))
    return found[-1] if found else None


def pg_dump_binary() -> str:
    """The pg_dump to use; Unavailable when none is installed."""
    found = shutil.which("pg_dump") or _debian_binary("pg_dump")
    if not found:
        raise Unavailable("db backup of a PostgreSQL database needs pg_dump: install the PostgreSQL client tools")
    return found


def backup(url: DatabaseUrl, target: Path) -> int:
    """`pg_dump -Fc` of the database into the existing empty file `target` (restore it
    with `pg_restore -d URL FILE`), checked by reading its table of contents back;
    returns the schema version it holds."""
    version = stored_schema_version(url)
    done = subprocess.run(
        [pg_dump_binary(), "-Fc", "--no-owner", "-f", str(target), "-d", f"postgresql://{url.rest}"],
        capture_output=True,
        text=True,
        timeout=24 * 3600,
    )
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["pg_dump failed"])[-1]
        raise Unavailable(f"db backup failed: {message}")
    restore = str(Path(pg_dump_binary()).with_name("pg_restore"))
    listed = subprocess.run([restore, "--list", str(target)], capture_output=True, text=True, timeout=3600)
    if listed.returncode != 0 or "TABLE DATA public task " not in listed.stdout:
        raise Unavailable(
            f"the backup copy failed its check: {(listed.stderr.strip().splitlines() or ['unreadable'])[-1]}"
        )
    return version


def require_existing(url: DatabaseUrl) -> None:
    """NotFound for a database that holds no tasktui schema yet; Unavailable for one
    that cannot be reached, belongs to another application or is newer."""
    from tasktui.db import migrate

    version = stored_schema_version(url)
    if version == 0:
        raise NotFound(f"{url} holds no tasktui database yet (create one with `tasktui init`)")
    if version > migrate.SCHEMA_VERSION:
        raise Unavailable(f"{url} has schema version {version}, newer than this tasktui knows: upgrade tasktui")
