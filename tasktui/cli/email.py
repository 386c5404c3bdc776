"""`tasktui email ...` (settings, per-event switches, outbox, test), `tasktui notify`
(delivery of email and channels) and `tasktui outbox`."""

from __future__ import annotations

import dataclasses
import signal
import time
from typing import Optional

import typer

from tasktui import formats
from tasktui.cli.state import FORMAT_HELP, check_format, check_format_in, parse_id, state
from tasktui.errors import Invalid, TaskTuiError
from tasktui.limits import MAX_INTEGER, MAX_NOTIFY_INTERVAL

email_app = typer.Typer(
    help="Email notifications: SMTP settings, which events send, the outbox, a test message.",
    no_args_is_help=True,
)
settings_app = typer.Typer(help="Show or change the SMTP settings.", no_args_is_help=True)
email_app.add_typer(settings_app, name="settings")


def _on_off(value: str) -> bool:
    word = value.strip().lower()
    if word not in ("on", "off"):
        raise Invalid(f"expected on or off, not {value!r}")
    return word == "on"


def _echo(text: str) -> None:
    if text:
        typer.echo(text)


@settings_app.command("show")
def settings_show(
    ctx: typer.Context,
    fmt: str = typer.Option("table", "--format", "-f", help="Output format: table or json."),
) -> None:
    """Show the SMTP settings (the password source, never a password) and warnings."""
    from tasktui.services.mail.settings import get_settings, settings_warnings

    check_format_in(fmt)
    state(ctx).open()
    settings = get_settings()
    data = settings.as_dict()
    data["password_source"] = settings.password_source
    data["warnings"] = settings_warnings(settings)
    if fmt == "json":
        typer.echo(formats.json_text(data))
        return
    for key in ("host", "port", "security", "login", "from_address", "password_source", "ca_file"):
        typer.echo(f"{key:<16} {formats.shown(data[key]) if data[key] not in (None, '') else '-'}")
    typer.echo(
        f"{'apply_default':<16} {'on (every event sends)' if settings.apply_default else 'off (per-event switches)'}"
    )
    for warning in data["warnings"]:
        typer.echo(f"warning: {warning}", err=True)


@settings_app.command("set")
def settings_set(
    ctx: typer.Context,
    host: Optional[str] = typer.Option(None, "--host", help="SMTP server host name or address ('' unsets it)."),
    port: Optional[int] = typer.Option(None, "--port", help="SMTP port (default: 25, 587 or 465 by security)."),
    default_port: bool = typer.Option(False, "--default-port", help="Use the usual port of the security mode."),
    security: Optional[str] = typer.Option(None, "--security", help="none, starttls or tls."),
    login: Optional[str] = typer.Option(None, "--login", help="SMTP login ('' for none)."),
    from_address: Optional[str] = typer.Option(None, "--from", help="The From address of notifications."),
    password_env: Optional[str] = typer.Option(
        None, "--password-env", help="NAME of the environment variable holding the password."
    ),
    password_file: Optional[str] = typer.Option(
        None, "--password-file", help="Absolute path of a file holding the password (chmod 600)."
    ),
    no_password: bool = typer.Option(False, "--no-password", help="Remove the password source."),
    ca_file: Optional[str] = typer.Option(
        None, "--ca-file", help="PEM file of extra CA certificates to trust ('' removes it)."
    ),
) -> None:
    """Change SMTP settings. The password itself is never stored: name where to read it."""
    from tasktui.services.mail.settings import settings_warnings, update_settings

    actor = state(ctx).open()
    settings = update_settings(
        host=host,
        port=port,
        default_port=default_port,
        security=security,
        login=login,
        from_address=from_address,
        password_env=password_env,
        password_file=password_file,
        no_password=no_password,
        ca_file=ca_file,
        actor=actor,
    )
    typer.echo(
        f"email settings saved: {formats.shown(settings.host or '-')}:{settings.effective_port} ({settings.security}), "
        f"from {formats.shown(settings.from_address or '-')}, password from {formats.shown(settings.password_source)}"
    )
    for warning in settings_warnings(settings):
        typer.echo(f"warning: {warning}", err=True)


@email_app.command("default")
def default_switch(
    ctx: typer.Context,
    value: str = typer.Argument(..., help="on: every event sends; off: only events switched on send."),
) -> None:
    """Turn "apply the default" on (every event sends email) or off (per-event switches)."""
    from tasktui.services.mail.settings import set_apply_default

    on = _on_off(value)
    actor = state(ctx).open()
    set_apply_default(on, actor=actor)
    typer.echo("every event sends email" if on else "only events switched on send email (see `tasktui email events`)")


