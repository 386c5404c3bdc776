"""`tasktui import PATH`: load the tasks of a JSON export into this database.

The rules are in `tasktui.services.transfer.importing`. The file is read and checked
(into a temporary spool) before the database is opened, so a file that is not an
export never touches it. Output: the mapping of every record (table, or JSON
`[{"record", "old_id", "new_id", "outcome"}]`), printed a block at a time from the
spool, and, in the table, a summary line. A refused file prints one
`tasktui: error:` line per problem when there are several, then the summary line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tasktui import formats
from tasktui.cli.state import check_format_in, state
from tasktui.records import shallow_dict
from tasktui.text_safety import visible_line

if TYPE_CHECKING:
    from tasktui.services.transfer.importing import ImportResult

MAPPING_COLUMNS = ["record", "old_id", "new_id", "outcome"]
#: Lines of the mapping printed per write.
PRINT_BLOCK = 2_000


def import_(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A JSON file written by 'tasktui export --format json'."),
    skip_existing: bool = typer.Option(
        False, "--skip-existing", help="Import only the records not here yet; those already here map to their tasks."
    ),
    unassign_unknown: bool = typer.Option(
        False, "--unassign-unknown", help="Leave an assignee or group unknown here empty instead of refusing the file."
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json: the old id -> new id mapping."),
) -> None:
    """Import the tasks of a JSON export (from this or another database), all or nothing.

    JSON only: a CSV export carries no attribute values, so it is refused.

    Tasks get new ids (the old id -> new id mapping is printed) and keep status,
    created at, done at, last seen, occurrences, dedup key, title, description,
    link and attribute values. The event is found by identifier, the assignee and
    group by name, exactly as in the file. Not in an export, so not imported:
    done by, comments, history, dependencies, processes.

    The whole file is checked first, then written in one transaction; nothing is
    written when a record is bad (exit 2) or names an unknown event, user or group
    (exit 3). A record already here (same event, created at and title, as when a
    file is imported twice) refuses the file (exit 1) unless --skip-existing; so
    does an open record whose dedup key has an open task here. Each task gets an
    'imported' history entry naming you and the file. No email is sent.
    """
    from tasktui.services.transfer.import_records import ImportRejected
    from tasktui.services.transfer.importing import SHOWN_PROBLEMS, import_spooled, read_file

    check_format_in(fmt, command="import")
    try:
        with read_file(path) as spool:
            actor = state(ctx).open()
            result = import_spooled(actor, spool, skip_existing, unassign_unknown)
            _print_mapping(result, fmt)
    except ImportRejected as e:
        if len(e.problems) > 1:
            for problem in e.problems[:SHOWN_PROBLEMS]:
                typer.echo(f"tasktui: error: {visible_line(str(problem))}", err=True)
            if len(e.problems) > SHOWN_PROBLEMS:
                typer.echo(f"tasktui: error: ... and {len(e.problems) - SHOWN_PROBLEMS} more", err=True)
        raise


def _print_mapping(result: ImportResult, fmt: str) -> None:
    """The mapping of every record, PRINT_BLOCK lines per write (a million records
    are never held as text at once), then the table's summary line."""

    def rows() -> Iterator[dict]:
        return (shallow_dict(t) for t in result.tasks)

    if fmt == "json":
        _echo_blocks(formats.streamed_json(rows()))
        return
    if result.imported or result.existing:
        _echo_blocks(formats.streamed_table(rows, MAPPING_COLUMNS))
    skipped = f" ({result.existing} already here, skipped)" if result.existing else ""
    typer.echo(
        f"imported {result.imported} task{'' if result.imported == 1 else 's'} from {visible_line(str(result.source))}{skipped}"
    )


def _echo_blocks(lines: Iterable[str]) -> None:
    block: list[str] = []
    for line in lines:
        block.append(line)
        if len(block) >= PRINT_BLOCK:
            typer.echo("\n".join(block))
            block = []
    if block:
        typer.echo("\n".join(block))


def register(app: typer.Typer) -> None:
    """Add `import` to the root command."""
    app.command("import")(import_)
