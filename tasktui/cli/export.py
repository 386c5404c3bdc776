"""`tasktui export PATH`: the tasks matching the task-list filters, as CSV or JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from tasktui.cli.state import state
from tasktui.cli.tasks import (
    ACK_OPTION,
    ASCENDING_OPTION,
    ASSIGNED_OPTION,
    ASSIGNEE_OPTION,
    ATTR_FILTER_OPTION,
    EVENT_OPTION,
    FOR_USER_OPTION,
    GROUP_OPTION,
    SEARCH_OPTION,
    SEVERITY_OPTION,
    SORT_OPTION,
    STATUS_OPTION,
    task_filter,
)
from tasktui.errors import Invalid
from tasktui.text_safety import visible_line


def export(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="File to write (.csv or .json); - writes to stdout (with --format)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="csv or json (default: from the file name)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    assigned: str = ASSIGNED_OPTION,
    for_user: Optional[str] = FOR_USER_OPTION,
    assignee: Optional[str] = ASSIGNEE_OPTION,
    group: Optional[str] = GROUP_OPTION,
    event: Optional[str] = EVENT_OPTION,
    status: str = STATUS_OPTION,
    search: Optional[str] = SEARCH_OPTION,
    attrs: Optional[list[str]] = ATTR_FILTER_OPTION,
    severity: Optional[str] = SEVERITY_OPTION,
    acknowledged: str = ACK_OPTION,
    snoozed: str = typer.Option(
        "any", "--snoozed", help="any (default: sleeping tasks are exported too), awake or snoozed."
    ),
    sort: str = SORT_OPTION,
    ascending: bool = ASCENDING_OPTION,
) -> None:
    """Export every task matching the filters (as `task list`) to a CSV or JSON file,
    or with `-` to stdout (e.g. `tasktui export - -f json | ssh other tasktui import -`)."""
    from tasktui.services.transfer.export import check_destination, export_tasks, format_for

    to_stdout = str(path) == "-"
    if to_stdout and fmt is None:
        raise Invalid("export to stdout (-) needs --format csv or --format json")
    if not to_stdout:
        check_destination(path, force)
    chosen = format_for(path, fmt)
    actor = state(ctx).open()
    flt = task_filter(
        actor, assigned, for_user, assignee, group, event, status, search, attrs, severity, acknowledged, snoozed
    )
    show_progress = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show_progress:
            sys.stderr.write(f"\rexporting: {done:,}/{total:,} tasks")
            sys.stderr.flush()

    if to_stdout:
        from tasktui.services.transfer.export import write_tasks

        count = write_tasks(sys.stdout, flt, chosen, sort, not ascending, actor.lang, progress)
        sys.stdout.flush()
        if show_progress:
            sys.stderr.write("\n")
        # the data is on stdout: the summary goes to stderr
        typer.echo(f"exported {count} task{'' if count == 1 else 's'} to stdout ({chosen})", err=True)
        return
    result = export_tasks(flt, path, chosen, sort, not ascending, actor.lang, overwrite=force, progress=progress)
    if show_progress:
        sys.stderr.write("\n")
    typer.echo(
        f"exported {result.count} task{'' if result.count == 1 else 's'} to {visible_line(str(result.path))} ({result.format})"
    )


def register(app: typer.Typer) -> None:
    """Add `export` to the root command."""
    app.command("export")(export)
