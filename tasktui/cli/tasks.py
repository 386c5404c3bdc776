"""`tasktui init`, `tasktui raise` and `tasktui task ...`."""

from __future__ import annotations

import dataclasses
import sys
from typing import Optional

import typer

from tasktui import formats
from tasktui.cli.bulk_confirm import YES_OPTION, run_bulk
from tasktui.cli.state import FORMAT_HELP, check_format, check_format_in, parse_id, read_ids, state
from tasktui.errors import Invalid, Refused
from tasktui.limits import MAX_COMMENT, MAX_DESCRIPTION, MAX_INTEGER, MIN_INTEGER
from tasktui.text_safety import visible_line, visible_text

task_app = typer.Typer(help="List, show and change tasks.", no_args_is_help=True)

LIST_COLUMNS = ["id", "created_at", "status", "title", "event", "assignee", "group", "occurrences"]


def _read_text(value: str | None, max_chars: int, what: str) -> str:
    """A text option, or stdin when the value is `-` (read only up to `max_chars`:
    `/dev/zero` is refused at once, not read for ever)."""
    if value == "-":
        from tasktui.bounded_read import read_stdin_text

        return read_stdin_text(max_chars, what)
    return value or ""


def _attr_pairs(values: list[str] | None, option: str = "--attr") -> list[tuple[str, str]]:
    """`key=value` words as (key, value) pairs; a key given twice is Invalid."""
    pairs: list[tuple[str, str]] = []
    for word in values or []:
        key, sep, value = word.partition("=")
        if not sep or not key.strip():
            raise Invalid(f"{option} expects key=value, got {word!r}")
        if any(k == key.strip() for k, _ in pairs):
            raise Invalid(f"attribute {key.strip()!r} is given twice")
        pairs.append((key.strip(), value))
    return pairs


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
) -> None:
    """Raise EVENT: create a task for the event's responsible user and group."""
    check_format_in(fmt, ("table", "json", "ids"), command="raise")
    if batch:
        given = [name for name, value in (("EVENT", event), ("--title", title), ("--description", description),
                 ("--link", link), ("--assignee", assignee), ("--group", group), ("--dedup-key", dedup_key),
                 ("--reopen", reopen), ("--process", process), ("--process-source", process_source),
                 ("--exit-code", exit_code), ("--attr", attrs)) if value is not None and value not in ("", [])
                 and value is not False]  # fmt: skip
        if given:
            raise Invalid(f"with --batch every field comes from the JSON lines on stdin: leave out {', '.join(given)}")
        from tasktui.cli.batch import raise_batch_from_stdin

        return raise_batch_from_stdin(ctx, fmt)
    if event is None:
        raise Invalid("Missing argument 'EVENT' (or --batch to read JSON lines from stdin)")
    if title is None:
        raise Invalid("Missing option '--title'")
    from tasktui.services.tasks.raising import ProcessRef, raise_task

    if reopen and dedup_key is None:
        raise Invalid("--reopen needs --dedup-key")
    text = _read_text(description, MAX_DESCRIPTION, "the description")  # before the database is opened
    processes = [ProcessRef(process, process_source, None, exit_code)] if process else []
    attributes = dict(_attr_pairs(attrs))
    actor = state(ctx).open()
    result = raise_task(
        actor, event, title, text, link, assignee, group, dedup_key, reopen, processes,
        attributes=attributes,
    )  # fmt: skip
    if fmt == "json":
        typer.echo(formats.json_text(dataclasses.asdict(result)))
    elif fmt == "ids":
        typer.echo(str(result.task_id))
    else:
        typer.echo(f"{result.outcome} task {result.task_id} ({result.event}, occurrences: {result.occurrences})")


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
#: The columns `--sort` takes (services.tasks.listing.SORT_KEYS, which a test compares;
#: not imported here, to keep `tasktui raise` light).
SORT_COLUMNS = (
    "created", "id", "status", "title", "description", "plugin", "event", "link", "done_at", "assignee", "group",
    "occurrences", "last_seen",
)  # fmt: skip
SORT_OPTION = typer.Option("created", "--sort", help=f"Column to sort by: {', '.join(SORT_COLUMNS)}.")
ASCENDING_OPTION = typer.Option(False, "--asc", help="Sort ascending (default: descending).")


