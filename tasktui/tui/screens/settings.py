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

This module composes the screen and holds its state; the form's behaviour is in
`settings_form` (`SmtpFormPart`), the lists' in `settings_panels` (`SettingsListsPart`),
what is read and drawn in the lists in `settings_lists`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, ContentSwitcher, DataTable, Label, Select, Static, Tab, Tabs

from tasktui.errors import TaskTuiError
from tasktui.services.context import Actor
from tasktui.services.mail import outbox as notify
from tasktui.services.mail.channels import ChannelStatus
from tasktui.services.mail.settings import SECURITY_MODES, EventSending, SmtpSettings
from tasktui.tui.screens import settings_lists as lists
from tasktui.tui.screens.confirm import Choice, ChoiceScreen
from tasktui.tui.screens.settings_form import FIELDS, SmtpFormPart
from tasktui.tui.screens.settings_panels import CHANNELS, OUTBOX
from tasktui.tui.widgets.key_bar import KeyBar
from tasktui.tui.widgets.toggles import Checkbox

__all__ = ["CHANNELS", "OUTBOX", "SettingsScreen"]


class SettingsScreen(SmtpFormPart):
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
