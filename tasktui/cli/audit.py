"""`tasktui audit`: the changes made to events, people, attributes and email settings."""

from __future__ import annotations

from typing import Optional

import typer

from tasktui import formats
from tasktui.cli.state import check_format_in, state

COLUMNS = ["at", "actor", "os_login", "entity", "key", "action", "field", "old", "new"]


def audit(
    ctx: typer.Context,
    since: Optional[str] = typer.Option(
        None, "--since", help="Only changes since: 30d, 12h, 90m, 2w, a date (2026-11-01) or time (local unless Z)."
    ),
    entity: Optional[str] = typer.Option(
        None,
        "--entity",
        help="Only one kind: event, user, group, attribute, attribute_group, attribute_set, email_settings, event_email.",
    ),
    limit: int = typer.Option(
        100, "--limit", "-n", help="At most this many entries, newest first (a cut is said on stderr)."
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
) -> None:
    """Show the audit log, newest first: who (acting user and OS login) changed what, when, old -> new."""
    from tasktui.services.audit import check_entity, list_audit, parse_since

    check_format_in(fmt, ("table", "json", "csv"), command="audit")
    moment = parse_since(since) if since is not None else None
    if entity is not None:
        check_entity(entity)
    state(ctx).open()
    records, total = list_audit(moment, entity, limit)
    rows = [r.as_dict() for r in records]
    if fmt == "json":
        typer.echo(formats.json_text(rows))
    elif rows:
        typer.echo(formats.render(rows, COLUMNS, fmt))
    if total > len(records):
        typer.echo(
            f"tasktui: showing the newest {len(records)} of {total} audit entries: use --limit, --since or --entity",
            err=True,
        )


def register(app: typer.Typer) -> None:
    """Add `audit` to the root command."""
    app.command("audit")(audit)
