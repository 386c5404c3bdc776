"""`tasktui attribute ...`: custom attribute definitions, groups and sets."""

from __future__ import annotations

import dataclasses
from typing import Optional

import typer

from tasktui import formats
from tasktui.cli.state import FORMAT_HELP, check_format, check_format_in, given, state
from tasktui.limits import MAX_POSITION

TYPES_HELP = "text, integer, decimal, boolean, date, datetime, choice or url."
attribute_app = typer.Typer(
    help="Manage custom attributes: typed fields that tasks carry, grouped into display "
    "groups and into attribute sets (an event's set says which attributes its tasks have).",
    no_args_is_help=True,
)
group_app = typer.Typer(help="Manage attribute groups (display sections of the Attributes tab).", no_args_is_help=True)
set_app = typer.Typer(help="Manage attribute sets (which attributes an event's tasks carry).", no_args_is_help=True)
attribute_app.add_typer(group_app, name="group")
attribute_app.add_typer(set_app, name="set")

COLUMNS = ["key", "type", "label", "required", "default", "choices", "group"]
GROUP_COLUMNS = ["key", "label", "label_de", "position", "attributes"]
#: Display orders stay far below SQLite's largest integer: a new row goes after the last.
POSITION_OPTION = typer.Option(
    None, "--position", min=0, max=MAX_POSITION, help="Display order (default: after the others)."
)
NEW_POSITION_OPTION = typer.Option(None, "--position", min=0, max=MAX_POSITION, help="New display order.")
SET_COLUMNS = ["key", "name", "attributes", "event_count"]


def _attribute_dict(info, fmt: str) -> dict:
    from tasktui.services.attributes.types import json_value

    data = dataclasses.asdict(info)
    if data["value_count"] is None:
        data.pop("value_count")
        data.pop("sets")
    if fmt == "json":
        data["default"] = json_value(info.type, info.default)
    else:
        data["choices"] = ", ".join(info.choices)
        if "sets" in data:
            data["sets"] = ", ".join(info.sets)
    return data


def _echo(rows: list[dict], columns: list[str], fmt: str) -> None:
    text = formats.render(rows, columns, fmt, id_key="key")
    if text:
        typer.echo(text)


def _echo_one(data: dict, fmt: str) -> None:
    if fmt == "json":
        typer.echo(formats.json_text(data))
        return
    for key, value in data.items():
        shown = formats.shown(", ".join(value) if isinstance(value, list) else value)
        typer.echo(f"{key.replace('_', ' '):<12} {shown or '-'}")


def _listing_dict(info, fmt: str) -> dict:
    """A group or set as a row: its attribute keys joined, but a list in JSON."""
    data = dataclasses.asdict(info)
    if fmt != "json":
        data["attributes"] = ", ".join(info.attributes)
    return data


# --------------------------------------------------------------------------- attributes


