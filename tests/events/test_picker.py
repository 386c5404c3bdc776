"""The searchable picker modal: filtering, picking, the none item, cancelling."""

from __future__ import annotations

import time

from textual.app import App, ComposeResult
from textual.widgets import Label, OptionList

from tasktui.tui.widgets.picker import MAX_SHOWN, PickerItem, PickerScreen, filter_items


class PickerHost(App):
    """A bare app that opens a picker and records its result."""

    def __init__(self, picker: PickerScreen) -> None:
        super().__init__()
        self.picker = picker
        self.results: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield Label("host")

    def on_mount(self) -> None:
        self.push_screen(self.picker, self.results.append)


USERS = [("alice", "Alice Archer"), ("bob", "Bob Baker"), ("carol", "Carol Cooper")]


def _items(pairs):
    return [PickerItem(v, lbl, f"{v} {lbl}".casefold()) for v, lbl in pairs]


def test_filter_items_matches_every_word_in_value_or_label() -> None:
    items = _items(USERS)
    shown, total = filter_items(items, "ba")
    assert [i.value for i in shown] == ["bob"] and total == 1
    shown, total = filter_items(items, "CAROL coop")
    assert [i.value for i in shown] == ["carol"]
    shown, total = filter_items(items, "alice baker")
    assert shown == [] and total == 0
    shown, total = filter_items(items, "  ")
    assert len(shown) == 3 and total == 3


def test_filter_items_limits_what_is_listed_but_counts_all() -> None:
    items = _items([(f"user{i}", f"User {i}") for i in range(5000)])
    started = time.perf_counter()
    shown, total = filter_items(items, "user1")
    elapsed = time.perf_counter() - started
    assert total == 1111  # user1, user10-19, user100-199, user1000-1999
    assert len(shown) == MAX_SHOWN
    assert elapsed < 0.5


async def test_typing_filters_and_enter_picks_the_highlighted_item() -> None:
    app = PickerHost(PickerScreen("Responsible user", USERS))
    async with app.run_test() as pilot:
        await pilot.press("c", "a", "r")
        options = app.screen.query_one(OptionList)
        assert options.option_count == 1
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == ["carol"]


async def test_arrow_keys_move_while_typing_focus_stays_in_the_filter() -> None:
    app = PickerHost(PickerScreen("User", USERS))
    async with app.run_test() as pilot:
        await pilot.press("down", "down", "down", "up")
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == ["bob"]


async def test_none_item_returns_empty_string_and_is_filtered_too() -> None:
    app = PickerHost(PickerScreen("Group", [("ops", "ops")], allow_none="Unassigned"))
    async with app.run_test() as pilot:
        options = app.screen.query_one(OptionList)
        assert options.option_count == 2
        assert str(options.get_option_at_index(0).prompt) == "Unassigned"
        await pilot.press("o", "p")
        assert options.option_count == 1
        await pilot.press("backspace", "backspace", "u", "n")
        assert options.option_count == 1
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [""]


async def test_escape_cancels_with_none() -> None:
    app = PickerHost(PickerScreen("User", USERS))
    async with app.run_test() as pilot:
        await pilot.press("a", "escape")
        await pilot.pause()
    assert app.results == [None]


async def test_enter_with_no_match_does_nothing_and_says_so() -> None:
    app = PickerHost(PickerScreen("User", USERS))
    async with app.run_test() as pilot:
        await pilot.press("z", "z", "z", "enter")
        await pilot.pause()
        assert app.results == []
        assert "No match" in str(app.screen.query_one("#picker-count", Label).render())
        assert isinstance(app.screen, PickerScreen)


async def test_current_value_is_highlighted_on_open() -> None:
    app = PickerHost(PickerScreen("User", USERS, allow_none="Unassigned", current="carol"))
    async with app.run_test() as pilot:
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == ["carol"]


async def test_thousands_of_items_list_a_window_and_say_how_many() -> None:
    items = [(f"user{i:05d}", f"User number {i}") for i in range(20000)]
    app = PickerHost(PickerScreen("User", items))
    async with app.run_test() as pilot:
        options = app.screen.query_one(OptionList)
        assert options.option_count == MAX_SHOWN
        count = str(app.screen.query_one("#picker-count", Label).render())
        assert f"{MAX_SHOWN} of 20000" in count
        await pilot.press(*"12345")
        assert options.option_count == 1
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == ["user12345"]


async def test_clicking_an_item_picks_it() -> None:
    app = PickerHost(PickerScreen("User", USERS))
    async with app.run_test() as pilot:
        await pilot.press("b", "o")
        await pilot.click(OptionList, offset=(3, 1))
        await pilot.pause()
    assert app.results == ["bob"]
