"""The settings screen (email notifications), driven with Pilot against a real database,
and its snapshots at 100x30 and 80x24."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from textual.app import ComposeResult
from textual.widgets import Checkbox, DataTable, Input, Label, Select, Static

from tasktui.models import OutboxMessage
from tasktui.services.context import Actor, acting_user
from tasktui.services.mail import outbox as notify
from tasktui.services.mail.settings import get_settings, set_event_sending, update_settings
from tasktui.services.tasks.raising import raise_task
from tasktui.tui.backend import Backend
from tasktui.tui.keys_in_order import KeysInOrderApp
from tasktui.tui.screens.settings import SettingsScreen
from tests.email.conftest import configure
from tests.tui.conftest import settle

SIZE = (100, 30)


def _outbox_label(screen) -> str:
    """The outbox tab's label: the figures of the outbox."""
    from textual.widgets import Tab

    return str(screen.query_one("#email-outbox-tab", Tab).label)


STYLESHEET = Path(__file__).resolve().parents[2] / "tasktui.tcss"


class SettingsHost(KeysInOrderApp):
    """A bare app showing the settings screen with the real stylesheet (independent
    of the tasks screen and its bindings)."""

    CSS_PATH = str(STYLESHEET)

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.backend = Backend(self)  # the screens call the services through it

    def compose(self) -> ComposeResult:
        yield Label("host")

    def on_mount(self) -> None:
        self.push_screen(SettingsScreen(self.actor))