def task_filter(
    actor, assigned: str, user: Optional[str], assignee: Optional[str], group, event, status, search, attrs=None
):
    """The TaskFilter the list options mean (`--assignee X` is `--assigned direct --for X`)."""
    from tasktui.services.events.definitions import get_event
    from tasktui.services.people import get_group, get_user
    from tasktui.services.tasks.filters import TaskFilter

    mode = assigned.replace("-", "_")
    if assignee:
        if mode not in ("all", "direct"):
            raise Invalid("--assignee cannot be combined with --assigned")
        mode, user = "direct", assignee
    user_id = get_user(user).id if user else actor.user_id
    return TaskFilter(
        assignee_mode=mode,
        user_id=user_id,
        event_id=get_event(event).id if event else None,
        group_id=get_group(group).id if group else None,
        status=status,
        text=search or "",
        attributes=tuple(_attr_pairs(attrs)),
    )


def _row_dict(row) -> dict:
    data = dataclasses.asdict(row)
    data.pop("cursor")
    return data


#: `task list` shows at most this many tasks unless told otherwise (and says so on stderr).
DEFAULT_LIST_LIMIT = 100


def _note(message: str) -> None:
    """One line on stderr that is not an error (the exit code stays 0)."""
    typer.echo(f"tasktui: {message}", err=True)


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
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """List tasks (newest first), with the filters of the tasks screen."""
    from tasktui.services.tasks.counts import count_tasks
    from tasktui.services.tasks.listing import iter_tasks, list_tasks

    check_format(fmt)
    actor = state(ctx).open()
    flt = task_filter(actor, assigned, for_user, assignee, group, event, status, search, attrs)
    if count:
        typer.echo(str(count_tasks(flt)))
        return
    if limit is None and fmt == "ids" and not sys.stdout.isatty():
        all_rows = True  # ids into a pipe feed a script: every match, never a screenful
    if all_rows:
        rows = list(iter_tasks(flt, sort, not ascending, lang=actor.lang))
    else:
        shown = limit or DEFAULT_LIST_LIMIT
        rows = list_tasks(flt, sort, not ascending, limit=shown + 1, lang=actor.lang)
        if len(rows) > shown:
            rows = rows[:shown]
            if limit is None:  # cut by the default, not by the user's -n: say so
                total = count_tasks(flt)
                _note(f"{shown:,} of {total:,} tasks shown; --all for every one, -n N for N")
    dicts = [_row_dict(r) for r in rows]
    if fmt == "json":
        from tasktui.services.tasks.attribute_values import typed_values

        values = typed_values([r.id for r in rows])
        for d in dicts:
            d["attributes"] = values[d["id"]]
    text = formats.render(dicts, LIST_COLUMNS, fmt)
    if text:
        typer.echo(text)


