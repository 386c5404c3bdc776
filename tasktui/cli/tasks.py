"""`tasktui init`, `tasktui raise` and `tasktui task ...`."""

from __future__ import annotations

from typing import Optional

import typer

from tasktui import formats
from tasktui.cli import task_commands
from tasktui.cli.bulk_confirm import YES_OPTION
from tasktui.cli.state import FORMAT_HELP, parse_id, read_ids, state
from tasktui.limits import MAX_COMMENT, MAX_INTEGER, MIN_INTEGER
from tasktui.text_safety import visible_line

task_app = typer.Typer(help="List, show and change tasks.", no_args_is_help=True)

# The bodies live in `task_commands` (no Typer: the lean dispatch calls them too).
_read_text, _attr_pairs, task_filter = task_commands.read_text, task_commands.attr_pairs, task_commands.task_filter
LIST_COLUMNS, DEFAULT_LIST_LIMIT = task_commands.LIST_COLUMNS, task_commands.DEFAULT_LIST_LIMIT


def init(ctx: typer.Context) -> None:
    """Create the database (or migrate it), register the acting user it runs as and
    the shipped event catalogue."""
    st = state(ctx)
    actor = st.open(register=True)
    from tasktui.db import SCHEMA_VERSION
    from tasktui.services.events.manifests import register_catalogue

    typer.echo(f"database ready: {visible_line(str(st.settings.db))} (schema version {SCHEMA_VERSION})")
    typer.echo(f"event catalogue: {register_catalogue(actor=actor).summary()}")


def raise_event(
    ctx: typer.Context,
    event: Optional[str] = typer.Argument(None, help="Event identifier (not with --batch)."),
    title: Optional[str] = typer.Option(None, "--title", "-t", help="Task title (one line); required without --batch."),
    description: Optional[str] = typer.Option(None, "--description", "-d", help="Description; '-' reads stdin."),
    link: str = typer.Option("", "--link", "-l", help="URL or reference of the object concerned."),
    assignee: Optional[str] = typer.Option(None, "--assignee", help="Assign to this user instead of the event's."),
    group: Optional[str] = typer.Option(None, "--group", help="Assign to this group instead of the event's."),
    dedup_key: Optional[str] = typer.Option(None, "--dedup-key", help="Count repeats on the open task with this key."),
    reopen: bool = typer.Option(False, "--reopen", help="With --dedup-key: a done task with the key is reopened."),
    process: Optional[str] = typer.Option(None, "--process", help="Id of the external run that raised this."),
    process_source: str = typer.Option("", "--process-source", help="Where that run comes from (e.g. cron, ci)."),
    exit_code: Optional[int] = typer.Option(
        None, "--exit-code", min=MIN_INTEGER, max=MAX_INTEGER, help="Exit code of that run."
    ),
    attrs: Optional[list[str]] = typer.Option(
        None, "--attr", "-a", help="Custom attribute value key=value (repeatable), validated for its type."
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="Output format: table or json."),
    batch: bool = typer.Option(
        False, "--batch", help="Raise one task per JSON line on stdin, all or nothing (see the README)."
    ),
    severity: Optional[str] = typer.Option(
        None, "--severity", help="critical, high, normal or low (default: the event's severity)."
    ),
) -> None:
    """Raise EVENT: create a task for the event's responsible user and group."""
    task_commands.raise_event(
        state(ctx), event, title, description, link, assignee, group, dedup_key, reopen, process, process_source,
        exit_code, attrs, fmt, batch, severity=severity,
    )  # fmt: skip


# The filters and order of `task list`, which `export` takes too (the tasks screen's).
ASSIGNED_OPTION = typer.Option(
    "all", "--assigned", help="all, direct, groups, direct-or-groups or unassigned (relative to --for)."
)
FOR_USER_OPTION = typer.Option(None, "--for", help="Whose tasks --assigned means (default: you).")
ASSIGNEE_OPTION = typer.Option(None, "--assignee", help="Only tasks assigned directly to this user.")
GROUP_OPTION = typer.Option(None, "--group", help="Only tasks of this group.")
EVENT_OPTION = typer.Option(None, "--event", "-e", help="Only tasks of this event.")
STATUS_OPTION = typer.Option("open", "--status", "-s", help="open, done or all.")
SEARCH_OPTION = typer.Option(None, "--search", "-q", help="Text in title, description, link, attributes.")
ATTR_FILTER_OPTION = typer.Option(
    None, "--attr", "-a", help="Only tasks whose attribute has this value: key=value (repeatable; typed comparison)."
)
SEVERITY_OPTION = typer.Option(
    None, "--severity", help="Only this severity: critical, high, normal, low; high+ is high and above; or a,b."
)
ACK_OPTION = typer.Option(
    "any", "--acknowledged", help="any, unacknowledged or acknowledged (open tasks someone is on)."
)
SNOOZED_OPTION = typer.Option("awake", "--snoozed", help="awake (default: snoozed tasks hidden), snoozed or any.")
#: The columns `--sort` takes (services.tasks.listing.SORT_KEYS, which a test compares;
#: not imported here, to keep `tasktui raise` light).
SORT_COLUMNS = (
    "created", "id", "status", "title", "description", "plugin", "event", "link", "done_at", "assignee", "group",
    "occurrences", "last_seen", "severity", "acknowledged",
)  # fmt: skip
SORT_OPTION = typer.Option("created", "--sort", help=f"Column to sort by: {', '.join(SORT_COLUMNS)}.")
ASCENDING_OPTION = typer.Option(False, "--asc", help="Sort ascending (default: descending).")


