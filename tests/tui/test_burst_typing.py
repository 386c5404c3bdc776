"""Keys that arrive in one burst (fast typing over SSH) act in the order typed, in every
form (tui/keys_in_order.py).

`pilot.press` waits until each key has been handled before it sends the next one, so
it never shows the problem. `burst` posts every key to the app at once, as the
terminal driver does when the keys arrive in one read, and only then lets the app run.
"""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Input, Label

from tasktui.models import Event
from tasktui.services import people
from tasktui.services.events.definitions import create_event
from tasktui.services.mail.settings import get_settings
from tasktui.tui.backend import Backend
from tasktui.tui.keys_in_order import KeysInOrderApp
from tasktui.tui.screens.attribute_forms import FormField, FormScreen
from tasktui.tui.screens.event_editor import EventEditorScreen
from tasktui.tui.widgets.picker import PickerScreen
from tests.email.test_settings_screen import SettingsHost
from tests.events.host_app import HostApp
from tests.tui.conftest import settle

SIZE = (100, 30)
CHARACTERS = {
    "slash": "/",
    "tab": "\t",
    "shift+tab": None,
    "right": None,
    "end": None,
    "backspace": "\x7f",
    "enter": "\r",
    "ctrl+s": "\x13",
    "escape": "\x1b",
}


def burst(app: App, *keys: str) -> None:
    """Post every key to the app without waiting between them."""
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key, key)))


async def wait(pilot, rounds: int = 3) -> None:
    for _ in range(rounds):
        await pilot.pause()
    await settle(pilot)


class TwoFields(Screen):
    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Input(id="second")


class Bare(App):
    """A bare Textual app showing `screen`."""

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.backend = Backend(self)
        self.form = screen

    def compose(self) -> ComposeResult:
        yield Label("host")

    def on_mount(self) -> None:
        self.push_screen(self.form)


class BareInOrder(KeysInOrderApp, Bare):
    """The same with the app's key ordering."""


async def test_textual_alone_hands_the_keys_after_a_tab_to_the_old_field() -> None:
    """The cause, in a bare two-Input app: Tab moves the focus only after the keys
    typed after it were handed to the first field. (If Textual ever fixes this, this
    test fails and `KeysInOrderApp` may go.)"""
    app = Bare(TwoFields())
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, *"ident", "tab", *"Name")
        await wait(pilot)
        assert (app.screen.query_one("#first", Input).value, app.screen.query_one("#second", Input).value) == (
            "identName",
            "",
        )


async def test_tab_and_shift_tab_in_a_burst_act_as_when_typed_slowly() -> None:
    """The same keys give the same fields in one burst as one by one (Tab into a
    filled field selects its text, so the next character replaces it, both ways)."""
    keys = (
        *"ident",
        "tab",
        *"Name",
        "shift+tab",
        *"ity",
        "tab",
        "right",
        "!",
        "shift+tab",
        "end",
        "x",
        "backspace",
        "s",
    )
    results = []
    for send_at_once in (False, True):
        app = BareInOrder(TwoFields())
        async with app.run_test() as pilot:
            await pilot.pause()
            if send_at_once:
                burst(app, *keys)
            else:
                await pilot.press(*keys)
            await wait(pilot)
            results.append(tuple(app.screen.query_one(f"#{i}", Input).value for i in ("first", "second")))
    assert results == [("itys", "Name!"), ("itys", "Name!")]


async def test_event_editor_burst_of_identifier_tab_name_and_save(actor) -> None:
    """`ident<Tab>Name<Tab>Nom<ctrl+s>` in one burst creates the event as typed: Tab
    moves between the characters, and Save (a priority key) waits for them."""
    app = HostApp(actor, EventEditorScreen)
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        burst(app, *"label_printer", "tab", *"Label printer", "tab", *"Drucker", "ctrl+s")
        await wait(pilot, 6)
        event = Event.get(Event.identifier == "label_printer")
        assert (event.name_en, event.name_de) == ("Label printer", "Drucker")
        assert app.results == ["label_printer"]


async def test_settings_burst_of_host_tab_port_and_enter_saves_what_was_typed(actor) -> None:
    app = SettingsHost(actor)
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        assert app.screen.focused is app.screen.query_one("#email-host", Input)
        burst(app, *"smtp.example.org", "tab", *"2525", "enter")
        await wait(pilot, 6)
        settings = get_settings()
        assert (settings.host, settings.port) == ("smtp.example.org", 2525)


async def test_attribute_form_burst_and_enter_submits_every_character() -> None:
    submitted: list[dict[str, object]] = []

    def submit(values: dict[str, object]) -> str:
        submitted.append(values)
        return "saved"

    form = FormScreen("New", [FormField("key", "Key"), FormField("label", "Label")], submit)

    app = BareInOrder(form)
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        burst(app, *"sku", "tab", *"Article number", "enter")
        await wait(pilot, 6)
        assert submitted == [{"key": "sku", "label": "Article number"}]


async def test_picker_burst_of_filter_and_enter_picks_the_match(actor) -> None:
    """`carol<Enter>` at once picks carol, not the item first before the filter."""
    for login in ("bob", "carol"):
        people.add_user(login, login.title())
    picker = PickerScreen("User", [("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol")], "Unassigned")
    app = HostApp(actor, lambda a: picker)
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        burst(app, *"car", "enter", "enter")
        await wait(pilot, 6)
        assert app.results == ["carol"]


async def test_a_key_that_focuses_a_field_types_the_next_keys_into_it(actor) -> None:
    """`/printer` at once on the events screen: `/` focuses the search box (through
    the App's queue, `Widget.focus()`), and every letter after it lands there."""
    from tasktui.tui.screens.events import EventsScreen

    create_event("printer_jam", "Printer jam", actor=actor)
    app = HostApp(actor, EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        assert not isinstance(app.screen.focused, Input)
        burst(app, "slash", *"printer")
        await wait(pilot)
        assert app.screen.query_one("#events-search", Input).value == "printer"
