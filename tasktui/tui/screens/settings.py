"""The settings screen: email notifications — the SMTP form, "apply the default",
the per-event switches and the outbox (messages waiting or failed).

Settings, switches and the outbox are small, so they are read and written through
the services directly; only the test message, which talks to the network, runs in a
worker thread. The app's live refresh calls `data_changed` when another process
commits, so the outbox list follows a running `tasktui notify`.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from tasktui import formats
from tasktui.errors import Invalid, TaskTuiError
from tasktui.services.context import Actor
from tasktui.services.mail import outbox as notify
from tasktui.services.mail.settings import (
    SECURITY_MODES,
    EventSending,
    get_settings,
    list_event_sending,
    set_apply_default,
    set_event_sending,
    settings_warnings,
    update_settings,
)
from tasktui.tui.screens.help import ScreenWithHelp
from tasktui.tui.terminal_safety import visible_line
from tasktui.tui.widgets.key_bar import KeyBar
from tasktui.tui.widgets.toggles import Checkbox

OUTBOX_ROWS = 50
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


class SettingsScreen(ScreenWithHelp[None]):
    """Email notification settings: form, per-event switches, outbox. `?` opens the
    help unless a text field has the focus: there it types a question mark."""

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
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.events: list[EventSending] = []
        self.outbox_ids: list[int] = []
        self.outbox_entries: list[notify.OutboxEntry] = []

    def compose(self) -> ComposeResult:
        yield Static("Settings · email notifications", id="email-title")
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
        yield Static("Outbox", id="email-outbox-heading", classes="email-heading")
        yield DataTable(id="email-outbox-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="email-outbox-detail")
        yield KeyBar()

    @staticmethod
    def _row(field_id: str, label: str, placeholder: str) -> ComposeResult:
        with Horizontal(classes="email-row"):
            yield Label(label, classes="email-label")
            yield Input(placeholder=placeholder, id=field_id, compact=True)

    def on_mount(self) -> None:
        events = self.query_one("#email-events-table", DataTable)
        events.add_columns("Sends", "Switch", "Event", "Name")
        outbox = self.query_one("#email-outbox-table", DataTable)
        outbox.add_columns("ID", "Created", "To", "State", "Tries", "Next try", "Last error")
        self.load_form()
        self.reload_events()
        self.reload_outbox()
        self.query_one("#email-host", Input).focus()

    # -- data ---------------------------------------------------------------------

    def _input(self, field_id: str) -> Input:
        return self.query_one(f"#{field_id}", Input)

    def load_form(self) -> None:
        """Fill the form from the saved settings."""
        s = get_settings()
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
        self._show_message(self._warnings_text(), error=False)

    def _warnings_text(self) -> str:
        warnings = settings_warnings(get_settings())
        return "\n".join(f"⚠ {w}" for w in warnings) if warnings else "Settings are complete."

    def _show_message(self, text: str, error: bool) -> None:
        message = self.query_one("#email-form-message", Static)
        message.update(Text(text))
        message.set_class(error, "-error")

    def reload_events(self, select: str | None = None) -> None:
        """Redraw the per-event switches, keeping the cursor on `select`."""
        table = self.query_one("#email-events-table", DataTable)
        row = table.cursor_row
        self.events = list_event_sending(self.actor.lang)
        table.clear()
        for e in self.events:
            switch = {None: "–", True: "on", False: "off"}[e.switch]
            sends = Text("sends", style="green") if e.sends else Text("silent", style="dim")
            table.add_row(sends, switch, Text(e.identifier), Text(visible_line(e.name)), key=e.identifier)
        if select is not None:
            row = next((i for i, e in enumerate(self.events) if e.identifier == select), row)
        if self.events and row is not None:
            table.move_cursor(row=min(row, len(self.events) - 1))

    def reload_outbox(self) -> None:
        """Redraw the outbox list: messages waiting and failed (not the sent ones)."""
        counts = notify.outbox_counts()
        entries = notify.list_outbox([notify.FAILED, notify.PENDING, notify.SENDING], limit=OUTBOX_ROWS)
        entries.sort(key=lambda e: (e.state != notify.FAILED, -e.id))
        ids = [e.id for e in entries]
        table = self.query_one("#email-outbox-table", DataTable)
        heading = (
            f"Outbox · {counts['pending']} waiting, {counts['sending']} sending, "
            f"{counts['failed']} failed, {counts['sent']} sent   (r: retry a failed message)"
        )
        self.query_one("#email-outbox-heading", Static).update(Text(heading))
        if entries == self.outbox_entries and table.row_count == len(entries):
            return  # unchanged; a message whose state, tries or error changed is redrawn
        row = table.cursor_row
        self.outbox_ids = ids
        self.outbox_entries = entries
        table.clear()
        for e in entries:
            state = Text(e.state, style="bold red" if e.state == notify.FAILED else "")
            table.add_row(
                str(e.id),
                formats.local(e.created_at),
                Text(visible_line(e.recipient)),
                state,
                str(e.attempts),
                formats.local(e.next_attempt_at) if e.state == notify.PENDING else "",
                Text(visible_line((e.last_error or "")[:80])),
                key=str(e.id),
            )
        if entries and row is not None:
            table.move_cursor(row=min(row, len(entries) - 1))
        self._show_outbox_detail(table.cursor_row if entries else None)

    def data_changed(self) -> None:
        """Another connection committed (live refresh): redraw the lists, never the
        form (it may hold unsaved edits)."""
        self.reload_events(self._selected_event())
        self.reload_outbox()

    # -- actions ------------------------------------------------------------------

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

    def action_save(self) -> None:
        """Check and save the form; errors are shown under the buttons."""
        try:
            update_settings(**self._form_changes(), actor=self.actor)
        except TaskTuiError as e:
            self._show_message(f"✗ {e}", error=True)
            self.notify(str(e), severity="error")
            return
        self.load_form()
        self.notify("Email settings saved.")

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
        if event.value == get_settings().apply_default:
            return
        set_apply_default(event.value, actor=self.actor)
        self.reload_events(self._selected_event())
        self.notify("Every event sends email." if event.value else "Only the events switched on send email.")

    def _selected_event(self) -> str | None:
        table = self.query_one("#email-events-table", DataTable)
        if not self.events or table.cursor_row is None or not 0 <= table.cursor_row < len(self.events):
            return None
        return self.events[table.cursor_row].identifier

    def action_toggle_event(self) -> None:
        """Switch email on or off for the event under the cursor of the events list."""
        if not self.query_one("#email-events-table", DataTable).has_focus:
            self.notify("Move to the per-event list (tab) to switch an event.", severity="warning")
            return
        identifier = self._selected_event()
        if identifier is None:
            return
        current = next(e for e in self.events if e.identifier == identifier)
        try:
            result = set_event_sending(identifier, not current.switch, actor=self.actor)
        except TaskTuiError as e:
            self.notify(str(e), severity="error")
            return
        self.reload_events(identifier)
        note = " (no effect while the default applies)" if get_settings().apply_default else ""
        self.notify(f"{identifier}: email {'on' if result.switch else 'off'}{note}")

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
        e = self.outbox_entries[row]
        detail.update(Text(f"#{e.id} to {e.recipient}: {e.subject}\n{e.last_error or 'no error yet'}"))

    def action_retry_message(self) -> None:
        """Queue the selected failed (or waiting) outbox message again, due now."""
        table = self.query_one("#email-outbox-table", DataTable)
        if not self.outbox_ids or table.cursor_row is None or not 0 <= table.cursor_row < len(self.outbox_ids):
            self.notify("No outbox message selected.", severity="warning")
            return
        message_id = self.outbox_ids[table.cursor_row]
        try:
            count = notify.requeue([message_id])
        except TaskTuiError as e:
            self.notify(str(e), severity="error")
            return
        self.outbox_entries = []
        self.reload_outbox()
        self.notify(f"Message {message_id} queued again." if count else f"Message {message_id} is being sent.")

    def action_back(self) -> None:
        """Go back to the previous screen."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
