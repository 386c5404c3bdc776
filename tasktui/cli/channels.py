"""`tasktui notify channel ...` (chat and push channels) and `tasktui notify escalation ...`.

Thin: parse, call the services in `tasktui.services.mail`, print. URLs are printed
masked only; apprise is imported by `channel test` (it sends), never by the others.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import typer

from tasktui import formats
from tasktui.cli.state import FORMAT_HELP, check_format, parse_id, state

channel_app = typer.Typer(
    help="Chat and push channels (apprise URLs such as ntfy://, mmost://, json://; plain https:// webhooks).",
    no_args_is_help=True,
)
escalation_app = typer.Typer(
    help="Escalation of open tasks nobody finished: after a time, to a user or group.", no_args_is_help=True
)


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)


@channel_app.command("add")
def channel_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A name for the channel (letters, digits, '.', '-', '_')."),
    url: Optional[str] = typer.Argument(
        None, help="The URL itself: kept in the database only with --store-in-db (it is a secret)."
    ),
    url_env: Optional[str] = typer.Option(None, "--url-env", help="NAME of the environment variable holding the URL."),
    url_file: Optional[str] = typer.Option(
        None, "--url-file", help="Absolute path of a file holding the URL (chmod 600)."
    ),
    store_in_db: bool = typer.Option(
        False, "--store-in-db", help="Keep the URL given in the database (readable by whoever reads the file)."
    ),
    users: list[str] = typer.Option([], "--user", metavar="LOGIN", help="Tasks assigned to this user (repeatable)."),
    groups: list[str] = typer.Option([], "--group", metavar="GROUP", help="Tasks of this group (repeatable)."),
    events: list[str] = typer.Option([], "--event", metavar="E", help="Tasks of this event (repeatable)."),
    digest: Optional[str] = typer.Option(
        None, "--digest", metavar="'daily HH:MM'", help="One message a day (local time) instead of one per task."
    ),
) -> None:
    """Add a channel. Its URL is a secret: name an environment variable or a 0600 file, or
    give it with --store-in-db. New tasks of its users, groups and events are sent to it."""
    from tasktui.services.mail.channels import add_channel

    actor = state(ctx).open()
    info, warnings = add_channel(
        name, url, url_env=url_env, url_file=url_file, store_in_db=store_in_db, users=users, groups=groups,
        events=events, digest=digest, actor=actor,
    )  # fmt: skip
    typer.echo(f"channel {info.name} added: {info.url} (URL from {info.source})")
    _warn(warnings)


@channel_app.command("list")
def channel_list(
    ctx: typer.Context,
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """List the channels with their masked URL, where it is kept, routes and digest."""
    from tasktui.services.mail.channels import list_channels

    check_format(fmt)
    state(ctx).open()
    rows = [dataclasses.asdict(c) for c in list_channels()]
    if fmt in ("table", "csv"):
        for row in rows:
            row["routes"] = ", ".join(row["routes"]) or "(only escalations)"
            row["digest"] = row["digest"] or "-"
    text = formats.render(rows, ["id", "name", "url", "source", "routes", "digest"], fmt)
    if text:
        typer.echo(text)


@channel_app.command("test")
def channel_test(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The channel."),
    timeout: float = typer.Option(10.0, "--timeout", min=0.1, max=300, help="Seconds to wait for the server."),
) -> None:
    """Send a test message now and print the server's answer (exit 1: refused for good,
    4: unreachable or a temporary error, 2: its URL cannot be read)."""
    from tasktui.services.mail.channel_delivery import send_channel_test

    state(ctx).open()
    typer.echo(formats.shown(send_channel_test(name, timeout=timeout)))  # the server's answer: not ours


@channel_app.command("digest")
def channel_digest(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The channel."),
    value: str = typer.Argument(..., metavar="'daily HH:MM'|off", help="daily HH:MM (local time), or off."),
) -> None:
    """Turn a channel's daily digest on (one message listing the new tasks) or off."""
    from tasktui.services.mail.channels import set_digest

    actor = state(ctx).open()
    info = set_digest(name, value, actor=actor)
    typer.echo(f"channel {info.name}: digest {info.digest or 'off'}")


@channel_app.command("remove")
def channel_remove(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The channel."),
) -> None:
    """Remove a channel and its routes (its messages still waiting fail, with the reason)."""
    from tasktui.services.mail.channels import remove_channel

    actor = state(ctx).open()
    waiting = remove_channel(name, actor=actor)
    note = f"; {waiting} waiting message{'s' if waiting != 1 else ''} marked failed" if waiting else ""
    typer.echo(f"channel {name} removed{note}")


@escalation_app.command("add")
def escalation_add(
    ctx: typer.Context,
    after: str = typer.Option(..., "--after", help="15m, 1h, 1h30m, 2d: time since the task was raised."),
    event: Optional[str] = typer.Option(
        None, "--event", metavar="E", help="Only this event (default: every event without rules of its own)."
    ),
    to_user: Optional[str] = typer.Option(None, "--to-user", metavar="LOGIN", help="Escalate to this user."),
    to_group: Optional[str] = typer.Option(None, "--to-group", metavar="GROUP", help="Escalate to this group."),
    via: Optional[str] = typer.Option(
        None, "--via", metavar="CHANNEL", help="Send through this channel (default: the target's channels and email)."
    ),
) -> None:
    """Add an escalation step: an open task not done after --after is sent once to the user
    or group (several steps allowed). `tasktui notify` (cron or --loop) sends them."""
    from tasktui.services.mail.escalation import add_rule

    actor = state(ctx).open()
    info = add_rule(after, event=event, user=to_user, group=to_group, via=via, actor=actor)
    via_text = f" via {info.via}" if info.via else ""
    typer.echo(f"escalation rule {info.id}: {info.event} after {info.after} to {info.to}{via_text}")


@escalation_app.command("list")
def escalation_list(
    ctx: typer.Context,
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """List the escalation rules."""
    from tasktui.services.mail.escalation import list_rules

    check_format(fmt)
    state(ctx).open()
    rows = [dataclasses.asdict(r) for r in list_rules()]
    if fmt in ("table", "csv"):
        for row in rows:
            row["via"] = row["via"] or "-"
    text = formats.render(rows, ["id", "event", "after", "to", "via"], fmt)
    if text:
        typer.echo(text)


@escalation_app.command("remove")
def escalation_remove(
    ctx: typer.Context,
    rule_id: str = typer.Argument(..., metavar="ID", help="The rule's id (see `notify escalation list`)."),
) -> None:
    """Remove an escalation rule (escalations already sent stay in the tasks' history)."""
    from tasktui.services.mail.escalation import remove_rule

    wanted = parse_id(rule_id, "rule id", param="ID")
    actor = state(ctx).open()
    info = remove_rule(wanted, actor=actor)
    typer.echo(f"escalation rule {info.id} removed")