@attribute_app.command("add")
def add(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Key: A-Z a-z 0-9 _, not starting with a digit, no __, not ending with _."),
    label: str = typer.Option(..., "--label", help="English label (required)."),
    label_de: Optional[str] = typer.Option(None, "--label-de", help="German label."),
    type_name: str = typer.Option(..., "--type", help="Value type: " + TYPES_HELP),
    required: bool = typer.Option(False, "--required", help="Tasks of events whose set has it must get a value."),
    default: Optional[str] = typer.Option(None, "--default", help="Default value on raise (validated for the type)."),
    choices: Optional[list[str]] = typer.Option(None, "--choice", help="A choice (repeat for each; choice type only)."),
    group: Optional[str] = typer.Option(None, "--group", help="Attribute group (display section)."),
    position: Optional[int] = POSITION_OPTION,
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Define a custom attribute."""
    from tasktui.services.attributes.definitions import create_attribute

    check_format_in(fmt)
    actor = state(ctx).open()
    info = create_attribute(
        key, label, type_name, label_de=label_de, required=required, default=default,
        choices=choices, group=group, position=position, lang=actor.lang, actor=actor,
    )  # fmt: skip
    _echo_one(_attribute_dict(info, fmt), fmt)


@attribute_app.command("list")
def list_(
    ctx: typer.Context,
    usage: bool = typer.Option(False, "--usage", help="Also count stored values and list the sets."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """List attribute definitions in display order."""
    from tasktui.services.attributes.definitions import list_attributes

    check_format(fmt)
    actor = state(ctx).open()
    rows = [_attribute_dict(a, fmt) for a in list_attributes(actor.lang, with_usage=usage)]
    _echo(rows, COLUMNS + (["value_count", "sets"] if usage else []), fmt)


@attribute_app.command("show")
def show(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Attribute key."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Show one attribute with its number of stored values and the sets it is in."""
    from tasktui.services.attributes.definitions import attribute_info, get_attribute

    check_format_in(fmt)
    actor = state(ctx).open()
    _echo_one(_attribute_dict(attribute_info(get_attribute(key), actor.lang, with_usage=True), fmt), fmt)


@attribute_app.command("edit")
def edit(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Attribute key (never changes)."),
    label: Optional[str] = typer.Option(None, "--label", help="New English label."),
    label_de: Optional[str] = typer.Option(None, "--label-de", help="New German label ('' clears it)."),
    type_name: Optional[str] = typer.Option(
        None, "--type", help="New type (refused while tasks hold values): " + TYPES_HELP
    ),
    required: Optional[bool] = typer.Option(None, "--required/--optional", help="Make a value required or optional."),
    default: Optional[str] = typer.Option(None, "--default", help="New default ('' clears it)."),
    choices: Optional[list[str]] = typer.Option(
        None, "--choice", help="The full new list of choices (repeat; removing a choice in use is refused)."
    ),
    group: Optional[str] = typer.Option(None, "--group", help="New attribute group ('' clears it)."),
    position: Optional[int] = NEW_POSITION_OPTION,
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Change an attribute (refused when stored values would be destroyed).

    Changing the type while tasks hold values, or removing a choice that values use,
    is refused with exit code 1 and the number of values concerned."""
    from tasktui.services.attributes.definitions import edit_attribute

    check_format_in(fmt)
    actor = state(ctx).open()
    info = edit_attribute(
        key, label_en=label, type_name=type_name, required=required, choices=choices or None,
        position=position, lang=actor.lang, actor=actor, **given(label_de=label_de, default=default, group=group),
    )  # fmt: skip
    _echo_one(_attribute_dict(info, fmt), fmt)


@attribute_app.command("delete")
def delete(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Attribute key."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete an attribute that no task holds a value for.

    With stored values it is refused (exit 1); otherwise it also leaves every set."""
    from tasktui.services.attributes.definitions import attribute_info, delete_attribute, get_attribute

    actor = state(ctx).open()
    info = attribute_info(get_attribute(key), with_usage=True)
    if not yes:
        sets = f" and remove it from the sets {', '.join(info.sets)}" if info.sets else ""
        typer.confirm(f"Delete attribute {key!r}{sets}?", abort=True)
    delete_attribute(key, actor=actor)
    typer.echo(f"deleted attribute {key}")


# --------------------------------------------------------------------------- groups


@group_app.command("add")
def group_add(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Group key (identifier rules)."),
    label: str = typer.Option(..., "--label", help="English label (required)."),
    label_de: Optional[str] = typer.Option(None, "--label-de", help="German label."),
    position: Optional[int] = POSITION_OPTION,
) -> None:
    """Create an attribute group (a display section)."""
    from tasktui.services.attributes.groups import create_attribute_group

    actor = state(ctx).open()
    info = create_attribute_group(key, label, label_de, position, actor.lang, actor=actor)
    typer.echo(f"added attribute group {info.key}")


@group_app.command("list")
def group_list(ctx: typer.Context, fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP)) -> None:
    """List attribute groups in display order, with their attributes."""
    from tasktui.services.attributes.groups import list_attribute_groups

    check_format(fmt)
    actor = state(ctx).open()
    _echo([_listing_dict(g, fmt) for g in list_attribute_groups(actor.lang)], GROUP_COLUMNS, fmt)


@group_app.command("edit")
def group_edit(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Group key."),
    label: Optional[str] = typer.Option(None, "--label", help="New English label."),
    label_de: Optional[str] = typer.Option(None, "--label-de", help="New German label ('' clears it)."),
    position: Optional[int] = NEW_POSITION_OPTION,
) -> None:
    """Change the labels or position of an attribute group."""
    from tasktui.services.attributes.groups import edit_attribute_group

    actor = state(ctx).open()
    edit_attribute_group(
        key, label_en=label, position=position, lang=actor.lang, actor=actor, **given(label_de=label_de)
    )
    typer.echo(f"changed attribute group {key}")


@group_app.command("delete")
def group_delete(ctx: typer.Context, key: str = typer.Argument(..., help="Group key.")) -> None:
    """Delete an attribute group; its attributes and their values stay (ungrouped)."""
    from tasktui.services.attributes.groups import delete_attribute_group

    actor = state(ctx).open()
    info = delete_attribute_group(key, actor=actor)
    typer.echo(f"deleted attribute group {info.key} ({len(info.attributes)} attribute(s) now ungrouped)")


# --------------------------------------------------------------------------- sets


@set_app.command("add")
def set_add(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Set key (identifier rules); events name it with --attribute-set."),
    name: str = typer.Option("", "--name", help="A descriptive name."),
    attributes: Optional[list[str]] = typer.Option(None, "--attr", help="An attribute of the set (repeat, in order)."),
) -> None:
    """Create an attribute set."""
    from tasktui.services.attributes.sets import create_attribute_set

    actor = state(ctx).open()
    info = create_attribute_set(key, name, attributes or [], actor=actor)
    typer.echo(f"added attribute set {info.key} ({', '.join(info.attributes) or 'no attributes'})")


@set_app.command("list")
def set_list(ctx: typer.Context, fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP)) -> None:
    """List attribute sets with their attributes and the number of events using them."""
    from tasktui.services.attributes.sets import list_attribute_sets

    check_format(fmt)
    state(ctx).open()
    _echo([_listing_dict(s, fmt) for s in list_attribute_sets()], SET_COLUMNS, fmt)


