"""The settings screen's lists: the per-event switches, and the lower panel with the
outbox (retry) or the notification channels (test, remove), `c` switching between
them. A part of `SettingsScreen` (tui/screens/settings.py), which composes the widgets
and holds the state; what is read and how a list is drawn is in `settings_lists`.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.widgets import ContentSwitcher, DataTable, Static, Tab, Tabs

from tasktui.errors import TaskTuiError
from tasktui.services.context import Actor
from tasktui.services.mail import outbox as notify
from tasktui.services.mail.channels import ChannelStatus, remove_channel
from tasktui.services.mail.settings import EventSending, SmtpSettings, set_event_sending
from tasktui.tui.screens import settings_lists as lists
from tasktui.tui.screens.confirm import Choice, ChoiceScreen
from tasktui.tui.screens.help import ScreenWithHelp
from tasktui.tui.terminal_safety import visible_line

OUTBOX, CHANNELS = "email-outbox-pane", "email-channels-pane"
#: Seconds a channel test waits for the server.
CHANNEL_TEST_TIMEOUT_S = 10.0


class SettingsListsPart(ScreenWithHelp[None]):
    """The lists of the settings screen: switches, outbox, channels (the screen's
    BINDINGS name these actions)."""

    actor: Actor
    settings: SmtpSettings
    events: list[EventSending]
    outbox_entries: list[notify.OutboxEntry]
    channels: list[ChannelStatus]

    def _table(self, name: str) -> DataTable:
        return self.query_one(f"#{name}-table", DataTable)

    def _show_lists(self, found: lists.SettingsLists, select_event: str | None = None) -> None:
        self.events = found.events
        lists.fill_events(self._table("email-events"), found.events, select_event or self._selected_event())
        self.query_one("#email-outbox-tab", Tab).label = lists.outbox_label(found.outbox_counts)
        outbox = self._table("email-outbox")
        if found.outbox != self.outbox_entries or outbox.row_count != len(found.outbox):
            self.outbox_entries = found.outbox  # unchanged rows are not redrawn (the cursor stays put)
            lists.fill_outbox(outbox, found.outbox)
        self._show_outbox_detail(outbox.cursor_row)
        self.query_one("#email-channels-tab", Tab).label = lists.channels_label(found.channels)
        selected = self._selected_channel()
        self.channels = found.channels
        lists.fill_channels(self._table("email-channels"), found.channels, selected.channel.name if selected else None)
        self._show_channel_detail(self._table("email-channels").cursor_row)

    def reload_lists(self, select_event: str | None = None) -> None:
        """Read the switches, the outbox and the channels again (in a worker) and redraw."""
        self.app.backend.run(
            lists.read_lists,
            self.actor.lang,
            on_done=lambda found: self._show_lists(found, select_event),
            owner=self,
            group="settings-lists",
            exclusive=True,
        )

    def data_changed(self) -> None:
        """Another connection committed (live refresh): redraw the lists, never the
        form (it may hold unsaved edits)."""
        self.reload_lists()

    # -- the lists ----------------------------------------------------------------

    def _selected_event(self) -> str | None:
        table = self._table("email-events")
        if not self.events or table.cursor_row is None or not 0 <= table.cursor_row < len(self.events):
            return None
        return self.events[table.cursor_row].identifier

    def action_toggle_event(self) -> None:
        """Switch email on or off for the event under the cursor of the events list."""
        if not self._table("email-events").has_focus:
            self.notify("Move to the per-event list (tab) to switch an event.", severity="warning")
            return
        identifier = self._selected_event()
        if identifier is None:
            return
        current = next(e for e in self.events if e.identifier == identifier)
        note = " (no effect while the default applies)" if self.settings.apply_default else ""

        def switched(result: EventSending) -> None:
            self.reload_lists(identifier)
            self.notify(f"{identifier}: email {'on' if result.switch else 'off'}{note}")

        self.app.backend.run(
            lambda: set_event_sending(identifier, not current.switch, actor=self.actor),
            on_done=switched,
            owner=self,
            group="settings-write",
        )

    @on(DataTable.RowSelected, "#email-events-table")
    def _event_chosen(self) -> None:
        self.action_toggle_event()

    @on(DataTable.RowHighlighted, "#email-outbox-table")
    def _outbox_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_outbox_detail(event.cursor_row)

    def _show_outbox_detail(self, row: int | None) -> None:
        detail = self.query_one("#email-outbox-detail", Static)
        if row is None or not 0 <= row < len(self.outbox_entries):
            detail.update("")
            return
        detail.update(lists.outbox_detail(self.outbox_entries[row]))

    def action_retry_message(self) -> None:
        """Queue the selected failed (or waiting) outbox message again, due now."""
        table = self._table("email-outbox")
        ids = [e.id for e in self.outbox_entries]
        if not ids or table.cursor_row is None or not 0 <= table.cursor_row < len(ids):
            self.notify("No outbox message selected.", severity="warning")
            return
        message_id = ids[table.cursor_row]

        def queued(count: int) -> None:
            self.reload_lists()
            self.notify(f"Message {message_id} queued again." if count else f"Message {message_id} is being sent.")

        self.app.backend.run(lambda: notify.requeue([message_id]), on_done=queued, owner=self, group="settings-write")

    # -- the lower panel: outbox or channels --------------------------------------

    @property
    def panel(self) -> str:
        """The lower panel shown: OUTBOX or CHANNELS."""
        return self.query_one(ContentSwitcher).current or OUTBOX

    def action_switch_panel(self) -> None:
        """Show the channels instead of the outbox, or the other way round."""
        self.query_one(Tabs).active = "email-channels-tab" if self.panel == OUTBOX else "email-outbox-tab"

    @on(Tabs.TabActivated)
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        """A tab chosen (`c` or a click): its list is shown and takes the focus."""
        event.stop()
        pane = CHANNELS if event.tab.id == "email-channels-tab" else OUTBOX
        if self.panel == pane:
            return
        self.query_one(ContentSwitcher).current = pane
        self._table("email-channels" if pane == CHANNELS else "email-outbox").focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Retry acts in the outbox, test and remove in the channels: the key bar shows
        the keys of the panel shown."""
        if action == "retry_message":
            return self.panel == OUTBOX
        if action in ("test_channel", "remove_channel"):
            return self.panel == CHANNELS
        return True

    def _selected_channel(self) -> ChannelStatus | None:
        table = self._table("email-channels")
        if not self.channels or table.cursor_row is None or not 0 <= table.cursor_row < len(self.channels):
            return None
        return self.channels[table.cursor_row]

    @on(DataTable.RowHighlighted, "#email-channels-table")
    def _channel_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_channel_detail(event.cursor_row)

    def _show_channel_detail(self, row: int | None, text: Text | None = None) -> None:
        detail = self.query_one("#email-channels-detail", Static)
        if text is not None:
            detail.update(text)
        elif row is None or not 0 <= row < len(self.channels):
            detail.update("No channels: add one with `tasktui notify channel add NAME URL --group GROUP`.")
        else:
            detail.update(lists.channel_detail(self.channels[row]))

    def action_test_channel(self) -> None:
        """Send a test message to the selected channel now (not through the outbox)."""
        from tasktui.services.mail.channel_delivery import send_channel_test

        selected = self._selected_channel()
        if selected is None:
            self.notify("No channel selected.", severity="warning")
            return
        name = selected.channel.name
        self._show_channel_detail(None, Text(f"Sending a test message to channel {name}…"))

        def answered(reply: str) -> None:
            self._show_channel_detail(None, Text(f"✓ {name} answered: {visible_line(reply)}"))

        def refused(error: TaskTuiError) -> None:
            self._show_channel_detail(None, Text(f"✗ not sent: {visible_line(str(error))}"))
            self.notify(str(error), severity="error", timeout=6)

        self.app.backend.run(
            send_channel_test,
            name,
            CHANNEL_TEST_TIMEOUT_S,
            on_done=answered,
            on_error=refused,
            owner=self,
            group="channel-test",
            exclusive=True,
        )

    def action_remove_channel(self) -> None:
        """Remove the selected channel after a confirmation (its waiting messages fail)."""
        selected = self._selected_channel()
        if selected is None:
            self.notify("No channel selected.", severity="warning")
            return
        name = selected.channel.name
        waiting = f"; its {selected.waiting} waiting message(s) fail" if selected.waiting else ""

        def removed(count: int) -> None:
            self.reload_lists()
            self.notify(f"Channel {name} removed" + (f"; {count} waiting message(s) failed." if count else "."))

        def confirmed(choice: str | None) -> None:
            if choice == "remove":
                self.app.backend.run(
                    lambda: remove_channel(name, actor=self.actor), on_done=removed, owner=self, group="settings-write"
                )

        self.app.push_screen(
            ChoiceScreen(
                f"Remove channel {name}?",
                f"Its routes go with it{waiting}. Refused while an escalation rule sends through it.",
                [Choice("cancel", "Cancel", "n"), Choice("remove", "Remove", "d", "error")],
            ),
            confirmed,
        )
