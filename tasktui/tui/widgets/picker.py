"""A searchable picker: a modal list of (value, label) items that filters as you type.

Used for every "choose one of many" field (responsible user and group, the event
filter of the tasks screen, attribute sets...). Self-contained: its own bindings and
styles, a typed result, no database access — the caller passes the items in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tasktui.tui.terminal_safety import visible_line

#: The value the picker returns for the "none" item (e.g. "Unassigned").
NONE_VALUE = ""
#: At most this many matches are listed at once; typing narrows the rest.
MAX_SHOWN = 200


@dataclass(frozen=True)
class PickerItem:
    """One choice: the value returned, the label shown, and the lower-cased text the
    filter searches (value and label), computed once."""

    value: str
    label: str
    haystack: str


def filter_items(items: list[PickerItem], text: str, limit: int = MAX_SHOWN) -> tuple[list[PickerItem], int]:
    """The first `limit` items whose value or label contains every word of `text`
    (case-insensitive), and how many match in total."""
    words = text.casefold().split()
    if not words:
        return items[:limit], len(items)
    shown: list[PickerItem] = []
    total = 0
    for item in items:
        if all(word in item.haystack for word in words):
            total += 1
            if len(shown) < limit:
                shown.append(item)
    return shown, total


class PickerScreen(ModalScreen[str | None]):
    """Choose one item from a filterable list.

    `PickerScreen(title, items, allow_none=None, current=None)`

    - `title`: what is being chosen, e.g. "Responsible user".
    - `items`: `(value, label)` pairs in display order; the value is returned, the
      label is shown. Thousands are fine: filtering is a substring scan over
      precomputed lower-cased text and at most `MAX_SHOWN` matches are listed.
    - `allow_none`: when given, a first item with this label (e.g. "Unassigned",
      "Any event") that returns `NONE_VALUE` (the empty string).
    - `current`: the value highlighted when the picker opens.
    - `counts`: when given, a function of the item values that returns {value: count
      text} (how many tasks each choice would match); it runs in a worker
      (`app.backend`) and the counts appear beside the labels when it is done, so
      the picker opens and filters at once however long counting takes.

    Result (via `push_screen(..., callback)` or `push_screen_wait`): the chosen
    value, `""` for the none item, or `None` when cancelled with Escape.

    Keys: type to filter, Up/Down (or PageUp/PageDown) move, Enter picks, Escape
    cancels. Clicking an item picks it too.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "pick", "Pick", priority=True),
        Binding("down", "move(1)", "Down", show=False, priority=True),
        Binding("up", "move(-1)", "Up", show=False, priority=True),
        Binding("pagedown", "move(10)", "Page down", show=False, priority=True),
        Binding("pageup", "move(-10)", "Page up", show=False, priority=True),
    ]

    DEFAULT_CSS = """
    PickerScreen {
        align: center middle;
    }
    PickerScreen > #picker-box {
        width: 64;
        max-width: 90%;
        height: auto;
        max-height: 80%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    PickerScreen #picker-title {
        text-style: bold;
        width: 1fr;
    }
    PickerScreen #picker-filter {
        margin: 0 0 1 0;
    }
    PickerScreen #picker-options {
        height: auto;
        max-height: 20;
    }
    PickerScreen #picker-count {
        color: $text-muted;
    }
    """

    def __init__(
        self,
        title: str,
        items: list[tuple[str, str]],
        allow_none: str | None = None,
        current: str | None = None,
        counts: Callable[[list[str]], dict[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.count_items = counts
        #: The count text of each value, once `counts` answered.
        self.counts: dict[str, str] = {}
        self.picker_title = title
        self.items = [PickerItem(v, lbl, f"{v} {lbl}".casefold()) for v, lbl in items]
        self.allow_none = allow_none
        self.current = current
        #: The values of the options currently listed, by option index.
        self.shown_values: list[str] = []
        #: The filter text they were listed for.
        self.shown_for = ""
        #: Set once a choice is returned (a second Enter of a burst picks nothing).
        self.picked = False

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label(self.picker_title, id="picker-title")
            yield Input(placeholder="Type to filter", id="picker-filter")
            yield OptionList(id="picker-options", markup=False)
            yield Label("", id="picker-count")

    def on_mount(self) -> None:
        self.refill("")
        if self.current is not None and self.current in self.shown_values:
            self.query_one(OptionList).highlighted = self.shown_values.index(self.current)
        self.query_one(Input).focus()
        if self.count_items is not None:
            values = ([NONE_VALUE] if self.allow_none is not None else []) + [i.value for i in self.items[:MAX_SHOWN]]
            self.app.backend.run(  # type: ignore[attr-defined]
                self.count_items, values, on_done=self._counted, owner=self, group="picker-counts"
            )

    def _counted(self, counts: dict[str, str]) -> None:
        """Show the counts beside the labels, keeping the filter and the highlight."""
        self.counts = counts
        option_list = self.query_one(OptionList)
        highlighted = option_list.highlighted
        self.refill(self.query_one(Input).value)
        if highlighted is not None and highlighted < len(self.shown_values):
            option_list.highlighted = highlighted

    @on(Input.Changed, "#picker-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter_typed()  # the value now: after a burst it is ahead of `event.value`

    def refill(self, text: str) -> None:
        """List the items matching `text` (plus the none item when the filter is empty
        or matches its label) and highlight the first."""
        options: list[Option] = []
        values: list[str] = []
        if self.allow_none is not None and all(w in self.allow_none.casefold() for w in text.casefold().split()):
            options.append(Option(self._with_count(self.allow_none, NONE_VALUE)))
            values.append(NONE_VALUE)
        shown, total = filter_items(self.items, text)
        for item in shown:
            options.append(Option(self._with_count(visible_line(item.label), item.value)))  # labels: stored names
            values.append(item.value)
        option_list = self.query_one(OptionList)
        option_list.set_options(options)
        self.shown_values = values
        self.shown_for = text
        option_list.highlighted = 0 if options else None
        count = self.query_one("#picker-count", Label)
        if total > len(shown):
            count.update(f"{len(shown)} of {total} shown: type to narrow")
        elif not options:
            count.update("No match")
        else:
            count.update(f"{total} match{'es' if total != 1 else ''}")

    def _with_count(self, label: str, value: str) -> str:
        count = self.counts.get(value)
        return f"{label}  ({count})" if count is not None else label

    def _filter_typed(self) -> None:
        """List what the filter says now: after a burst of keys (`bob` Enter typed at
        once) the filter's `Changed` messages may not have arrived yet."""
        text = self.query_one(Input).value
        if text != self.shown_for:
            self.refill(text)

    def action_move(self, step: int) -> None:
        """Move the highlight by `step` rows (clamped), keeping focus in the filter."""
        self._filter_typed()
        option_list = self.query_one(OptionList)
        if not self.shown_values:
            return
        current = option_list.highlighted or 0
        option_list.highlighted = max(0, min(len(self.shown_values) - 1, current + step))

    def action_pick(self) -> None:
        """Return the highlighted item's value (nothing happens when none matches)."""
        if self.picked or not self.is_active:
            return
        self._filter_typed()
        index = self.query_one(OptionList).highlighted
        if index is None or index >= len(self.shown_values):
            return
        self.picked = True
        self.dismiss(self.shown_values[index])

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)

    @on(OptionList.OptionSelected, "#picker-options")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one(OptionList).highlighted = event.option_index
        self.action_pick()
