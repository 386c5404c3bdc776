"""The floor of a scripted command: a fresh Python process with argparse and sqlite3
that executes exactly the SQL statements tasktui executed for the command (same
pragmas, same transactions, same reads and writes), captured by `capture`.

    python tests/bench/sql_replay.py DB STATEMENTS.json

Run as a script (not `-m`): it must import nothing of tasktui or the tests.
`capture` records the statements (and their parameters) of one run of the command
in a fresh process, through a recording `sqlite3.Connection`; executemany and
executescript are not recorded (the hot commands do not use them: a test would see
a capture that misses writes as a replay that writes nothing).
"""

from __future__ import annotations

import argparse
import json
import sqlite3


def replay(db: str, path: str) -> None:
    """Execute the recorded statements, one connection per recorded connection."""
    with open(path, encoding="utf-8") as f:
        recorded = json.load(f)
    connections: dict[int, sqlite3.Connection] = {}
    for index, sql, params in recorded:
        conn = connections.get(index)
        if conn is None:
            conn = connections[index] = sqlite3.connect(db, isolation_level=None, timeout=30)
        if sql is None:
            getattr(conn, params)()  # commit or rollback
        else:
            conn.execute(sql, params).fetchall()
    for conn in connections.values():
        conn.close()


def _plain(value):
    """A parameter as JSON keeps it (sqlite3 stores a datetime as its str)."""
    return value if value is None or isinstance(value, (int, float, str)) else str(value)


def capture(run) -> list[tuple[int, str | None, object]]:
    """The statements `run()` executes through sqlite3 with their parameters, in
    order, with the index of the connection each ran on (`(index, None, "commit")`
    for a call of `commit()`)."""
    statements: list[tuple[int, str | None, object]] = []
    real_connect = sqlite3.connect
    count = [0]

    def recorder(index: int):
        def record(sql, params=()):
            if isinstance(params, dict):
                statements.append((index, sql, {k: _plain(v) for k, v in params.items()}))
            else:
                statements.append((index, sql, [_plain(v) for v in params]))

        return record

    class Cursor(sqlite3.Cursor):
        def execute(self, sql, params=()):
            self.connection._record(sql, params)
            return super().execute(sql, params)

    class Connection(sqlite3.Connection):
        def cursor(self, factory=Cursor):
            return super().cursor(factory)

        def execute(self, sql, params=()):
            return self.cursor().execute(sql, params)

        def commit(self):
            statements.append((self._index, None, "commit"))
            return super().commit()

        def rollback(self):
            statements.append((self._index, None, "rollback"))
            return super().rollback()

    def connect(*args, **kwargs):
        if "factory" in kwargs:
            raise RuntimeError("capture: a connection with its own factory")
        conn = real_connect(*args, factory=Connection, **kwargs)
        conn._index = count[0]
        conn._record = recorder(count[0])
        count[0] += 1
        return conn

    sqlite3.connect = connect
    try:
        run()
    finally:
        sqlite3.connect = real_connect
    return statements


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db")
    parser.add_argument("statements")
    args = parser.parse_args()
    replay(args.db, args.statements)
