"""`tasktui export PATH`: the tasks matching the task-list filters, as CSV or JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from tasktui.cli.state import state


def export(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="File to write (.csv or .json)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="csv or json (default: from the file name)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    assigned: str = typer.Option(
        "all", "--assigned", help="all, direct, groups, direct-or-groups or unassigned (relative to --for)."
    ),
    for_user: Optional[str] = typer.Option(None, "--for", help="Whose tasks --assigned means (default: you)."),
    assignee: Optional[str] = typer.Option(None, "--assignee", help="Only tasks assigned directly to this user."),
    group: Optional[str] = typer.Option(None, "--group", help="Only tasks of this group."),
    event: Optional[str] = typer.Option(None, "--event", "-e", help="Only tasks of this event."),
    status: str = typer.Option("open", "--status", "-s", help="open, done or all."),
    search: Optional[str] = typer.Option(None, "--search", "-q", help="Text in title, description, link, attributes."),
    sort: str = typer.Option("created", "--sort", help="Column to sort by."),
    ascending: bool = typer.Option(False, "--asc", help="Sort ascending (default: descending)."),
) -> None:
    """Export every task matching the filters (as `task list`) to a CSV or JSON file."""
    from tasktui.cli.tasks import _filter
    from tasktui.services.export import check_destination, export_tasks, format_for

    check_destination(path, force)
    format_for(path, fmt)
    actor = state(ctx).open()
    flt = _filter(actor, assigned, for_user, assignee, group, event, status, search)
    show_progress = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show_progress:
            sys.stderr.write(f"\rexporting: {done:,}/{total:,} tasks")
            sys.stderr.flush()

    result = export_tasks(flt, path, fmt, sort, not ascending, actor.lang, overwrite=force, progress=progress)
    if show_progress:
        sys.stderr.write("\n")
    typer.echo(f"exported {result.count} task{'' if result.count == 1 else 's'} to {result.path} ({result.format})")


def register(app: typer.Typer) -> None:
    """Add `export` to the root command."""
    app.command("export")(export)