@pytest.fixture
def utc(monkeypatch):
    """Show times in UTC, whatever the machine's time zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def seeded(team, utc, monkeypatch):
    """Settings, a switch, two tasks raised, one message failed, fixed times."""
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    update_settings(
        host="smtp.example.com",
        security="starttls",
        from_address="tasks@example.com",
        login="mailer",
        password_env="SMTP_PASSWORD",
    )
    set_event_sending("stock_diff", True)
    actor = acting_user("script", "ops", register=True)
    raise_task(actor, "stock_diff", "Stock differs for SKU 42")
    raise_task(actor, "order_import_failed", "Import of order 1001 failed")
    fixed = dt.datetime(2026, 1, 5, 9, 30)
    OutboxMessage.update(
        created_at=fixed,
        next_attempt_at=fixed + dt.timedelta(minutes=2),
        attempts=1,
        last_error="cannot connect to smtp.example.com:587: [Errno 111] Connection refused",
    ).execute()
    (
        OutboxMessage.update(
            state="failed", attempts=8, last_error="recipient alice@example.com refused: 550 5.1.1 no such user"
        )
        .where(OutboxMessage.recipient == "alice@example.com")
        .execute()
    )
    return actor


@pytest.mark.parametrize("size", [pytest.param((100, 30), id="100x30"), pytest.param((80, 24), id="80x24")])
def test_settings_screen_snapshot(snap_compare, seeded, size):
    """Open the settings screen: form filled from the saved settings with a warning,
    per-event switches, the outbox with the failed message first."""

    async def focus_events(pilot):
        await settle(pilot)  # the screen reads in a worker
        pilot.app.screen.query_one("#email-events-table", DataTable).focus()
        await pilot.pause()

    assert snap_compare(SettingsHost(seeded), terminal_size=size, run_before=focus_events)


async def test_form_shows_and_saves_settings(seeded):
    app = SettingsHost(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#email-host", Input).value == "smtp.example.com"
        assert screen.query_one("#email-password-env", Input).value == "SMTP_PASSWORD"
        assert "SMTP_PASSWORD is not set" in str(screen.query_one("#email-form-message", Static).render())
        screen.query_one("#email-port", Input).value = "2525"
        screen.query_one("#email-security", Select).value = "tls"
        screen.query_one("#email-password-env", Input).value = ""
        screen.query_one("#email-password-file", Input).value = "/etc/tasktui/smtp-password"
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = get_settings()
    assert (saved.port, saved.security) == (2525, "tls")
    assert (saved.password_env, saved.password_file) == (None, "/etc/tasktui/smtp-password")


async def test_form_refuses_a_password_and_bad_port_inline(seeded):
    app = SettingsHost(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause()
        screen = app.screen
        screen.query_one("#email-password-env", Input).value = "my secret pw"
        await pilot.press("ctrl+s")
        await pilot.pause()
        message = screen.query_one("#email-form-message", Static)
        assert message.has_class("-error") and "never the password itself" in str(message.render())
        screen.query_one("#email-password-env", Input).value = "SMTP_PASSWORD"
        screen.query_one("#email-port", Input).value = "25x"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "the port must be a number" in str(message.render())
    assert get_settings().password_env == "SMTP_PASSWORD" and get_settings().port is None


async def test_question_mark_types_in_a_text_field_and_opens_the_help_elsewhere(seeded):
    """The form starts in the host field: `?` (and `r`, the retry key) are typed into it;
    with the focus on a table, `?` opens the help with every key of the screen."""
    from tasktui.tui.screens.help import HelpScreen

    app = SettingsHost(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause()
        screen = app.screen
        host = screen.query_one("#email-host", Input)
        assert host.has_focus
        await pilot.press("end", "question_mark", "r")
        await pilot.pause()
        assert app.screen is screen and host.value == "smtp.example.com?r"
        assert notify.outbox_counts()["failed"] == 1  # `r` did not retry
        screen.query_one("#email-outbox-table", DataTable).focus()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert ("r", "Retry message") in [(k.keys, k.description) for k in app.screen.keys]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and host.value == "smtp.example.com?r"
        host.focus()
        await pilot.press("f1")  # F1 opens the help even from a text field
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and host.value == "smtp.example.com?r"


async def test_apply_default_and_event_switches(seeded):
    app = SettingsHost(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause()
        screen = app.screen
        checkbox = screen.query_one("#email-apply-default", Checkbox)
        checkbox.focus()
        await pilot.press("space")
        await pilot.pause()
        assert get_settings().apply_default is False
        table = screen.query_one("#email-events-table", DataTable)
        sends = {str(table.get_row_at(i)[2]): str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert sends == {"order_import_failed": "silent", "stock_diff": "sends"}
        table.focus()
        table.move_cursor(row=0)  # order_import_failed
        await pilot.press("space")
        await pilot.pause()
        assert str(table.get_row_at(0)[0]) == "sends" and str(table.get_row_at(0)[1]) == "on"
        await pilot.press("enter")  # enter switches too
        await settle(pilot)
        assert str(table.get_row_at(0)[1]) == "off"
    from tasktui.services.mail.settings import list_event_sending

    assert {e.identifier: e.sends for e in list_event_sending()} == {"order_import_failed": False, "stock_diff": True}


async def test_outbox_lists_failed_first_and_retry_requeues(seeded):
    app = SettingsHost(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#email-outbox-table", DataTable)
        assert [str(table.get_row_at(i)[4]) for i in range(table.row_count)] == ["failed", "pending", "pending"]
        heading = _outbox_label(screen)
        assert "2 waiting" in heading and "1 failed" in heading
        assert "550 5.1.1 no such user" in str(screen.query_one("#email-outbox-detail", Static).render())
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("r")
        await settle(pilot)
        assert [str(table.get_row_at(i)[4]) for i in range(table.row_count)] == ["pending"] * 3
    assert notify.outbox_counts()["failed"] == 0


async def test_send_test_message_from_the_screen(team, smtp_server):
    configure(smtp_server)
    app = SettingsHost(acting_user("script", "ops", register=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause()
        screen = app.screen
        field = screen.query_one("#email-test-address", Input)
        field.focus()
        field.value = "me@example.com"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "server answered: 250 OK queued as test-1" in str(
            screen.query_one("#email-form-message", Static).render()
        )
    assert smtp_server.handler.recipients() == ["me@example.com"]


async def test_send_test_message_error_is_shown(team, smtp_server):
    configure(smtp_server)
    smtp_server.stop()
    app = SettingsHost(acting_user("script", "ops", register=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause()
        screen = app.screen
        screen.query_one("#email-test-address", Input).value = "me@example.com"
        await pilot.press("ctrl+t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        message = screen.query_one("#email-form-message", Static)
        assert message.has_class("-error") and "cannot connect to 127.0.0.1" in str(message.render())


async def test_live_refresh_follows_the_sender(team, smtp_server):
    """When `tasktui notify` (another connection) delivers, the app's live refresh
    calls data_changed and the outbox list follows."""
    from tasktui.services.mail.delivery import deliver_outbox

    configure(smtp_server)
    raise_task(acting_user("script", "ops", register=True), "order_import_failed", "to be sent")
    app = SettingsHost(acting_user("script", "ops", register=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#email-outbox-table", DataTable)
        assert table.row_count == 1
        deliver_outbox()
        screen.data_changed()
        await settle(pilot)
        assert table.row_count == 0
        assert "1 sent" in _outbox_label(screen)


async def test_capital_s_on_the_tasks_screen_opens_the_settings(team, db_path):
    """The real app: `S` on the tasks screen opens this screen, escape goes back."""
    from tasktui.tui.app import make_app

    app = make_app(db_path, acting_user("script", "ops", register=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause()
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#email-events-table", DataTable).focus()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)


async def test_a_message_refused_at_the_end_of_data_shows_as_failed_with_the_answer(team, smtp_server):
    """The list follows a message that changes state in place (pending, then failed
    by a sender): the row says failed and the detail gives the server's answer."""
    from tasktui.services.mail.delivery import deliver_outbox

    configure(smtp_server)
    smtp_server.handler.data_answers = ["554 5.7.1 message rejected as spam"]
    raise_task(acting_user("script", "ops", register=True), "order_import_failed", "refused by the server")
    app = SettingsHost(acting_user("script", "ops", register=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#email-outbox-table", DataTable)
        assert [str(table.get_row_at(i)[4]) for i in range(table.row_count)] == ["pending"]
        assert deliver_outbox().failed
        screen.data_changed()
        await settle(pilot)
        assert [str(table.get_row_at(i)[4]) for i in range(table.row_count)] == ["failed"]
        assert "554 5.7.1 message rejected as spam" in str(table.get_row_at(0)[7])
        detail = str(screen.query_one("#email-outbox-detail", Static).render())
        assert "refused at the end of DATA: 554 5.7.1 message rejected as spam" in detail
        assert "1 failed, 0 sent" in _outbox_label(screen)


async def test_help_from_a_text_field_lists_the_screens_keys_not_the_editing_keys(seeded):
    """Issue 16, point 10: F1 in the host field lists the settings screen's own keys
    (also those a text field types, such as space and r) and not the 30 editing keys
    of a text field, which one note sums up."""
    from tasktui.tui.screens.help import TEXT_FIELD_NOTE, HelpScreen

    app = SettingsHost(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#email-host", Input).has_focus
        await pilot.press("f1")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        listed = {(k.keys, k.description) for k in help_screen.keys}
        assert {("space", "Switch event"), ("r", "Retry message"), ("^s", "Save"), ("esc", "Back")} <= listed
        descriptions = {k.description for k in help_screen.keys}
        assert not descriptions & {"Delete character left", "Move cursor left", "Paste text from the clipboard"}
        assert help_screen.notes == TEXT_FIELD_NOTE


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "answer, left, host",
    [
        pytest.param("k", False, "smtp.example.com", id="stay"),
        pytest.param("escape", False, "smtp.example.com", id="escape-stays"),
        pytest.param("d", True, "smtp.example.com", id="discard"),
        pytest.param("s", True, "mail.example.org", id="save"),
    ],
)
async def test_escape_with_unsaved_edits_asks_save_discard_or_stay(seeded, answer, left, host):
    """Issue 16, point 10: Escape with edits in the form asks first (as the event
    editor does); without edits (the test address is not one) it leaves at once."""
    from tasktui.tui.screens.confirm import ChoiceScreen

    app = SettingsHost(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.query_one("#email-test-address", Input).value = "me@example.com"
        screen.query_one("#email-host", Input).value = "mail.example.org"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        assert [c.value for c in app.screen.choices] == ["stay", "save", "discard"]
        await pilot.press(answer)
        await settle(pilot)
        assert (app.screen is not screen) == left
        if not left:
            assert screen.query_one("#email-host", Input).value == "mail.example.org"
    assert get_settings().host == host


@pytest.mark.sqlite_only
async def test_escape_without_edits_leaves_and_a_refused_save_stays(seeded):
    app = SettingsHost(seeded)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.query_one("#email-test-address", Input).value = "me@example.com"
        screen.query_one("#email-port", Input).value = "25x"
        await pilot.press("escape", "s")  # save and leave: refused, so it stays
        await settle(pilot)
        assert app.screen is screen
        assert "the port must be a number" in str(screen.query_one("#email-form-message", Static).render())
        screen.query_one("#email-port", Input).value = ""
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not screen


@pytest.mark.sqlite_only
async def test_the_per_event_list_is_reached_with_tab_and_marked_when_focused(seeded):
    """Issue 16, point 3: Tab from the form's last button reaches the per-event list;
    its heading is then drawn in reverse (readable without colour) and space switches."""
    app = SettingsHost(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        events = screen.query_one("#email-events-table", DataTable)
        heading = screen.query_one("#email-events .email-heading", Static)
        assert not heading.rich_style.reverse
        screen.query_one("#email-test").focus()
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is events
        assert heading.rich_style.reverse
        assert events.cursor_row == 0 and events.region.height > 3
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is screen.query_one("#email-outbox-table", DataTable)
        assert not heading.rich_style.reverse
        await pilot.click("#email-events-table", offset=(2, 2))
        await pilot.pause()
        assert screen.focused is events
