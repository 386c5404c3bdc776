"""A throwaway PostgreSQL server for tests and benchmarks.

`initdb` in a temporary directory, the server on 127.0.0.1 and a free port, trust
authentication for the role `tasktui`, `fsync=off` (nothing here must survive a crash
of the machine). As root, the directory belongs to the `postgres` OS user and the
binaries run as that user (`initdb` refuses root). Databases for tests are cloned
from a migrated template (`CREATE DATABASE … TEMPLATE`, about 0.1 s).

The recipe is the one in the shared reference notes (postgres.md), checked on this
machine: PostgreSQL 15 from Debian, binaries in /usr/lib/postgresql/<major>/bin.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

ROLE = "tasktui"
#: The role that must give a password (see `start`).
PASSWORD_ROLE = "pwuser"


def server_binaries() -> Path | None:
    """The directory of `initdb` and `pg_ctl`: $PG_BIN, Debian's newest
    /usr/lib/postgresql/<major>/bin, or PATH; None when the server is not installed."""
    candidates = [os.environ.get("PG_BIN", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.append(str(Path(found).resolve().parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One server in its own temporary directory; `start()`, `url(name)`, `stop()`."""

    def __init__(self, binaries: Path) -> None:
        self.bin = binaries
        self.dir = Path(tempfile.mkdtemp(prefix="tasktui-pg-"))
        self.data = self.dir / "data"
        self.port = 0
        self.as_root = os.geteuid() == 0
        self._clones = 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        program = self.bin / args[0]
        command = [str(program) if program.exists() else args[0], *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> PostgresServer:
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", ROLE, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"
        )
        # One role logs in with a password (tests of PGPASSWORD and ~/.pgpass); every
        # other role is trusted on 127.0.0.1.
        hba = self.data / "pg_hba.conf"
        rules = f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n"
        self._run("sh", "-c", f"printf '%s' '{rules}' | cat - {hba} > {hba}.new && mv {hba}.new {hba}")
        self.port = _free_port()
        self._start()
        return self

    def _start(self) -> None:
        options = (
            f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        log = str(self.dir / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", "60", "-o", options, "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def restart(self) -> None:
        """Stop the server (ending every connection) and start it on the same port."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self._start()

    def url(self, name: str = "postgres") -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{name}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (from `template` when given); its URL."""
        clause = f' TEMPLATE "{template}"' if template else ""
        self.execute(f'CREATE DATABASE "{name}"{clause}')
        return self.url(name)

    def new_database(self, template: str | None = None) -> str:
        """A new database with a unique name; its URL."""
        self._clones += 1
        return self.create_database(f"t{os.getpid()}_{self._clones}", template)