@task_app.command("show")
def show(
    ctx: typer.Context,
    task_id: str = typer.Argument(..., metavar="ID", help="Task id."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Show one task with its attributes, dependencies, processes, history and comments."""
    from tasktui.services.tasks.detail import task_detail

    check_format_in(fmt, command="show")
    number = parse_id(task_id, param="task_id")
    actor = state(ctx).open()
    detail = task_detail(number, actor.lang)
    data = dataclasses.asdict(detail)
    if fmt == "json":
        from tasktui.services.attributes.types import json_value

        # `attributes` has the shape of `task list`, export and batch raise ({key: typed
        # value}); the labels and types are in `attribute_fields`.
        fields = data.pop("attributes")
        for attribute in fields:
            attribute["value"] = json_value(attribute["type"], attribute["value"])
        data["attributes"] = {a["key"]: a["value"] for a in fields}
        data["attribute_fields"] = fields
        typer.echo(formats.json_text(data))
        return
    lists = ("attributes", "depends_on", "blocks", "processes", "history", "comments", "description")
    width = max(len(k) for k in data)
    for key, value in data.items():
        if key not in lists:
            typer.echo(f"{key.replace('_', ' '):<{width}}  {formats.shown(value)}")
    typer.echo("\ndescription:\n" + (visible_text(detail.description) or "(none)"))
    for key in lists[:-1]:
        items = data[key]
        if items:
            typer.echo(f"\n{key.replace('_', ' ')}:")
            typer.echo(formats.table(items, list(items[0])))


def _report(result, fmt: str, accepted: tuple[str, ...] = ()) -> None:
    """Print what a bulk action did; exit 1 when tasks were skipped for a reason not
    `accepted` (`--ok-if-done`: "already done" is what the script wanted)."""
    if fmt == "json":
        typer.echo(formats.json_text(dataclasses.asdict(result)))
    else:
        typer.echo(result.summary())
    if any(reason not in accepted for reason in result.skipped):
        reasons = "; ".join(
            f"{len(ids)} {reason} ({', '.join('#' + str(i) for i in ids[:10])}{' ...' if len(ids) > 10 else ''})"
            for reason, ids in result.skipped.items()
        )
        raise Refused(f"{result.action}: {result.skipped_count} task(s) refused: {reasons}")


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
    from tasktui.services.tasks.status_changes import TRANSITIONS
    from tasktui.services.tasks.transitions import mark_done

    task_ids = read_ids(ids or [])
    _report(
        run_bulk(mark_done, state(ctx).open(), task_ids, yes),
        fmt,
        accepted=(TRANSITIONS["done"].skipped_reason,) if ok_if_done else (),
    )


@task_app.command("reopen")
def reopen(
    ctx: typer.Context,
    ids: Optional[list[str]] = typer.Argument(None, help=IDS_HELP),
    fmt: str = typer.Option("table", "--format", "-f", help=BULK_FORMAT_HELP),
    yes: bool = YES_OPTION,
) -> None:
    """Reopen done tasks (exit 1 when some were open)."""
    from tasktui.services.tasks.transitions import reopen as reopen_tasks

    task_ids = read_ids(ids or [])
    _report(run_bulk(reopen_tasks, state(ctx).open(), task_ids, yes), fmt)


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
    from tasktui.services.tasks.transitions import assign as assign_tasks
    from tasktui.services.tasks.transitions import assign_group

    if to and group:
        raise Invalid("give either --to or --group, not both")
    task_ids = read_ids(ids or [])
    actor = state(ctx).open()
    if group:
        result = run_bulk(assign_group, actor, task_ids, yes, group)
    else:
        result = run_bulk(assign_tasks, actor, task_ids, yes, to)
    _report(result, fmt)


@task_app.command("unassign")
def unassign(
    ctx: typer.Context,
    ids: Optional[list[str]] = typer.Argument(None, help=IDS_HELP),
    group: bool = typer.Option(False, "--group", help="Clear the group instead of the assignee."),
    fmt: str = typer.Option("table", "--format", "-f", help=BULK_FORMAT_HELP),
    yes: bool = YES_OPTION,
) -> None:
    """Remove the assignee (or with --group, the group) of tasks."""
    from tasktui.services.tasks.transitions import assign_group
    from tasktui.services.tasks.transitions import unassign as unassign_tasks

    task_ids = read_ids(ids or [])
    actor = state(ctx).open()
    if group:
        _report(run_bulk(assign_group, actor, task_ids, yes, None), fmt)
    else:
        _report(run_bulk(unassign_tasks, actor, task_ids, yes), fmt)


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


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.command("init")(init)
    app.command("raise")(raise_event)
    app.add_typer(task_app, name="task")
