"""`tasktui undo [--list] [CHANGE_ID]` and `tasktui preview [N]` (issue 18)."""

from __future__ import annotations

import dataclasses
from typing import Optional

import typer

from tasktui.cli.state import check_format_in, parse_id, state


def undo(
    ctx: typer.Context,
    change_id: Optional[str] = typer.Argument(
        None, metavar="CHANGE_ID", help="The change set to undo (default: your last one in force)."
    ),
    list_: bool = typer.Option(False, "--list", "-l", help="List your change sets, newest first."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=10_000, help="With --list: at most this many."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Undo your last bulk action (done, reopen, assign, unassign, set-attr, import) or
    the change set CHANGE_ID: each task back to its values before it. Tasks changed by
    someone since are skipped and named (exit 1). Undo an undo to redo."""
    from tasktui import formats

    check_format_in(fmt, command="undo")
    actor = state(ctx).open()
    if list_:
        from tasktui.services.tasks.undo import list_change_sets

        rows = [{**dataclasses.asdict(c), "state": c.state} for c in list_change_sets(actor, limit)]
        if fmt == "json":
            typer.echo(formats.json_text(rows))
        elif rows:
            typer.echo(formats.table(rows, ["id", "at", "action", "label", "tasks", "state"]))
        else:
            typer.echo(f"no change sets of {actor.login}")
        return
    from tasktui.errors import Refused
    from tasktui.services.tasks.undo import undo as undo_change_set

    number = parse_id(change_id, param="CHANGE_ID") if change_id is not None else None
    result = undo_change_set(actor, number)
    if fmt == "json":
        typer.echo(formats.json_text(dataclasses.asdict(result)))
    else:
        typer.echo(result.summary())
    if result.skipped:
        reasons = "; ".join(
            f"{len(ids)} {reason} ({', '.join('#' + str(i) for i in ids[:10])}{' ...' if len(ids) > 10 else ''})"
            for reason, ids in result.skipped.items()
        )
        raise Refused(f"undo of #{result.undone}: {result.skipped_count} task(s) not reverted: {reasons}")


def preview(
    ctx: typer.Context,
    threshold: Optional[int] = typer.Argument(
        None, min=0, max=10_000_000, help="Ask first above this many tasks (0: always); without it, show it."
    ),
) -> None:
    """Show or set above how many tasks a bulk action first says what it will do and
    asks (TUI and terminal; default 50; remembered per user)."""
    from tasktui.services.tasks.bulk_preview import preview_threshold, set_preview_threshold

    actor = state(ctx).open()
    if threshold is not None:
        set_preview_threshold(actor, threshold)
    typer.echo(f"preview threshold for {actor.login}: {preview_threshold(actor):,} tasks")


def register(app: typer.Typer) -> None:
    """Add the commands to the root app."""
    app.command("undo")(undo)
    app.command("preview")(preview)
