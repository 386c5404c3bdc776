"""The settings screen: notifications — the SMTP form, "apply the default", the
per-event switches, and below them the outbox (email and channel messages waiting or
failed) or the chat and push channels (`c` switches; a click on a tab too).

Every service call runs off the UI thread through the app's backend: the first
drawing (form and lists read in one worker, the screen's parts hidden the few
milliseconds until they arrive, so no empty form flashes), saves, switches, retries,
channel tests and removals. The app's live refresh calls `data_changed` when another
process commits, so the lists follow a running `tasktui notify`; the form is never
read again behind the user's back.

Escape leaves the screen; with unsaved edits in the form it first asks: save,
discard or stay. The table that has the focus is marked (its heading, or the tab of
the lower panel, drawn in reverse).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, ContentSwitcher, DataTable, Input, Label, Select, Static, Tab, Tabs

from tasktui.errors import Invalid, TaskTuiError
from tasktui.services.context import Actor
from tasktui.services.mail import outbox as notify
from tasktui.services.mail.channels import ChannelStatus, remove_channel
from tasktui.services.mail.settings import (
    SECURITY_MODES,
    EventSending,
    SmtpSettings,
    set_apply_default,
    set_event_sending,
    update_settings,
)
from tasktui.tui.screens import settings_lists as lists
from tasktui.tui.screens.confirm import Choice, ChoiceScreen
from tasktui.tui.screens.help import ScreenWithHelp
from tasktui.tui.terminal_safety import visible_line
from tasktui.tui.widgets.key_bar import KeyBar
from tasktui.tui.widgets.toggles import Checkbox

#: (input id, label, placeholder) of the text fields of the form, in order.
FIELDS = [
    ("email-host", "SMTP host", "smtp.example.com"),
    ("email-port", "Port", "default of the security mode"),
    ("email-login", "Login", "none"),
    ("email-from", "From address", "tasks@example.com"),
    ("email-password-env", "Password variable", "NAME of an environment variable"),
    ("email-password-file", "Password file", "/absolute/path (chmod 600)"),
    ("email-ca-file", "CA file", "extra CA certificates (PEM), optional"),
    ("email-test-address", "Send a test to", "you@example.com"),
]
#: The fields that are settings (the test address is not saved).
SAVED_FIELDS = [field_id for field_id, _, _ in FIELDS if field_id != "email-test-address"]
OUTBOX, CHANNELS = "email-outbox-pane", "email-channels-pane"
#: Seconds a channel test waits for the server.
CHANNEL_TEST_TIMEOUT_S = 10.0


class SettingsScreen(ScreenWithHelp[None]):
    """Notification settings: form, per-event switches, outbox and channels. `?` opens
    the help unless a text field has the focus: there it types a question mark."""

    #: Narrower than 90 columns (`-narrow`) or shorter than 30 rows (`-short`), e.g.
    #: 80x24 over SSH, tasktui.tcss tightens the form so the event identifiers and
    #: the outbox rows stay visible.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (90, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+t", "send_test", "Test message"),
        Binding("space", "toggle_event", "Switch event"),
        Binding("r", "retry_message", "Retry message"),
        Binding("c", "switch_panel", "Outbox/Channels"),
        Binding("t", "test_channel", "Test channel"),
        Binding("d", "remove_channel", "Remove channel"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.settings = SmtpSettings()
        self.events: list[EventSending] = []
        self.outbox_entries: list[notify.OutboxEntry] = []
        self.channels: list[ChannelStatus] = []
        #: The form's values as last loaded or saved: what "unsaved edits" compares with.
        self.saved_form: dict[str, object] = {}
        self.loaded = False
        self.saving = False

    def compose(self) -> ComposeResult:
        yield Static("Settings · notifications", id="email-title")
        with Horizontal(id="email-top"):
            with Vertical(id="email-form"):
                for field_id, label, placeholder in FIELDS[:2]:
                    yield from self._row(field_id, label, placeholder)
                with Horizontal(classes="email-row"):
                    yield Label("Security", classes="email-label")
                    yield Select(
                        [(mode, mode) for mode in SECURITY_MODES],
                        allow_blank=False,
                        value="starttls",
                        id="email-security",
                        compact=True,
                    )
                for field_id, label, placeholder in FIELDS[2:]:
                    yield from self._row(field_id, label, placeholder)
                yield Checkbox("Apply the default: every event sends", id="email-apply-default", compact=True)
                with Horizontal(id="email-buttons"):
                    yield Button("Save  ^s", id="email-save", variant="primary", compact=True)
                    yield Button("Send test  ^t", id="email-test", compact=True)
                yield Static("", id="email-form-message")
            with Vertical(id="email-events"):
                yield Static("Per-event sending (space: switch)", classes="email-heading")
                yield DataTable(id="email-events-table", cursor_type="row", zebra_stripes=True)
        with Vertical(id="email-lower"):
            yield Tabs(Tab("Outbox", id="email-outbox-tab"), Tab("Channels", id="email-channels-tab"))
            with ContentSwitcher(initial=OUTBOX, id="email-lower-switcher"):
                with Vertical(id=OUTBOX):
                    yield DataTable(id="email-outbox-table", cursor_type="row", zebra_stripes=True)
                    yield Static("", id="email-outbox-detail")
                with Vertical(id=CHANNELS):
                    yield DataTable(id="email-channels-table", cursor_type="row", zebra_stripes=True)
                    yield Static("", id="email-channels-detail")
        yield KeyBar()

    @staticmethod
    def _row(field_id: str, label: str, placeholder: str) -> ComposeResult:
        with Horizontal(classes="email-row"):
            yield Label(label, classes="email-label")
            yield Input(placeholder=placeholder, id=field_id, compact=True)

    def on_mount(self) -> None:
        self.add_class("-loading")  # hidden until the first answer (tasktui.tcss)
        self._table("email-events").add_columns(*lists.EVENT_COLUMNS)
        self._table("email-outbox").add_columns(*lists.OUTBOX_COLUMNS)
        self._table("email-channels").add_columns(*lists.CHANNEL_COLUMNS)
        self.query_one(Tabs).can_focus = False  # `c` or a click switch; the focus stays on a table
        self.app.backend.run(
            lists.read_all,
            self.actor.lang,
            on_done=self._first_drawing,
            on_error=self._first_drawing_failed,
            owner=self,
            group="settings-load",
        )

    def _first_drawing(self, read: tuple[lists.SettingsForm, lists.SettingsLists]) -> None:
        form, found = read
        self._show_form(form)
        self._show_lists(found)
        self._reveal()

    def _first_drawing_failed(self, error: TaskTuiError) -> None:
        self._show_message(f"✗ {error}", error=True)
        self._reveal()

    def _reveal(self) -> None:
        self.loaded = True
        self.remove_class("-loading")
        self.call_after_refresh(self._input("email-host").focus)  # once it is displayed

    # -- data ---------------------------------------------------------------------

    def _input(self, field_id: str) -> Input:
        return self.query_one(f"#{field_id}", Input)

    def _table(self, name: str) -> DataTable:
        return self.query_one(f"#{name}-table", DataTable)

    def _form_values(self) -> dict[str, object]:
        values: dict[str, object] = {field_id: self._input(field_id).value for field_id in SAVED_FIELDS}
        values["email-security"] = self.query_one("#email-security", Select).value
        return values

    @property
    def dirty(self) -> bool:
        """Whether the form holds edits not saved yet (the test address is not one)."""
        return self.loaded and self._form_values() != self.saved_form

    def _show_form(self, form: lists.SettingsForm) -> None:
        """Fill the form from the saved settings, with their warnings."""
        s = self.settings = form.settings
        values = {
            "email-host": s.host,
            "email-port": str(s.port) if s.port else "",
            "email-login": s.login,
            "email-from": s.from_address,
            "email-password-env": s.password_env or "",
            "email-password-file": s.password_file or "",
            "email-ca-file": s.ca_file or "",
        }
        for field_id, value in values.items():
            self._input(field_id).value = value
        self.query_one("#email-security", Select).value = s.security
        self.query_one("#email-apply-default", Checkbox).value = s.apply_default
        self.saved_form = self._form_values()
        text = "\n".join(f"⚠ {w}" for w in form.warnings) if form.warnings else "Settings are complete."
        self._show_message(text, error=False)

    def _show_message(self, text: str, error: bool) -> None:
        message = self.query_one("#email-form-message", Static)
        message.update(Text(text))
        message.set_class(error, "-error")

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

    # -- the form -----------------------------------------------------------------

    def _form_changes(self) -> dict[str, object]:
        port_text = self._input("email-port").value.strip()
        if port_text and not port_text.isdigit():
            raise Invalid(f"the port must be a number, not {port_text!r}")
        env = self._input("email-password-env").value.strip()
        path = self._input("email-password-file").value.strip()
        if env and path:
            raise Invalid("fill in either the password variable or the password file, not both")
        return {
            "host": self._input("email-host").value,
            "port": int(port_text) if port_text else None,
            "default_port": not port_text,
            "security": str(self.query_one("#email-security", Select).value),
            "login": self._input("email-login").value,
            "from_address": self._input("email-from").value,
            "password_env": env or None,
            "password_file": path or None,
            "no_password": not env and not path,
            "ca_file": self._input("email-ca-file").value,
        }

    def action_save(self, then_leave: bool = False) -> None:
        """Check and save the form (in a worker); errors are shown under the buttons."""
        if self.saving or not self.loaded:
            return
        try:
            changes = self._form_changes()
        except TaskTuiError as e:
            self._refused(e)
            return
        self.saving = True
        actor = self.actor

        def save() -> lists.SettingsForm:
            update_settings(**changes, actor=actor)  # type: ignore[arg-type]
            return lists.read_form()

        def saved(form: lists.SettingsForm) -> None:
            self.saving = False
            self._show_form(form)
            self.notify("Email settings saved.")
            if then_leave:
                self._leave()

        def refused(e: TaskTuiError) -> None:
            self.saving = False
            self._refused(e)

        self.app.backend.run(save, on_done=saved, on_error=refused, owner=self, group="settings-save")

    def _refused(self, e: TaskTuiError) -> None:
        self._show_message(f"✗ {e}", error=True)
        self.notify(str(e), severity="error")

    @on(Button.Pressed, "#email-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#email-test")
    def _test_pressed(self) -> None:
        self.action_send_test()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "email-test-address":
            self.action_send_test()
        else:
            self.action_save()

    def action_send_test(self) -> None:
        """Send a test message to the address in the form, with the saved settings."""
        address = self._input("email-test-address").value.strip()
        if not address:
            self._show_message("✗ type the address to send the test message to", error=True)
            self._input("email-test-address").focus()
            return
        self._show_message(f"Sending a test message to {address}…", error=False)
        self._send_test(address)

    def _send_test(self, address: str) -> None:
        """Send in a worker (an SMTP exchange takes seconds); say what the server said."""
        from tasktui.services.mail.delivery import send_test_message

        def refused(error: TaskTuiError) -> None:
            self._show_message(f"✗ not sent: {error}", True)
            self.notify(str(error), severity="error", timeout=6)

        self.app.backend.run(
            send_test_message,
            address,
            on_done=lambda reply: self._show_message(f"✓ server answered: {reply}", False),
            on_error=refused,
            owner=self,
            group="email-test",
            exclusive=True,
        )

    @on(Checkbox.Changed, "#email-apply-default")
    def _apply_default_changed(self, event: Checkbox.Changed) -> None:
        on = event.value
        if on == self.settings.apply_default:
            return  # drawn from the settings, not switched by the user

        def switched(settings: SmtpSettings) -> None:
            self.settings = settings
            self.reload_lists(self._selected_event())
            self.notify(
                "Every event sends email." if settings.apply_default else "Only the events switched on send email."
            )

        self.app.backend.run(
            lambda: set_apply_default(on, actor=self.actor), on_done=switched, owner=self, group="settings-write"
        )

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

    # -- the focus mark -----------------------------------------------------------

    def on_descendant_focus(self) -> None:
        self._mark_focused_section()

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self._mark_focused_section)

    def _mark_focused_section(self) -> None:
        """The section whose list has the focus gets `-focused`: its heading (or the
        lower panel's tab shown) is drawn in reverse (tasktui.tcss). Textual's
        `:focus-within` restyles only the focused widget's ancestors, not a heading
        beside it, hence the class."""
        focused = self.focused
        for section in ("#email-events", "#email-lower"):
            container = self.query_one(section)
            container.set_class(focused is not None and container in focused.ancestors, "-focused")

    # -- leaving ------------------------------------------------------------------

    def action_back(self) -> None:
        """Go back to the previous screen; with unsaved edits, ask first."""
        if not self.dirty:
            self._leave()
            return

        def answered(choice: str | None) -> None:
            if choice == "save":
                self.action_save(then_leave=True)
            elif choice == "discard":
                self._leave()

        self.app.push_screen(
            ChoiceScreen(
                "Unsaved settings",
                "The email settings have edits that are not saved. Save them before leaving?",
                [
                    Choice("stay", "Stay", "k", "primary"),
                    Choice("save", "Save", "s", "success"),
                    Choice("discard", "Discard", "d", "error"),
                ],
            ),
            answered,
        )

    def _leave(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
