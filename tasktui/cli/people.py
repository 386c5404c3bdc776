"""`tasktui user ...` and `tasktui group ...`."""

from __future__ import annotations

import dataclasses
from typing import Optional

import typer

from tasktui import formats
from tasktui.cli.state import FORMAT_HELP, check_format, state

user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
group_app = typer.Typer(help="Manage groups and their members.", no_args_is_help=True)


def _echo_rows(rows: list, columns: list[str], fmt: str) -> None:
    data = [dataclasses.asdict(r) for r in rows]
    for d in data:
        for key in ("groups", "members"):
            if key in d and fmt in ("table", "csv"):
                d[key] = " ".join(d[key])
    text = formats.render(data, columns, fmt)
    if text:
        typer.echo(text)


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    login: str = typer.Argument(..., help="Unique login."),
    name: str = typer.Option("", "--name", help="Display name."),
    email: Optional[str] = typer.Option(None, "--email", help="Email address (for notifications)."),
) -> None:
    """Register a user."""
    from tasktui.services.people import add_user

    actor = state(ctx).open()
    info = add_user(login, name, email, actor=actor)
    typer.echo(f"added user {info.login}")


@user_app.command("list")
def user_list(
    ctx: typer.Context,
    search: Optional[str] = typer.Option(None, "--search", "-q", help="Text in login or name."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """List users."""
    from tasktui.services.people import list_users

    check_format(fmt)
    state(ctx).open()
    _echo_rows(list_users(search or ""), ["id", "login", "display_name", "email", "active", "groups"], fmt)


@user_app.command("edit")
def user_edit(
    ctx: typer.Context,
    login: str = typer.Argument(..., help="Login of the user."),
    name: Optional[str] = typer.Option(None, "--name", help="New display name."),
    email: Optional[str] = typer.Option(None, "--email", help="New email ('' clears it)."),
    active: Optional[bool] = typer.Option(None, "--active/--inactive", help="Allow or stop assigning tasks."),
) -> None:
    """Change a user's name, email or active flag."""
    from tasktui.services.people import edit_user

    actor = state(ctx).open()
    info = edit_user(login, name, email, active, actor=actor)
    typer.echo(f"updated user {info.login}")


@user_app.command("delete")
def user_delete(ctx: typer.Context, login: str = typer.Argument(..., help="Login of the user.")) -> None:
    """Delete a user nothing refers to (refused with the counts otherwise: deactivate
    with `user edit LOGIN --inactive`)."""
    from tasktui.services.people_admin import delete_user

    actor = state(ctx).open()
    delete_user(login, actor=actor)
    typer.echo(f"deleted user {login}")


@user_app.command("merge")
def user_merge(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="FROM", help="The duplicate login (made inactive)."),
    target: str = typer.Argument(..., metavar="INTO", help="The login that takes over its tasks."),
) -> None:
    """Merge a duplicate user FROM into INTO: tasks (assignee, done by), responsible
    events, groups, routes and rules move to INTO; FROM stays inactive so that its
    history and comments keep its name."""
    from tasktui.services.people_admin import merge_user

    actor = state(ctx).open()
    typer.echo(merge_user(source, target, actor=actor).summary())


@group_app.command("add")
def group_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Group name."),
    description: str = typer.Option("", "--description", help="What the group does."),
) -> None:
    """Create a group."""
    from tasktui.services.people import add_group

    actor = state(ctx).open()
    typer.echo(f"added group {add_group(name, description, actor=actor).name}")


@group_app.command("list")
def group_list(
    ctx: typer.Context,
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """List groups with their members."""
    from tasktui.services.people import list_groups

    check_format(fmt)
    state(ctx).open()
    _echo_rows(list_groups(), ["id", "name", "description", "members"], fmt)


@group_app.command("edit")
def group_edit(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Group name."),
    new_name: Optional[str] = typer.Option(None, "--name", help="Rename the group."),
    description: Optional[str] = typer.Option(None, "--description", help="New description."),
) -> None:
    """Rename a group or change its description."""
    from tasktui.errors import Invalid
    from tasktui.services.people_admin import edit_group

    if new_name is None and description is None:
        raise Invalid("nothing to change: give --name or --description")
    actor = state(ctx).open()
    typer.echo(f"updated group {edit_group(name, new_name, description, actor=actor).name}")


@group_app.command("delete")
def group_delete(ctx: typer.Context, name: str = typer.Argument(..., help="Group name.")) -> None:
    """Delete a group no task, event or escalation rule refers to (refused with the counts)."""
    from tasktui.services.people_admin import delete_group

    actor = state(ctx).open()
    delete_group(name, actor=actor)
    typer.echo(f"deleted group {name}")


@group_app.command("add-member")
def add_member(
    ctx: typer.Context,
    group: str = typer.Argument(..., help="Group name."),
    logins: list[str] = typer.Argument(..., help="Logins to add."),
) -> None:
    """Add users to a group."""
    from tasktui.services.people import add_member as add

    actor = state(ctx).open()
    for login in logins:
        add(group, login, actor=actor)
    typer.echo(f"group {group}: added {', '.join(logins)}")


@group_app.command("remove-member")
def remove_member(
    ctx: typer.Context,
    group: str = typer.Argument(..., help="Group name."),
    login: str = typer.Argument(..., help="Login to remove."),
) -> None:
    """Remove a user from a group."""
    from tasktui.services.people import remove_member as remove

    actor = state(ctx).open()
    remove(group, login, actor=actor)
    typer.echo(f"group {group}: removed {login}")


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.add_typer(user_app, name="user")
    app.add_typer(group_app, name="group")