@task_app.command("list")
def list_(
    ctx: typer.Context,
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
    snoozed: str = SNOOZED_OPTION,
    sort: str = SORT_OPTION,
    ascending: bool = ASCENDING_OPTION,
    limit: Optional[int] = typer.Option(
        None,
        "--limit",
        "-n",
        min=1,
        max=MAX_INTEGER,
        help=f"At most this many tasks (default {DEFAULT_LIST_LIMIT}; every one for --format ids into a pipe).",
    ),
    all_rows: bool = typer.Option(False, "--all", help="Every matching task (no limit)."),
    count: bool = typer.Option(False, "--count", help="Print only the number of matching tasks."),
    view: Optional[str] = typer.Option(None, "--view", help="Start from a saved view (other options refine it)."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """List tasks (newest first), with the filters of the tasks screen."""
    task_commands.list_tasks(
        state(ctx), assigned, for_user, assignee, group, event, status, search, attrs, severity, acknowledged,
        snoozed, sort, ascending, limit, all_rows, count, view, fmt,
    )  # fmt: skip


@task_app.command("show")
def show(
    ctx: typer.Context,
    task_id: str = typer.Argument(..., metavar="ID", help="Task id."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Show one task with its attributes, dependencies, processes, history and comments."""
    task_commands.show_task(state(ctx), task_id, fmt)


IDS_HELP = "Task ids, or '-' to read one per line from stdin."
BULK_FORMAT_HELP = "table or json."


@task_app.command("done")
def done(
    ctx: typer.Context,
    ids: Optional[list[str]] = typer.Argument(None, help=IDS_HELP),
    fmt: str = typer.Option("table", "--format", "-f", help=BULK_FORMAT_HELP),
    ok_if_done: bool = typer.Option(
        False, "--ok-if-done", help="A task that is done already is no error (exit 0: safe to run again)."
    ),
    yes: bool = YES_OPTION,
) -> None:
    """Mark tasks done (exit 1 when some were already done, unless --ok-if-done)."""
    task_commands.mark_done(state(ctx), ids, fmt, ok_if_done, yes)


@task_app.command("reopen")
def reopen(
    ctx: typer.Context,
    ids: Optional[list[str]] = typer.Argument(None, help=IDS_HELP),
    fmt: str = typer.Option("table", "--format", "-f", help=BULK_FORMAT_HELP),
    yes: bool = YES_OPTION,
) -> None:
    """Reopen done tasks (exit 1 when some were open)."""
    task_commands.reopen(state(ctx), ids, fmt, yes)


@task_app.command("assign")
def assign(
    ctx: typer.Context,
    ids: Optional[list[str]] = typer.Argument(None, help=IDS_HELP),
    to: Optional[str] = typer.Option(None, "--to", help="Assign to this user (default: you)."),
    group: Optional[str] = typer.Option(None, "--group", help="Set the group instead of the assignee."),
    fmt: str = typer.Option("table", "--format", "-f", help=BULK_FORMAT_HELP),
    yes: bool = YES_OPTION,
) -> None:
    """Assign tasks to you, to --to USER, or to --group GROUP."""
    task_commands.assign(state(ctx), ids, to, group, fmt, yes)


@task_app.command("unassign")
def unassign(
    ctx: typer.Context,
    ids: Optional[list[str]] = typer.Argument(None, help=IDS_HELP),
    group: bool = typer.Option(False, "--group", help="Clear the group instead of the assignee."),
    fmt: str = typer.Option("table", "--format", "-f", help=BULK_FORMAT_HELP),
    yes: bool = YES_OPTION,
) -> None:
    """Remove the assignee (or with --group, the group) of tasks."""
    task_commands.unassign(state(ctx), ids, group, fmt, yes)


@task_app.command("comment")
def comment(
    ctx: typer.Context,
    task_id: str = typer.Argument(..., metavar="ID", help="Task id."),
    text: str = typer.Argument(..., help="The comment; '-' reads stdin."),
) -> None:
    """Add a comment to a task."""
    from tasktui.services.tasks.detail import add_comment

    number = parse_id(task_id, param="task_id")
    body = _read_text(text, MAX_COMMENT, "the comment")
    add_comment(state(ctx).open(), number, body)
    typer.echo(f"comment added to task {number}")


@task_app.command("depend")
def depend(
    ctx: typer.Context,
    task_id: str = typer.Argument(..., metavar="ID", help="The task that waits."),
    on: str = typer.Option(..., "--on", metavar="ID", help="The task it waits on."),
    remove: bool = typer.Option(False, "--remove", help="Remove the dependency instead."),
) -> None:
    """Make a task depend on another (cycles are refused), or --remove it."""
    from tasktui.services.tasks.detail import add_dependency, remove_dependency

    waiting, waited_on = parse_id(task_id, param="task_id"), parse_id(on, param="--on")
    actor = state(ctx).open()
    if remove:
        remove_dependency(actor, waiting, waited_on)
        typer.echo(f"task {waiting} no longer depends on task {waited_on}")
    else:
        add_dependency(actor, waiting, waited_on)
        typer.echo(f"task {waiting} now depends on task {waited_on}")


@task_app.command("set-attr")
def set_attr(
    ctx: typer.Context,
    task_id: str = typer.Argument(..., metavar="ID", help="Task id."),
    values: list[str] = typer.Argument(..., help="key=value pairs; an empty value (key=) clears the attribute."),
) -> None:
    """Set custom attribute values of a task (validated; recorded in its history)."""
    from tasktui.services.tasks.attribute_values import set_task_attributes

    number = parse_id(task_id, param="task_id")
    pairs = dict(_attr_pairs(values, "set-attr"))
    changes = set_task_attributes(state(ctx).open(), number, pairs)
    for change in changes:
        old, new = formats.shown(change.old) or "(none)", formats.shown(change.new) or "(none)"
        typer.echo(f"task {number}: {change.key}: {old} -> {new}")
    if not changes:
        typer.echo(f"task {number}: no attribute changed")


@task_app.command("ack")
def ack(
    ctx: typer.Context,
    ids: Optional[list[str]] = typer.Argument(None, help=IDS_HELP),
    fmt: str = typer.Option("table", "--format", "-f", help=BULK_FORMAT_HELP),
) -> None:
    """Acknowledge open tasks: you are on them (exit 1 when some were done or yours already)."""
    from tasktui.services.tasks.transitions import acknowledge

    task_ids = read_ids(ids or [])
    task_commands.report(acknowledge(state(ctx).open(), task_ids), fmt)


@task_app.command("unack")
def unack(
    ctx: typer.Context,
    ids: Optional[list[str]] = typer.Argument(None, help=IDS_HELP),
    fmt: str = typer.Option("table", "--format", "-f", help=BULK_FORMAT_HELP),
) -> None:
    """Clear the acknowledgement of tasks (exit 1 when some were not acknowledged)."""
    from tasktui.services.tasks.transitions import unacknowledge

    task_ids = read_ids(ids or [])
    task_commands.report(unacknowledge(state(ctx).open(), task_ids), fmt)


@task_app.command("snooze")
def snooze(
    ctx: typer.Context,
    ids: Optional[list[str]] = typer.Argument(None, help=IDS_HELP),
    until: str = typer.Option(
        ..., "--until", help="2h, 30m, 1d, tomorrow [HH:MM], next week, monday, HH:MM or 2026-12-24T08:00 (local time)."
    ),
    fmt: str = typer.Option("table", "--format", "-f", help=BULK_FORMAT_HELP),
) -> None:
    """Hide open tasks until a time; they wake by themselves (unacknowledged) when it passes."""
    from tasktui.services.tasks.snooze_time import parse_until
    from tasktui.services.tasks.transitions import snooze as snooze_tasks

    when = parse_until(until)
    task_ids = read_ids(ids or [])
    task_commands.report(snooze_tasks(state(ctx).open(), task_ids, when), fmt)


@task_app.command("unsnooze")
def unsnooze(
    ctx: typer.Context,
    ids: Optional[list[str]] = typer.Argument(None, help=IDS_HELP),
    fmt: str = typer.Option("table", "--format", "-f", help=BULK_FORMAT_HELP),
) -> None:
    """Wake snoozed tasks now (exit 1 when some were not snoozed)."""
    from tasktui.services.tasks.transitions import unsnooze as unsnooze_tasks

    task_ids = read_ids(ids or [])
    task_commands.report(unsnooze_tasks(state(ctx).open(), task_ids), fmt)


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.command("init")(init)
    app.command("raise")(raise_event)
    app.add_typer(task_app, name="task")
