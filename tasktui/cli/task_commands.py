"""What `tasktui raise` and `tasktui task list|show|done|reopen|assign|unassign` do,
once their options are parsed: plain functions of the CLI state and the option values.

The options themselves (names, flags, defaults, help) are declared once, on the Typer
commands in `tasktui.cli.tasks`, which call these functions; the lean dispatch
(`tasktui.cli.lean`) calls them directly with the same values. This module imports
no Typer, so a scripted command does not pay for it.
"""

from __future__ import annotations

import dataclasses
import sys

from tasktui import formats
from tasktui.cli.bulk_run import run_bulk
from tasktui.cli.outcome import echo
from tasktui.cli.state import CliState, check_format, check_format_in, parse_id, read_ids
from tasktui.errors import Invalid, Refused
from tasktui.limits import MAX_DESCRIPTION
from tasktui.text_safety import visible_text

LIST_COLUMNS = ["id", "created_at", "status", "severity", "title", "event", "assignee", "group", "occurrences"]

#: `task list` shows at most this many tasks unless told otherwise (and says so on stderr).
DEFAULT_LIST_LIMIT = 100


def read_text(value: str | None, max_chars: int, what: str) -> str:
    """A text option, or stdin when the value is `-` (read only up to `max_chars`:
    `/dev/zero` is refused at once, not read for ever)."""
    if value == "-":
        from tasktui.bounded_read import read_stdin_text

        return read_stdin_text(max_chars, what)
    return value or ""


def attr_pairs(values: list[str] | None, option: str = "--attr") -> list[tuple[str, str]]:
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


def raise_event(
    st: CliState,
    event: str | None,
    title: str | None,
    description: str | None,
    link: str,
    assignee: str | None,
    group: str | None,
    dedup_key: str | None,
    reopen: bool,
    process: str | None,
    process_source: str,
    exit_code: int | None,
    attrs: list[str] | None,
    fmt: str,
    batch: bool,
    severity: str | None = None,
) -> None:
    """`tasktui raise`: one task (or one per JSON line with `batch`)."""
    check_format_in(fmt, ("table", "json", "ids"), command="raise")
    if batch:
        given = [name for name, value in (("EVENT", event), ("--title", title), ("--description", description),
                 ("--link", link), ("--assignee", assignee), ("--group", group), ("--dedup-key", dedup_key),
                 ("--reopen", reopen), ("--process", process), ("--process-source", process_source),
                 ("--exit-code", exit_code), ("--attr", attrs), ("--severity", severity))
                 if value is not None and value not in ("", [])
                 and value is not False]  # fmt: skip
        if given:
            raise Invalid(f"with --batch every field comes from the JSON lines on stdin: leave out {', '.join(given)}")
        from tasktui.cli.batch import raise_batch_from_stdin

        return raise_batch_from_stdin(st, fmt)
    if event is None:
        raise Invalid("Missing argument 'EVENT' (or --batch to read JSON lines from stdin)")
    if title is None:
        raise Invalid("Missing option '--title'")
    from tasktui.services.severity import optional_rank
    from tasktui.services.tasks.raising import ProcessRef, raise_task

    rank = optional_rank(severity)
    if reopen and dedup_key is None:
        raise Invalid("--reopen needs --dedup-key")
    text = read_text(description, MAX_DESCRIPTION, "the description")  # before the database is opened
    processes = [ProcessRef(process, process_source, None, exit_code)] if process else []
    attributes = dict(attr_pairs(attrs))
    actor = st.open()
    result = raise_task(
        actor, event, title, text, link, assignee, group, dedup_key, reopen, processes,
        attributes=attributes, severity=rank,
    )  # fmt: skip
    if fmt == "json":
        echo(formats.json_text(dataclasses.asdict(result)))
    elif fmt == "ids":
        echo(str(result.task_id))
    else:
        echo(f"{result.outcome} task {result.task_id} ({result.event}, occurrences: {result.occurrences})")


def task_filter(
    actor,
    assigned: str,
    user: str | None,
    assignee: str | None,
    group,
    event,
    status,
    search,
    attrs=None,
    severity: str | None = None,
    acknowledged: str = "any",
    snoozed: str = "awake",
):
    """The TaskFilter the list options mean (`--assignee X` is `--assigned direct --for X`)."""
    from tasktui.services.lookups import get_event, get_group, get_user
    from tasktui.services.severity import parse_level_filter
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
        attributes=tuple(attr_pairs(attrs)),
        severities=parse_level_filter(severity) if severity else (),
        acknowledged=acknowledged,
        snoozed=snoozed,
    )


def refined_view(actor, name: str, given, sort: str, ascending: bool):
    """The filter of view `name` with every option given on the command line in its
    place (an option left at its default keeps the view's choice); the view's sort
    unless `--sort` names another column than the default or `--asc` is given."""
    from tasktui.services.tasks.filters import TaskFilter
    from tasktui.services.views import get_view, view_filter

    saved = get_view(actor, name)
    flt = view_filter(actor, saved)
    defaults = TaskFilter(user_id=actor.user_id)
    changed = {f.name: getattr(given, f.name) for f in dataclasses.fields(given)
               if getattr(given, f.name) != getattr(defaults, f.name)}  # fmt: skip
    if "text" in changed and flt.text:
        changed["text"] = f"{flt.text} {changed['text']}"
    if sort == "created" and not ascending:
        sort, ascending = saved.spec.sort, not saved.spec.descending
    return dataclasses.replace(flt, **changed), sort, ascending


