"""`tasktui view ...`: saved views (a name plus filters, sort and columns), per user.

`task list --view NAME` lists a view; its other options refine it."""

from __future__ import annotations

import dataclasses
from typing import Optional

import typer

from tasktui import formats
from tasktui.cli.state import FORMAT_HELP, check_format, check_format_in, state
from tasktui.cli.tasks import (
    ACK_OPTION,
    ASSIGNED_OPTION,
    ATTR_FILTER_OPTION,
    EVENT_OPTION,
    FOR_USER_OPTION,
    GROUP_OPTION,
    SEARCH_OPTION,
    SEVERITY_OPTION,
    SNOOZED_OPTION,
    SORT_OPTION,
    STATUS_OPTION,
)

view_app = typer.Typer(help="Saved views: named filters (the tabs of the tasks screen).", no_args_is_help=True)
COLUMNS = ["name", "owner", "shared", "filters"]


def _describe(spec) -> str:
    """A view's filters in the words of `task list`'s options."""
    defaults = type(spec)()
    words = []
    for name in ("assignee", "user", "group", "event", "severity", "status", "acknowledged", "snoozed", "text"):
        value = getattr(spec, name)
        if value != getattr(defaults, name):
            option = {"assignee": "assigned", "user": "for", "text": "search"}.get(name, name)
            words.append(f"--{option} {value}")
    words += [f"--attr {k}={v}" for k, v in spec.attributes]
    if spec.sort != "created" or not spec.descending:
        words.append(f"--sort {spec.sort}" + ("" if spec.descending else " --asc"))
    return " ".join(words) or "(open tasks, awake)"


def _dict(view) -> dict:
    data = {"name": view.name, "owner": view.owner, "shared": view.shared, "filters": _describe(view.spec)}
    data["spec"] = dataclasses.asdict(view.spec)
    return data


@view_app.command("save")
def save(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The view's name (a new one, or one of yours replaced)."),
    assigned: str = ASSIGNED_OPTION,
    for_user: Optional[str] = FOR_USER_OPTION,
    group: Optional[str] = GROUP_OPTION,
    event: Optional[str] = EVENT_OPTION,
    status: str = STATUS_OPTION,
    search: Optional[str] = SEARCH_OPTION,
    attrs: Optional[list[str]] = ATTR_FILTER_OPTION,
    severity: Optional[str] = SEVERITY_OPTION,
    acknowledged: str = ACK_OPTION,
    snoozed: str = SNOOZED_OPTION,
    sort: str = SORT_OPTION,
    ascending: bool = typer.Option(False, "--asc", help="Sort ascending."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Visible columns, comma-separated."),
    shared: Optional[bool] = typer.Option(None, "--shared/--private", help="Visible to every user (you own it)."),
) -> None:
    """Save the filters as a view (check them first: unknown names are refused)."""
    from tasktui.cli.tasks import _attr_pairs, task_filter
    from tasktui.services.views import ViewSpec, save_view

    actor = state(ctx).open()
    task_filter(actor, assigned, for_user, None, group, event, status, search, attrs, severity, acknowledged, snoozed)
    spec = ViewSpec(
        assignee=assigned.replace("-", "_"), user=for_user, group=group, event=event, severity=severity or "",
        status=status, acknowledged=acknowledged, snoozed=snoozed, text=search or "",
        attributes=tuple(_attr_pairs(attrs)), sort=sort, descending=not ascending,
        columns=tuple(c.strip() for c in (columns or "").split(",") if c.strip()),
    )  # fmt: skip
    view = save_view(actor, name, spec, shared=shared)
    typer.echo(
        f"view {formats.shown(view.name)} saved{' (shared)' if view.shared else ''}: {formats.shown(_describe(view.spec))}"
    )


@view_app.command("list")
def list_(ctx: typer.Context, fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP)) -> None:
    """Your views and the shared ones, in tab order."""
    from tasktui.services.views import list_views

    check_format(fmt)
    views = list_views(state(ctx).open())
    rows = [_dict(v) for v in views]
    if fmt != "json":
        for row in rows:
            row.pop("spec")
    text = formats.render(rows, COLUMNS, fmt, id_key="name")
    if text:
        typer.echo(text)


@view_app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="View name."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Show one view's filters."""
    from tasktui.services.views import get_view

    check_format_in(fmt, command="show")
    data = _dict(get_view(state(ctx).open(), name))
    if fmt == "json":
        typer.echo(formats.json_text(data))
        return
    for key in COLUMNS:
        typer.echo(f"{key:<8} {formats.shown(data[key])}")


@view_app.command("delete")
def delete(ctx: typer.Context, name: str = typer.Argument(..., help="One of your views.")) -> None:
    """Delete one of your views."""
    from tasktui.services.views import delete_view

    delete_view(state(ctx).open(), name)
    typer.echo(f"view {formats.shown(name)} deleted")


@view_app.command("rename")
def rename(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="One of your views."),
    new_name: str = typer.Argument(..., help="Its new name."),
) -> None:
    """Rename one of your views."""
    from tasktui.services.views import rename_view

    view = rename_view(state(ctx).open(), name, new_name)
    typer.echo(f"view {formats.shown(name)} renamed to {formats.shown(view.name)}")


def register(app: typer.Typer) -> None:
    """Add `view` to the root app."""
    app.add_typer(view_app, name="view")
