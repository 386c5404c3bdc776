"""`tasktui event ...`: list, show, create, edit, delete, obsolete, register."""

from __future__ import annotations

import dataclasses
from typing import Optional

import typer

from tasktui import formats
from tasktui.cli.state import FORMAT_HELP, check_format, check_format_in, given, state

event_app = typer.Typer(help="Manage events (the kinds of occurrence that create tasks).", no_args_is_help=True)

TEMPLATE_HELP = (
    "placeholders, each written in braces: title, event, event_name, severity, link, assignee, "
    "group, task_id, description, show_hint; doubled braces are literal ones"
)
SUBJECT_HELP = "Subject of its tasks' notifications (email and channels): " + TEMPLATE_HELP + "; '' clears it."
BODY_HELP = "Body of its tasks' notifications: the same placeholders; '' clears it."

COLUMNS = ["id", "identifier", "name", "plugin", "responsible_user", "responsible_group", "state"]


def _dict(info) -> dict:
    data = dataclasses.asdict(info)
    data["plugin"] = info.plugin_label if data["plugin"] is None else data["plugin"]
    data["state"] = info.state
    data.pop("warnings")
    for key in ("task_count", "open_count", "last_raised"):  # counted by `show` only
        if data[key] is None:
            data.pop(key)
    return data


def _print(info, fmt: str = "table") -> None:
    if fmt == "json":
        typer.echo(formats.json_text(_dict(info)))
    else:
        for key, value in _dict(info).items():
            typer.echo(f"{key.replace('_', ' '):<18} {formats.shown(value) or '-'}")
    for warning in info.warnings:
        typer.echo(f"tasktui: warning: {warning}", err=True)


@event_app.command("list")
def list_(
    ctx: typer.Context,
    search: Optional[str] = typer.Option(None, "--search", "-q", help="Text in identifier, names or plugin."),
    active: bool = typer.Option(False, "--active", help="Only active events."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """List events."""
    from tasktui.services.events.definitions import list_events

    check_format(fmt)
    actor = state(ctx).open()
    rows = [_dict(e) for e in list_events(search or "", actor.lang, include_obsolete=not active)]
    text = formats.render(rows, COLUMNS, fmt)
    if text:
        typer.echo(text)


@event_app.command("show")
def show(
    ctx: typer.Context,
    identifier: str = typer.Argument(..., help="Event identifier (or id)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Show one event, with its number of tasks."""
    from tasktui.services.events.definitions import event_info, get_event

    check_format_in(fmt)  # before anything is changed
    actor = state(ctx).open()
    _print(event_info(get_event(identifier), actor.lang, with_count=True), fmt)


@event_app.command("create")
def create(
    ctx: typer.Context,
    identifier: str = typer.Argument(..., help="A-Z a-z 0-9 _, not starting with a digit, no __, not ending with _."),
    name: str = typer.Option(..., "--name", help="English name (required)."),
    name_de: Optional[str] = typer.Option(None, "--name-de", help="German name."),
    user: Optional[str] = typer.Option(None, "--responsible-user", help="Responsible user (login)."),
    group: Optional[str] = typer.Option(None, "--responsible-group", help="Responsible group."),
    attribute_set: Optional[str] = typer.Option(None, "--attribute-set", help="Attribute set (fixed once created)."),
    severity: Optional[str] = typer.Option(
        None, "--severity", help="Default severity of its tasks: critical, high, normal (default) or low."
    ),
    subject_template: Optional[str] = typer.Option(None, "--subject-template", help=SUBJECT_HELP),
    body_template: Optional[str] = typer.Option(None, "--body-template", help=BODY_HELP),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Create an event by hand (plugin: "Manually created")."""
    from tasktui.services.events.definitions import create_event

    check_format_in(fmt)  # before anything is changed
    actor = state(ctx).open()
    info = create_event(
        identifier, name, name_de, None, user, group, attribute_set, actor.lang, actor=actor, severity=severity,
        subject_template=subject_template, body_template=body_template,
    )  # fmt: skip
    _print(info, fmt)


@event_app.command("edit")
def edit(
    ctx: typer.Context,
    identifier: str = typer.Argument(..., help="Event identifier (or id)."),
    name: Optional[str] = typer.Option(None, "--name", help="New English name."),
    name_de: Optional[str] = typer.Option(None, "--name-de", help="New German name ('' clears it)."),
    user: Optional[str] = typer.Option(None, "--responsible-user", help="New responsible user ('' clears it)."),
    group: Optional[str] = typer.Option(None, "--responsible-group", help="New responsible group ('' clears it)."),
    severity: Optional[str] = typer.Option(None, "--severity", help="New default severity of its tasks."),
    subject_template: Optional[str] = typer.Option(None, "--subject-template", help=SUBJECT_HELP),
    body_template: Optional[str] = typer.Option(None, "--body-template", help=BODY_HELP),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Edit the names, responsibility, default severity and notification templates of
    an event (identifier, plugin and attribute set are locked). Changes apply to tasks
    raised from now on."""
    from tasktui.services.events.definitions import edit_event

    check_format_in(fmt)  # before anything is changed
    actor = state(ctx).open()
    changes = given(name_de=name_de, responsible_user=user, responsible_group=group)
    info = edit_event(
        identifier, name_en=name, severity=severity, subject_template=subject_template, body_template=body_template,
        lang=actor.lang, actor=actor, **changes,
    )  # fmt: skip
    _print(info, fmt)


@event_app.command("delete")
def delete(
    ctx: typer.Context,
    identifier: str = typer.Argument(..., help="Event identifier (or id)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete an event that has no tasks (one with tasks can only be marked obsolete)."""
    from tasktui.services.events.definitions import delete_event, get_event

    actor = state(ctx).open()
    event = get_event(identifier)
    if not yes:
        typer.confirm(
            f"Delete event {event.identifier!r} with its names and settings? This cannot be undone.", abort=True
        )
    info = delete_event(identifier, actor=actor)
    typer.echo(f"deleted event {info.identifier}")


@event_app.command("obsolete")
def obsolete(
    ctx: typer.Context,
    identifier: str = typer.Argument(..., help="Event identifier (or id)."),
    undo: bool = typer.Option(False, "--undo", help="Make the event active again."),
) -> None:
    """Mark an event obsolete: it keeps its tasks but raises no new ones."""
    from tasktui.services.events.definitions import set_obsolete

    actor = state(ctx).open()
    info = set_obsolete(identifier, not undo, actor.lang, actor=actor)
    typer.echo(f"event {info.identifier} is now {info.state.lower()}")


@event_app.command("register")
def register_manifest(
    ctx: typer.Context,
    manifests: list[str] = typer.Argument(..., help="Plugin manifest files (TOML)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Register a plugin's events from MANIFEST.toml, all or nothing. Idempotent:
    names follow the manifest, responsibility and state set locally are kept.
    Format and rules: README, "Events and the shipped catalogue"."""
    from pathlib import Path

    from tasktui.services.events.manifests import register_manifests

    check_format_in(fmt, command="register")
    actor = state(ctx).open()
    result = register_manifests([Path(m) for m in manifests], actor=actor)
    if fmt == "json":
        typer.echo(formats.json_text(dataclasses.asdict(result)))
    else:
        typer.echo(result.summary())


def register(app: typer.Typer) -> None:
    """Add `tasktui event ...` to the root app."""
    app.add_typer(event_app, name="event")
