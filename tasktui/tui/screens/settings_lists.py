"""What the settings screen shows, read in one worker, and how its lists are drawn:
the per-event switches, the outbox (email and channel messages, each with its kind)
and the notification channels (masked URL, routes, digest, last error).

The read functions run in a worker thread (through the app's backend); the `fill_*`
functions run on the UI thread and only draw what was read. Stored text (names, URLs,
server answers) is drawn with its control characters visible (`visible_line`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from tasktui import formats
from tasktui.services.mail import outbox as notify
from tasktui.services.mail.channels import ChannelStatus, channel_statuses
from tasktui.services.mail.settings import (
    EventSending,
    SmtpSettings,
    get_settings,
    list_event_sending,
    settings_warnings,
)
from tasktui.tui.terminal_safety import visible_line

OUTBOX_ROWS = 50
#: Columns of the three lists.
EVENT_COLUMNS = ("Sends", "Switch", "Event", "Name")
OUTBOX_COLUMNS = ("ID", "Created", "Kind", "To", "State", "Tries", "Next try", "Last error")
CHANNEL_COLUMNS = ("Name", "URL", "Routes", "Digest", "Last error")
NO_ROUTES = "(only escalations)"
#: At most this many cells of a URL and of the routes in the list.
URL_CELLS, ROUTES_CELLS = 36, 24


@dataclass(frozen=True)
class SettingsForm:
    """The saved email settings and what is missing from them."""

    settings: SmtpSettings
    warnings: list[str]


@dataclass(frozen=True)
class SettingsLists:
    """The lists of the screen (the part the live refresh reads again)."""

    events: list[EventSending]
    outbox_counts: dict[str, int]
    outbox: list[notify.OutboxEntry]
    channels: list[ChannelStatus]


def read_form() -> SettingsForm:
    """The saved settings and their warnings."""
    settings = get_settings()
    return SettingsForm(settings, settings_warnings(settings))


def read_lists(lang: str) -> SettingsLists:
    """The per-event switches, the outbox (waiting and failed messages, the failed
    first) and the channels."""
    entries = notify.list_outbox([notify.FAILED, notify.PENDING, notify.SENDING], limit=OUTBOX_ROWS)
    entries.sort(key=lambda e: (e.state != notify.FAILED, -e.id))
    return SettingsLists(list_event_sending(lang), notify.outbox_counts(), entries, channel_statuses())


def read_all(lang: str) -> tuple[SettingsForm, SettingsLists]:
    """Everything the screen shows, for its first drawing."""
    return read_form(), read_lists(lang)


def _keep_cursor(table: DataTable, row: int | None, count: int) -> None:
    if count and row is not None:
        table.move_cursor(row=min(row, count - 1))


def fill_events(table: DataTable, events: list[EventSending], select: str | None) -> None:
    """Draw the per-event switches, the cursor on `select` (or where it was)."""
    row = table.cursor_row
    table.clear()
    for e in events:
        switch = {None: "–", True: "on", False: "off"}[e.switch]
        sends = Text("sends", style="green") if e.sends else Text("silent", style="dim")
        table.add_row(sends, switch, Text(e.identifier), Text(visible_line(e.name)), key=e.identifier)
    if select is not None:
        row = next((i for i, e in enumerate(events) if e.identifier == select), row)
    _keep_cursor(table, row, len(events))


def outbox_label(counts: dict[str, int]) -> str:
    """The outbox tab's label: how many messages wait, failed and were sent (and are
    being sent, when any are)."""
    sending = f", {counts['sending']} sending" if counts["sending"] else ""
    return f"Outbox · {counts['pending']} waiting{sending}, {counts['failed']} failed, {counts['sent']} sent"


def fill_outbox(table: DataTable, entries: list[notify.OutboxEntry]) -> None:
    """Draw the outbox rows: a channel message says `channel` (and why it was sent when
    it is an escalation or a digest) and is addressed to the channel's name."""
    row = table.cursor_row
    table.clear()
    for e in entries:
        state = Text(e.state, style="bold red" if e.state == notify.FAILED else "")
        kind = e.kind if e.reason == "raised" else f"{e.kind} ({e.reason})"
        table.add_row(
            str(e.id),
            formats.local(e.created_at),
            kind,
            Text(visible_line(e.recipient)),
            state,
            str(e.attempts),
            formats.local(e.next_attempt_at) if e.state == notify.PENDING else "",
            Text(visible_line((e.last_error or "")[:80])),
            key=str(e.id),
        )
    _keep_cursor(table, row, len(entries))


def outbox_detail(e: notify.OutboxEntry) -> Text:
    """Two lines about one message: to whom and what, then its last error."""
    return Text(f"#{e.id} {e.kind} to {visible_line(e.recipient)}: {visible_line(e.subject)}\n") + Text(
        visible_line(e.last_error or "no error yet")
    )


def channels_label(channels: list[ChannelStatus]) -> str:
    """The channels tab's label: how many, and how many have failed messages."""
    failing = sum(1 for c in channels if c.failed)
    return f"Channels · {len(channels)}" + (f" ({failing} failing)" if failing else "")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def fill_channels(table: DataTable, channels: list[ChannelStatus], select: str | None) -> None:
    """Draw the channels, the cursor on `select` (a name) or where it was. Long URLs
    and routes are cut (the line under the list has them in full)."""
    row = table.cursor_row
    table.clear()
    for c in channels:
        info = c.channel
        url = "(unreadable)" if info.url.startswith("(unreadable") else info.url
        error = Text(visible_line(_cut(c.last_error or "", 80)), style="red" if c.failed else "")
        table.add_row(
            Text(visible_line(info.name)),
            Text(visible_line(_cut(url, URL_CELLS))),
            Text(visible_line(_cut(", ".join(info.routes) or NO_ROUTES, ROUTES_CELLS))),
            info.digest or "–",
            error,
            key=info.name,
        )
    if select is not None:
        row = next((i for i, c in enumerate(channels) if c.channel.name == select), row)
    _keep_cursor(table, row, len(channels))


def channel_detail(c: ChannelStatus) -> Text:
    """Two lines about one channel: where its URL comes from, its routes and figures;
    then its last error (or why its URL cannot be read now)."""
    info = c.channel
    routes = ", ".join(info.routes) or NO_ROUTES
    digest = f" · digest {info.digest}" if info.digest else ""
    first = f"{info.name} · URL from {info.source} · {routes}{digest} · {c.waiting} waiting, {c.failed} failed\n"
    second = info.url if info.url.startswith("(unreadable") else (c.last_error or "no error yet")
    return Text(visible_line(first.rstrip("\n")) + "\n") + Text(visible_line(second))