def _row_dict(row) -> dict:
    data = dataclasses.asdict(row)
    data.pop("cursor")
    return data


def _note(message: str) -> None:
    """One line on stderr that is not an error (the exit code stays 0)."""
    echo(f"tasktui: {message}", err=True)


def list_tasks(
    st: CliState,
    assigned: str,
    for_user: str | None,
    assignee: str | None,
    group: str | None,
    event: str | None,
    status: str,
    search: str | None,
    attrs: list[str] | None,
    severity: str | None,
    acknowledged: str,
    snoozed: str,
    sort: str,
    ascending: bool,
    limit: int | None,
    all_rows: bool,
    count: bool,
    view: str | None,
    fmt: str,
) -> None:
    """`tasktui task list`."""
    from tasktui.services.tasks.counts import count_tasks
    from tasktui.services.tasks.listing import iter_tasks, list_tasks

    check_format(fmt)
    actor = st.open()
    flt = task_filter(
        actor, assigned, for_user, assignee, group, event, status, search, attrs, severity, acknowledged, snoozed
    )
    if view is not None:
        flt, sort, ascending = refined_view(actor, view, flt, sort, ascending)
    if count:
        echo(str(count_tasks(flt)))
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
        echo(text)


def show_task(st: CliState, task_id: str, fmt: str) -> None:
    """`tasktui task show`."""
    from tasktui.services.tasks.detail import task_detail

    check_format_in(fmt, command="show")
    number = parse_id(task_id, param="task_id")
    actor = st.open()
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
        echo(formats.json_text(data))
        return
    lists = ("attributes", "depends_on", "blocks", "processes", "history", "comments", "description")
    width = max(len(k) for k in data)
    data["plugin"] = detail.plugin_label  # the table says "Manually created" (JSON: null)
    for key, value in data.items():
        if key not in lists:
            echo(f"{key.replace('_', ' '):<{width}}  {formats.shown(value)}")
    echo("\ndescription:\n" + (visible_text(detail.description) or "(none)"))
    for key in lists[:-1]:
        items = data[key]
        if items:
            echo(f"\n{key.replace('_', ' ')}:")
            echo(formats.table(items, list(items[0])))


def report(result, fmt: str, accepted: tuple[str, ...] = ()) -> None:
    """Print what a bulk action did; exit 1 when tasks were skipped for a reason not
    `accepted` (`--ok-if-done`: "already done" is what the script wanted)."""
    if fmt == "json":
        echo(formats.json_text(dataclasses.asdict(result)))
    else:
        echo(result.summary())
    if any(reason not in accepted for reason in result.skipped):
        reasons = "; ".join(
            f"{len(ids)} {reason} ({', '.join('#' + str(i) for i in ids[:10])}{' ...' if len(ids) > 10 else ''})"
            for reason, ids in result.skipped.items()
        )
        raise Refused(f"{result.action}: {result.skipped_count} task(s) refused: {reasons}")


def mark_done(st: CliState, ids: list[str] | None, fmt: str, ok_if_done: bool, yes: bool) -> None:
    """`tasktui task done`."""
    from tasktui.services.tasks.status_changes import TRANSITIONS
    from tasktui.services.tasks.transitions import mark_done as mark_tasks_done

    task_ids = read_ids(ids or [])
    report(
        run_bulk(mark_tasks_done, st.open(), task_ids, yes),
        fmt,
        accepted=(TRANSITIONS["done"].skipped_reason,) if ok_if_done else (),
    )


def reopen(st: CliState, ids: list[str] | None, fmt: str, yes: bool) -> None:
    """`tasktui task reopen`."""
    from tasktui.services.tasks.transitions import reopen as reopen_tasks

    task_ids = read_ids(ids or [])
    report(run_bulk(reopen_tasks, st.open(), task_ids, yes), fmt)


def assign(st: CliState, ids: list[str] | None, to: str | None, group: str | None, fmt: str, yes: bool) -> None:
    """`tasktui task assign`."""
    from tasktui.services.tasks.transitions import assign as assign_tasks
    from tasktui.services.tasks.transitions import assign_group

    if to and group:
        raise Invalid("give either --to or --group, not both")
    task_ids = read_ids(ids or [])
    actor = st.open()
    if group:
        result = run_bulk(assign_group, actor, task_ids, yes, group)
    else:
        result = run_bulk(assign_tasks, actor, task_ids, yes, to)
    report(result, fmt)


def unassign(st: CliState, ids: list[str] | None, group: bool, fmt: str, yes: bool) -> None:
    """`tasktui task unassign`."""
    from tasktui.services.tasks.transitions import assign_group
    from tasktui.services.tasks.transitions import unassign as unassign_tasks

    task_ids = read_ids(ids or [])
    actor = st.open()
    if group:
        report(run_bulk(assign_group, actor, task_ids, yes, None), fmt)
    else:
        report(run_bulk(unassign_tasks, actor, task_ids, yes), fmt)
