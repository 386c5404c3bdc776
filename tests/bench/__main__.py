"""`python -m tests.bench` (`make bench`): seed databases, run the sections, print JSON.

Options: `--tasks N` (default 100,000; 1,000,000 works), `--small-tasks N` (default
10,000: the comparison size for `raise`), `--repeat N` (fresh-process runs per figure,
default 20), `--workdir DIR` (keep the seeded databases there and reuse them on the
next run when they hold the requested number of tasks; default: a temporary
directory, removed afterwards), `--only NAME` (run only these sections),
`--postgres URL` (also spelled `--db URL`; `auto` starts a throwaway server for the
run): the `postgres` section then prints the figures of SQLite and of PostgreSQL side
by side. The PostgreSQL database must be empty (it is filled with `tasktui db copy`
of the big SQLite database, which is timed) or hold a previous run's copy of at least
`--tasks` tasks (reused).

Adding a section: create `tests/bench/<name>.py` with

    def run(ctx: BenchContext) -> dict: ...

and add `<name>` to SECTIONS below. `ctx` (see `context.BenchContext`) holds the paths
of the seeded databases (`db_path` with `tasks` tasks, `small_db_path` with
`small_tasks`), a `workdir` of your own, `repeat`, the venv's `python` and `tasktui`
executables, the subprocess `env`, and timing helpers: `ctx.time_call(fn)` (median of
in-process calls) and `ctx.time_processes({"name": argv, ...})` (median of fresh
processes, interleaved). A listed module that does not exist yet is skipped; a
section that raises is reported under its name as {"error": "..."} and the others
still run. The output is one JSON object: {"params": ..., "<section>": {...}, ...}.
The benchmark prints figures; it never fails on a number.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from tests.bench.context import BenchContext
from tests.bench.seed import BENCH_USER, seed, seeded_count

#: Section modules under tests/bench, run in this order when present.
SECTIONS = ["core", "startup", "tui", "writers", "notify", "intake", "web", "postgres", "undo", "stats", "batch"]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks in the big database")
    parser.add_argument("--small-tasks", type=int, default=10_000, help="tasks in the comparison database")
    parser.add_argument("--repeat", type=int, default=20, help="fresh-process runs per figure")
    parser.add_argument("--workdir", type=Path, default=None, help="keep and reuse seeded databases here")
    parser.add_argument("--only", action="append", default=None, help="run only this section (repeatable)")
    parser.add_argument(
        "--postgres",
        "--db",
        dest="postgres",
        default=None,
        help="also measure PostgreSQL: a postgresql:// URL of an empty database, or auto (a throwaway server)",
    )
    args = parser.parse_args(argv)
    if args.tasks < 1 or args.small_tasks < 1 or args.repeat < 1:
        parser.error("--tasks, --small-tasks and --repeat must be at least 1")
    if args.postgres not in (None, "auto") and not args.postgres.startswith(("postgresql://", "postgres://")):
        parser.error("--postgres/--db takes a postgresql:// URL or auto")
    return args


def _postgres_tasks(url: str) -> int:
    """How many tasks the PostgreSQL database holds (0 when it has no tasktui schema)."""
    from tasktui import db as dbmod

    dialect, parsed = dbmod.dialect_for_url(url)
    if dialect.stored_schema_version(parsed) == 0:
        return 0
    from tasktui.models import Task

    database = dbmod.open_database(url)
    try:
        return Task.select().count()
    finally:
        database.close()


def _postgres_database(url: str, big: Path, tasks: int) -> dict[str, Any]:
    """Fill the PostgreSQL database at `url` with `db copy` of `big` (timed), or reuse
    it when it holds a previous copy of at least `tasks` tasks."""
    from tasktui.services.admin.copy import copy_database

    held = _postgres_tasks(url)
    if held >= tasks:
        return {"reused": True, "tasks": held}
    started = time.perf_counter()
    result = copy_database(big, url)
    return {
        "tasks": result.rows["task"],
        "rows": result.total,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _database(workdir: Path, tasks: int) -> tuple[Path, float | None]:
    """A seeded database of `tasks` tasks (reused when already there)."""
    path = workdir / f"bench-{tasks}.db"
    count = seeded_count(path)
    if count is not None and count >= tasks:
        return path, None
    if path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path, round(seed(path, tasks, progress=tasks >= 200_000), 1)


def _section(name: str, ctx: BenchContext) -> dict[str, Any] | None:
    try:
        module = importlib.import_module(f"tests.bench.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"tests.bench.{name}":
            return None
        raise
    started = time.perf_counter()
    try:
        result = module.run(ctx)
    except Exception as e:  # a broken section must not hide the others' figures
        traceback.print_exc(file=sys.stderr)
        result = {"error": f"{type(e).__name__}: {e}"}
    result.setdefault("section_seconds", round(time.perf_counter() - started, 1))
    return result


def _compile_package() -> None:
    """Write tasktui's bytecode caches, as `pip install` does: the fresh processes the
    bench times then load compiled modules the way an installed copy does, also where
    PYTHONDONTWRITEBYTECODE is set (an editable install would otherwise compile every
    module from source in every process: about 30 ms more per command)."""
    import compileall

    import tasktui

    compileall.compile_dir(str(Path(tasktui.__file__).parent), quiet=1)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Seed (or reuse) the databases, run the sections, print and return the figures."""
    args = _arguments(argv)
    _compile_package()
    keep = args.workdir is not None
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tasktui-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = None
    try:
        big, big_seed_s = _database(workdir, args.tasks)
        small, small_seed_s = _database(workdir, args.small_tasks)
        postgres, postgres_copy = args.postgres, None
        if postgres == "auto":
            from tests.db.postgres_server import PostgresServer, server_binaries

            binaries = server_binaries()
            if binaries is None:
                raise SystemExit("--postgres auto: the PostgreSQL server binaries (initdb, pg_ctl) are not installed")
            server = PostgresServer(binaries).start()
            postgres = server.create_database("bench")
        if postgres is not None:
            postgres_copy = _postgres_database(postgres, big, args.tasks)
        ctx = BenchContext(
            db_path=big,
            small_db_path=small,
            tasks=args.tasks,
            small_tasks=args.small_tasks,
            workdir=workdir,
            repeat=args.repeat,
            env={**os.environ, "TASKTUI_USER": BENCH_USER, "TASKTUI_LANG": "en"},
            postgres=postgres,
            postgres_label=None if postgres is None else _label(postgres, server is not None),
            postgres_copy=postgres_copy,
        )
        figures: dict[str, Any] = {
            "params": {
                "tasks": args.tasks,
                "small_tasks": args.small_tasks,
                "repeat": args.repeat,
                "seed_seconds": {"big": big_seed_s, "small": small_seed_s},
                "python": sys.version.split()[0],
                "cpus": os.cpu_count(),
                "postgres": ctx.postgres_label,
            }
        }
        for name in args.only or SECTIONS:
            if name == "postgres" and ctx.postgres is None:
                continue
            result = _section(name, ctx)
            if result is not None:
                figures[name] = result
        print(json.dumps(figures, indent=2))
        return figures
    finally:
        if server is not None:
            from tasktui import db as dbmod

            dbmod.close_database()
            server.stop()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _label(url: str, throwaway: bool) -> str:
    """The database named without a password, and whether it was a throwaway server."""
    from tasktui.db.url import parse_database_url

    shown = str(parse_database_url(url))
    return f"{shown} (throwaway server, fsync=off)" if throwaway else shown


if __name__ == "__main__":
    main()
