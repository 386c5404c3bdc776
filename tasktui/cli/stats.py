"""`tasktui stats [--since 30d] [--event E] [--format table|json]` (issue 18.4)."""

from __future__ import annotations

import dataclasses
from typing import Optional

import typer

from tasktui.cli.state import check_format_in, state


def stats(
    ctx: typer.Context,
    since: str = typer.Option("30d", "--since", help="Period start: a span (30d, 2w, 12h) or a date (2026-11-01)."),
    event: Optional[str] = typer.Option(None, "--event", "-e", help="Only tasks of this event."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """How the work develops: per day raised, done and open at the end of the day;
    per event; median and p90 time to done; oldest open tasks; top events by
    occurrences; open tasks per assignee and group."""
    from tasktui import formats
    from tasktui.services.audit import parse_since
    from tasktui.services.stats import task_stats

    check_format_in(fmt, command="stats")
    start = parse_since(since)
    actor = state(ctx).open()
    report = task_stats(start, event, lang=actor.lang)
    if fmt == "json":
        data = dataclasses.asdict(report)
        data["raised"], data["done"] = report.raised, report.done
        typer.echo(formats.json_text(data))
        return
    hours = lambda h: "–" if h is None else f"{h:,.1f} h"  # noqa: E731
    scope = f" for event {report.event}" if report.event else ""
    typer.echo(
        f"{report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC{scope}: {report.raised:,} raised, "
        f"{report.done:,} done; time to done: median {hours(report.median_hours)}, p90 {hours(report.p90_hours)} "
        f"({report.done_count:,} tasks)"
    )
    sections = [
        ("per day", [dataclasses.asdict(d) for d in report.days], ["day", "raised", "done", "open"]),
        ("per event", [dataclasses.asdict(e) for e in report.events], ["event", "raised", "done", "occurrences", "open"]),
        ("top events by occurrences", [dataclasses.asdict(e) for e in report.top_events], ["event", "occurrences", "raised"]),
        ("oldest open", [dataclasses.asdict(t) for t in report.oldest_open], ["id", "age_days", "event", "title"]),
        ("open per assignee", [{"assignee": r.name or "(nobody)", "open": r.open} for r in report.open_by_assignee], ["assignee", "open"]),
        ("open per group", [{"group": r.name or "(none)", "open": r.open} for r in report.open_by_group], ["group", "open"]),
    ]  # fmt: skip
    for title, rows, columns in sections:
        typer.echo(f"\n{title}:")
        typer.echo(formats.table(rows, columns) if rows else "  (none)")


def register(app: typer.Typer) -> None:
    """Add the command to the root app."""
    app.command("stats")(stats)