@email_app.command("events")
def events_list(
    ctx: typer.Context,
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """List every event with its email switch and whether it sends now."""
    from tasktui.services.mail.settings import list_event_sending

    check_format(fmt)
    actor = state(ctx).open()
    rows = [dataclasses.asdict(e) for e in list_event_sending(actor.lang)]
    if fmt in ("table", "csv"):
        for row in rows:
            row["switch"] = {None: "-", True: "on", False: "off"}[row["switch"]]
    _echo(formats.render(rows, ["identifier", "name", "switch", "sends"], fmt, id_key="identifier"))


@email_app.command("event")
def event_switch(
    ctx: typer.Context,
    event: str = typer.Argument(..., help="Event identifier."),
    value: str = typer.Argument(..., help="on or off."),
) -> None:
    """Switch email on or off for one event (counts while the default is off)."""
    from tasktui.services.mail.settings import get_settings, set_event_sending

    on = _on_off(value)
    actor = state(ctx).open()
    result = set_event_sending(event, on, actor=actor)
    note = " (no effect while the default is on: `tasktui email default off`)" if get_settings().apply_default else ""
    typer.echo(f"event {result.identifier}: email {'on' if on else 'off'}{note}")


@email_app.command("outbox")
def outbox(
    ctx: typer.Context,
    failed: bool = typer.Option(False, "--failed", help="Only messages that failed for good."),
    state_name: Optional[str] = typer.Option(None, "--state", help="Only pending, sending, sent or failed."),
    task: Optional[str] = typer.Option(None, "--task", metavar="ID", help="Only the messages of this task."),
    limit: int = typer.Option(100, "--limit", min=1, max=MAX_INTEGER, help="At most this many, newest first."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Only email or channel messages."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """List outbox messages (email and channels) with their state, attempts, last error
    and the server's answer."""
    from tasktui.services.mail.outbox import list_outbox

    check_format(fmt)
    if failed and state_name and state_name != "failed":
        raise Invalid("--failed and --state contradict each other")
    states = ["failed"] if failed else ([state_name] if state_name else [])
    state(ctx).open()
    task_id = parse_id(task, param="--task") if task is not None else None
    rows = [dataclasses.asdict(e) for e in list_outbox(states, task_id, limit, kind=kind)]
    columns = ["id", "created_at", "task_id", "kind", "recipient", "state", "attempts", "next_attempt_at",
               "last_error", "server_reply"]  # fmt: skip
    _echo(formats.render(rows, columns, fmt))


@email_app.command("retry")
def retry(
    ctx: typer.Context,
    ids: list[str] = typer.Argument(None, metavar="[IDS]...", help="Outbox message ids."),
    all_failed: bool = typer.Option(False, "--all-failed", help="Every failed message."),
) -> None:
    """Make failed (or waiting) messages due now, with a fresh count of attempts."""
    from tasktui.services.mail.outbox import requeue

    wanted = [parse_id(word, "message id", param="ids") for word in ids or []]
    state(ctx).open()
    count = requeue(wanted, all_failed)
    typer.echo(f"{count} message{'s' if count != 1 else ''} queued again")


@email_app.command("test")
def test_message(
    ctx: typer.Context,
    address: str = typer.Argument(..., help="Where to send the test message."),
) -> None:
    """Send a test message now and print the server's answer (exit 1: the server refused
    it, at any step up to the end of DATA; 4: unreachable; 2: bad settings)."""
    from tasktui.services.mail.delivery import send_test_message

    state(ctx).open()
    typer.echo(formats.shown(send_test_message(address)))  # the server's answer: not ours


notify_app = typer.Typer(
    help="Deliver the outbox (email and channels), escalate, send digests; manage channels and escalation.",
)


@notify_app.callback(invoke_without_command=True)
def notify(
    ctx: typer.Context,
    loop: bool = typer.Option(False, "--loop", help="Keep running; deliver new messages as they come."),
    interval: float = typer.Option(30.0, "--interval", help="With --loop: seconds between two looks at the outbox."),
    limit: Optional[int] = typer.Option(
        None, "--limit", max=MAX_INTEGER, help="Send at most this many messages per run (per carrier)."
    ),
    lease: float = typer.Option(
        300.0, "--lease", help="Seconds after which a message claimed by a sender that died is sent again."
    ),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds to wait for a channel's server."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing when there was nothing to do."),
) -> None:
    """Deliver the outbox, email and channels (for cron, or --loop), after writing the
    escalations and digests that are due. Exit 1: some message failed for good in this run
    (see `tasktui outbox --failed`), 4: server unreachable, 2: bad settings."""
    if ctx.invoked_subcommand is not None:
        return
    from tasktui.errors import Refused
    from tasktui.services.mail.delivery import new_sender_id

    if not 0 < interval <= MAX_NOTIFY_INTERVAL:  # also NaN, which would make the loop spin
        raise Invalid(f"--interval must be more than 0 and at most {MAX_NOTIFY_INTERVAL:,} seconds")
    if limit is not None and limit < 1:
        raise Invalid("--limit must be at least 1")
    if not 1 <= lease <= MAX_NOTIFY_INTERVAL:
        raise Invalid(f"--lease must be between 1 and {MAX_NOTIFY_INTERVAL:,} seconds")
    if not 0.1 <= timeout <= 300:
        raise Invalid("--timeout must be between 0.1 and 300 seconds")
    actor = state(ctx).open()
    sender_id = new_sender_id()
    if not loop:
        report, notes = _one_run(actor, sender_id, limit, lease, timeout)
        for line in notes:
            typer.echo(line)
        if report.sent or report.retry or report.failed or not quiet:
            typer.echo(report.summary())
        if report.stopped_by is not None:
            raise report.stopped_by
        if report.failed:
            raise Refused(_failed_line(report.failed))
        return
    stop = _StopFlag()
    signal.signal(signal.SIGTERM, stop.set)
    signal.signal(signal.SIGINT, stop.set)
    while not stop.is_set:
        try:
            report, notes = _one_run(actor, sender_id, limit, lease, timeout, should_stop=lambda: stop.is_set)
            for line in notes:
                typer.echo(line)
            if report.sent or report.retry or report.failed:
                typer.echo(report.summary())
            if report.stopped_by is not None:
                typer.echo(f"tasktui: error: {report.stopped_by}", err=True)
            elif report.failed:
                typer.echo(f"tasktui: error: {_failed_line(report.failed)}", err=True)
        except TaskTuiError as e:  # bad settings, busy database: say so, try again later
            typer.echo(f"tasktui: error: {e}", err=True)
        except Exception as e:
            typer.echo(f"tasktui: error: internal error: {type(e).__name__}: {e}", err=True)
        deadline = time.monotonic() + interval
        while not stop.is_set and time.monotonic() < deadline:
            time.sleep(min(0.2, interval))
    typer.echo("notify: stopped")


def _one_run(actor, sender_id: str, limit: Optional[int], lease: float, timeout: float, should_stop=lambda: False):
    """One delivery run: escalations and digests due now are written, then the email
    rows and the channel rows are delivered. An email settings problem does not stop
    the channels (it is reported after them). Returns the merged report and notes."""
    from tasktui.services.mail.channel_delivery import deliver_channels
    from tasktui.services.mail.delivery import DeliveryReport, deliver_outbox
    from tasktui.services.mail.digest import run_digests
    from tasktui.services.mail.escalation import run_escalations

    notes: list[str] = []
    escalated = run_escalations(actor)
    if escalated:
        notes.append(f"escalated {len(escalated)} task{'s' if len(escalated) != 1 else ''}")
    digests = run_digests()
    if digests:
        notes.append(f"digest written for {', '.join(digests)}")
    try:
        email = deliver_outbox(sender_id, limit, lease_s=lease, should_stop=should_stop)
    except TaskTuiError as e:
        email = DeliveryReport(stopped_by=e)
    channels = deliver_channels(sender_id, limit, lease_s=lease, should_stop=should_stop, timeout=timeout)
    merged = DeliveryReport(
        sent=email.sent + channels.sent,
        retry=email.retry + channels.retry,
        failed=email.failed + channels.failed,
        stopped_by=email.stopped_by or channels.stopped_by,
    )
    return merged, notes


def _failed_line(failed: list[int]) -> str:
    """The one error line of a run that failed messages for good."""
    ids = ", ".join(str(i) for i in failed[:5]) + (", …" if len(failed) > 5 else "")
    return (
        f"{len(failed)} message{'s' if len(failed) != 1 else ''} failed for good ({ids}): "
        "see `tasktui email outbox --failed`"
    )


class _StopFlag:
    """Set by SIGTERM or Ctrl-C: the loop finishes the message in hand, then stops
    (a message is never left half-recorded by an interrupt)."""

    def __init__(self) -> None:
        self.is_set = False

    def set(self, *_: object) -> None:
        """Signal handler: ask the loop to stop."""
        self.is_set = True


def register(app: typer.Typer) -> None:
    """Add `email ...`, `notify ...` (with its channel and escalation commands) and
    `outbox` (the outbox of every carrier; `email outbox` is the same list) to the root app."""
    from tasktui.cli.channels import channel_app, escalation_app

    notify_app.add_typer(channel_app, name="channel")
    notify_app.add_typer(escalation_app, name="escalation")
    app.add_typer(email_app, name="email")
    app.add_typer(notify_app, name="notify")
    app.command("outbox")(outbox)
