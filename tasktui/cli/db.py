"""`tasktui db check|backup|migrate|copy`: keep the database healthy, move it.

These commands never open the database the ordinary way (which would create a
missing file, migrate an old one and register the acting user): `check` and `backup`
only read the file, `migrate` changes only the schema, `copy` only reads its source
and fills an empty target in one transaction.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from tasktui import formats
from tasktui.cli.state import check_format_in, state
from tasktui.limits import MAX_BACKUP_PAGES, MAX_BACKUP_PAUSE_MS
from tasktui.text_safety import visible_line

db_app = typer.Typer(help="Check, back up, migrate and copy the database.", no_args_is_help=True)

#: Exit code of `db check` when it finds a problem: the database is not usable as is.
CHECK_FAILED = 4


@db_app.command("check")
def check(
    ctx: typer.Context,
    quick: bool = typer.Option(False, "--quick", help="Faster structural check (skips index contents)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Check the database: integrity of the file, foreign keys, schema version.
    Exit 0 when all is well; otherwise one line per problem on stderr and exit 4."""
    from tasktui.services.admin.maintenance import check_database

    check_format_in(fmt)
    report = check_database(state(ctx).settings.db, quick=quick)
    if fmt == "json":
        data = {"path": str(report.path), "ok": report.ok, "schema_version": report.schema_version,
                "problems": report.problems}  # fmt: skip
        typer.echo(formats.json_text(data))
    else:
        for name, found in report.problems.items():
            suffix = f" (version {report.schema_version})" if name == "schema version" and not found else ""
            typer.echo(f"{name}: {'ok' + suffix if not found else f'{len(found)} problem(s)'}")
    for line in report.lines():
        typer.echo(f"tasktui: error: {visible_line(line)}", err=True)
    if not report.ok:
        raise typer.Exit(CHECK_FAILED)


@db_app.command("backup")
def backup(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="File to write the backup to (created readable by you only)."),
    force: bool = typer.Option(False, "--force", help="Overwrite PATH if it exists."),
    pages: int = typer.Option(1024, "--pages", help="Pages copied per step.", min=1, max=MAX_BACKUP_PAGES),
    pause_ms: int = typer.Option(
        0, "--pause-ms", help="Pause between steps, to spread the I/O.", min=0, max=MAX_BACKUP_PAUSE_MS
    ),
) -> None:
    """Back up the database to PATH with SQLite's online backup: a consistent copy
    even while scripts keep raising tasks. Restore: see the README."""
    from tasktui.services.admin.maintenance import backup as backup_database

    result = backup_database(state(ctx).settings.db, path, force=force, pages_per_step=pages, pause_s=pause_ms / 1000)
    size_mb = result.size_bytes / 1_000_000
    # The paths are the user's words (any character a file name may hold): shown, not sent.
    typer.echo(
        f"backed up {visible_line(str(result.source))} to {visible_line(str(result.target))}"
        f" ({size_mb:.1f} MB, schema version {result.schema_version})"
    )


@db_app.command("migrate")
def migrate(ctx: typer.Context) -> None:
    """Apply pending schema migrations now (tasktui also applies them when it opens
    an older database) and say what was done."""
    from tasktui.services.admin.maintenance import migrate as migrate_database

    result = migrate_database(state(ctx).settings.db)
    if not result.applied:
        typer.echo(f"{visible_line(str(result.path))} is at schema version {result.after}: nothing to migrate")
        return
    for version, summary in result.applied:
        typer.echo(f"applied migration {version}: {summary}")
    typer.echo(f"migrated {visible_line(str(result.path))} from schema version {result.before} to {result.after}")


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress callback: a bar on stderr when it is a terminal, nothing otherwise
    (scripts, pipes, logs)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), transient=True,
    ) as bar:  # fmt: skip
        bar_task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(bar_task, completed=done, total=total)

        yield advance


@db_app.command("copy")
def copy(
    source: str = typer.Argument(..., help="The database to copy: a file path or URL (only read)."),
    target: str = typer.Argument(
        ..., help="The empty database to fill: a file path or URL (created or migrated as needed)."
    ),
) -> None:
    """Copy a whole store into an empty database of either engine (SQLite file <->
    PostgreSQL), every table with its ids, all or nothing: the row counts are checked
    before the one transaction commits; a target holding tasktui data is refused."""
    from tasktui.services.admin.copy import copy_database

    with _progress_bar("db copy") as progress:
        result = copy_database(source, target, progress=progress)
    typer.echo(
        f"copied {result.total:,} rows ({result.rows.get('task', 0):,} tasks) in {len(result.rows)} tables "
        f"from {visible_line(str(result.source))} to {visible_line(str(result.target))} in {result.seconds:.1f} s"
    )


def register(app: typer.Typer) -> None:
    """Add `tasktui db ...` to the root app."""
    app.add_typer(db_app, name="db")
