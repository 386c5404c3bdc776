"""Keys a browser keeps for itself (`ctrl+t` new tab, `ctrl+w` close tab, `ctrl+n`
new window: real Chrome never passes them to the page; headless Playwright does, so
a browser test cannot catch this). Every action bound only to such a chord must be
reachable another way: a description puts it in the command palette (ctrl+p, which
reaches the page)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.binding import Binding
from textual.widgets import Input, Static

import tasktui.tui
from tasktui.tui.app import make_app
from tasktui.tui.screens.help import _SCROLLING, is_text_field

BROWSER_RESERVED = {
    "ctrl+t",
    "ctrl+w",
    "ctrl+n",
    "ctrl+shift+t",
    "ctrl+shift+w",
    "ctrl+shift+n",
    "ctrl+tab",
    "ctrl+shift+tab",
}


def _bindings() -> list[tuple[str, type, Binding]]:
    found = []
    for info in pkgutil.walk_packages(tasktui.tui.__path__, "tasktui.tui."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for binding in cls.__dict__.get("BINDINGS", []):
                if isinstance(binding, tuple) and not isinstance(binding, Binding):
                    binding = Binding(*binding)  # ("key", "action", "description") form
                if isinstance(binding, Binding):
                    found.append((f"{module.__name__}.{name}", cls, binding))
    return found


def _in_the_palette(cls: type, binding: Binding) -> bool:
    """Whether the palette lists the binding: what `screen_keys` (its source) keeps, a
    description on a node that is not a text field, for an action that is not scrolling."""
    return bool(binding.description) and not is_text_field(cls) and binding.action not in _SCROLLING


def test_an_action_bound_only_to_a_browser_reserved_chord_is_in_the_palette():
    bindings = _bindings()
    assert len(bindings) > 30  # the walk finds the screens' bindings
    reserved = [(where, b) for where, _cls, b in bindings if BROWSER_RESERVED & {k.strip() for k in b.key.split(",")}]
    assert reserved, "no browser-reserved chord bound: drop BROWSER_RESERVED's test or keep it as a guard"
    for where, binding in reserved:
        other_keys = [k for k in binding.key.split(",") if k.strip() not in BROWSER_RESERVED]
        listed = [b for w, c, b in bindings if w == where and b.action == binding.action and _in_the_palette(c, b)]
        assert other_keys or listed, f"{where}: {binding.key} -> {binding.action} is reachable only by that chord"


async def test_a_text_field_s_ctrl_w_has_the_readme_s_other_keys():
    """Textual's own text field binds ctrl+w (delete the word left) and nothing else to
    that action; the README names the keys that reach the page instead: ctrl+shift+left
    selects the word, Backspace deletes it."""
    from textual.app import App

    assert [b.action for b in Input.BINDINGS if "ctrl+w" in b.key.split(",")] == ["delete_left_word"]

    class OneField(App):
        def compose(self):
            yield Input("disk full sda1")

    app = OneField()
    async with app.run_test() as pilot:
        await pilot.press("end", "ctrl+shift+left", "backspace")
        assert app.query_one(Input).value == "disk full "


async def test_the_settings_test_message_ctrl_t_runs_from_the_palette(database, actor):
    """`ctrl+t` (Test message) on the settings screen, run from the palette instead."""
    app = make_app(database.database, actor)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("S")
        await pilot.pause()
        assert type(app.screen).__name__ == "SettingsScreen"
        app.screen.set_focus(None)
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette_input = app.screen.query_one(Input)
        palette_input.value = "Test message"
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        message = app.screen.query_one("#email-form-message", Static)
        assert "type the address to send the test message to" in str(message.render())