@set_app.command("show")
def set_show(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Set key."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Show one attribute set and the definitions of its attributes."""
    from tasktui.services.attributes.checks import get_attribute_set
    from tasktui.services.attributes.definitions import attribute_info
    from tasktui.services.attributes.sets import set_attributes, set_info

    check_format_in(fmt)
    actor = state(ctx).open()
    aset = get_attribute_set(key)
    data = _listing_dict(set_info(aset), fmt)
    defs = [_attribute_dict(attribute_info(d, actor.lang), fmt) for d in set_attributes(aset.id)]
    if fmt == "json":
        data["attributes"] = defs
        typer.echo(formats.json_text(data))
        return
    _echo_one(data, fmt)
    if defs:
        typer.echo("")
        _echo(defs, COLUMNS, fmt)


@set_app.command("add-attr")
def set_add_attr(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Set key."),
    attributes: list[str] = typer.Argument(..., help="Attribute keys to add (at the end, in order)."),
) -> None:
    """Add attributes to a set: tasks raised from now on carry them."""
    from tasktui.services.attributes.sets import add_to_set

    actor = state(ctx).open()
    info = add_to_set(key, attributes, actor=actor)
    typer.echo(f"attribute set {info.key}: {', '.join(info.attributes)}")


@set_app.command("remove-attr")
def set_remove_attr(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Set key."),
    attribute: str = typer.Argument(..., help="Attribute key to remove."),
) -> None:
    """Remove an attribute from a set (refused while tasks hold values for it).

    Refused with exit code 1 while tasks of events using the set hold values for it."""
    from tasktui.services.attributes.sets import remove_from_set

    actor = state(ctx).open()
    info = remove_from_set(key, attribute, actor=actor)
    typer.echo(f"attribute set {info.key}: {', '.join(info.attributes) or 'no attributes'}")


@set_app.command("rename")
def set_rename(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Set key (never changes)."),
    name: str = typer.Argument(..., help="The new descriptive name."),
) -> None:
    """Change the descriptive name of an attribute set."""
    from tasktui.services.attributes.sets import edit_attribute_set

    actor = state(ctx).open()
    edit_attribute_set(key, name, actor=actor)
    typer.echo(f"renamed attribute set {key}")


@set_app.command("delete")
def set_delete(ctx: typer.Context, key: str = typer.Argument(..., help="Set key.")) -> None:
    """Delete an attribute set no event uses (refused, exit 1, otherwise)."""
    from tasktui.services.attributes.sets import delete_attribute_set

    actor = state(ctx).open()
    delete_attribute_set(key, actor=actor)
    typer.echo(f"deleted attribute set {key}")


def register(app: typer.Typer) -> None:
    """Add `tasktui attribute ...` to the root app."""
    app.add_typer(attribute_app, name="attribute")
