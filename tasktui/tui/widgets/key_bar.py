"""KeyBar: a footer that wraps, like nano's shortcut lines.

Textual's `Footer` is one line: at 80 columns it cut off the keys of the tasks screen
(about 20) and of the task detail (about 12). `KeyBar` shows the same bindings (the
screen's `active_bindings` with `show=True`, as the help and the command palette list
them) over as many lines as they need: no key is ever cut off at 80x24.

On a small terminal the bar takes at most a third of the screen: beyond that it shows
the keys that come first (the screen's own) and `? more`, which opens the help with
every key. F2 folds the bar to one line and back (htop and lazygit have such a key).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.keys import _character_to_key, key_to_character
from textual.screen import Screen
from textual.widget import Widget

#: Spaces between two keys: two when that takes no extra line, else one.
GAPS = (2, 1)
#: The bar takes at most this share of the screen's height (at least one line).
MAX_SHARE = 3
#: The key that opens the help, shown as `? more` when keys are left out.
HELP_KEY = "question_mark"
#: The key that folds the bar to one line and back (an app binding).
TOGGLE_KEY = "f2"


@dataclass(frozen=True)
class KeyItem:
    """One action in the bar: the key pressed on a click, the key as shown, what it does."""

    key: str
    key_display: str
    description: str
    enabled: bool = True

    @property
    def width(self) -> int:
        """Cells taken by `key description`."""
        return cell_len(self.key_display) + (1 + cell_len(self.description) if self.description else 0)


def shown_keys(screen: Screen) -> list[KeyItem]:
    """The keys `screen` shows now, in the help's order: the screen's own actions first
    (`? Help` leads), then the focused widget's, then the app's; one key per action
    (the first, as Textual's footer does). The command palette key is not included."""
    app = screen.app
    rank = {id(screen): 0, id(app): 2}
    active = sorted(
        (entry for entry in screen.active_bindings.values() if entry.binding.show),
        key=lambda entry: rank.get(id(entry.node), 1),
    )
    items: dict[tuple[int, str], KeyItem] = {}
    focused = screen.focused
    for node, binding, enabled, _tooltip in active:
        if binding.key == app.COMMAND_PALETTE_BINDING:
            continue
        if focused is not None and node is not focused and _types_into(focused, binding.key):
            continue  # in a text field this key types itself ("-" in a comment), it does not act
        items.setdefault(
            (id(node), binding.action),
            KeyItem(binding.key, app.get_key_display(binding), binding.description, enabled),
        )
    return list(items.values())


#: Key names of the punctuation characters ("minus": "-"), which `key_to_character` misses.
_PUNCTUATION = {_character_to_key(c): c for c in string.punctuation}


def _character(key: str) -> str | None:
    """The character a key name types ("minus" -> "-"), or None."""
    return _PUNCTUATION.get(key) or key_to_character(key)


def _types_into(widget: Widget, key: str) -> bool:
    """Whether `key`, pressed in `widget` (a text field), is typed into it."""
    character = _character(key)
    return character is not None and character.isprintable() and widget.check_consume_key(key, character)


def palette_key(screen: Screen) -> KeyItem | None:
    """The `^p palette` hint, when the app has a command palette."""
    app = screen.app
    if not app.ENABLE_COMMAND_PALETTE:
        return None
    entry = screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
    if entry is None:
        return None
    return KeyItem(entry.binding.key, app.get_key_display(entry.binding), entry.binding.description, entry.enabled)


def pack(items: list[KeyItem], width: int, gap: int) -> list[list[KeyItem]]:
    """Fill lines of `width` cells left to right, `gap` spaces between keys; a key
    never splits across lines."""
    lines: list[list[KeyItem]] = []
    used = 0
    for item in items:
        if lines and used + gap + item.width <= width:
            lines[-1].append(item)
            used += gap + item.width
        else:
            lines.append([item])
            used = item.width
    return lines


def layout(items: list[KeyItem], width: int) -> tuple[list[list[KeyItem]], int]:
    """The lines and the gap: the widest gap of `GAPS` that needs no more lines than
    the narrowest."""
    options = [(pack(items, width, gap), gap) for gap in GAPS]
    fewest = min(len(lines) for lines, _ in options)
    return next((lines, gap) for lines, gap in options if len(lines) == fewest)


def fit(items: list[KeyItem], tail: list[KeyItem], width: int, max_lines: int) -> tuple[list[list[KeyItem]], int]:
    """The lines of `items` + `tail` (the palette hint) in at most `max_lines`: when
    they need more, the first keys that fit are kept, the help key leaves its place
    at the front and comes last as `? more` (it shows every key)."""
    packed, gap = layout(items + tail, width)
    if len(packed) <= max_lines:
        return packed, gap
    help_item = next((item for item in items if item.key == HELP_KEY), None)
    rest = [item for item in items if item is not help_item]
    more = [KeyItem(HELP_KEY, help_item.key_display, "more", help_item.enabled)] if help_item else []
    for keep in range(len(rest), -1, -1):
        packed, gap = layout(rest[:keep] + more + tail, width)
        if len(packed) <= max_lines:
            return packed, gap
    return packed, gap


class KeyBar(Widget, can_focus=False):
    """The footer of a full screen: every key it shows (`show=True`) of the screen and
    its focused widget, `key description`, wrapped over as many lines as needed, the
    command palette key on the right of the last line. Follows focus and binding
    changes (the screen's `bindings_updated_signal`, as Textual's footer does); a click
    on a key presses it. Styled in tasktui.tcss (`KeyBar`, `.key-bar--key`,
    `.key-bar--description`, `.key-bar--disabled`)."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--disabled"}

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        #: Per line, the (start, end, item) cell spans of the last render: for clicks.
        self._spans: list[list[tuple[int, int, KeyItem]]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if not screen.app.app_focus:
            return  # the app lost the focus: keep the keys of the moment
        if self.is_attached and screen is self.screen:
            self.refresh(layout=True)  # the number of lines may change

    def lines(self, width: int) -> list[list[tuple[int, int, KeyItem]]]:
        """The keys laid out for `width` cells: per line, each key's cell span."""
        items = shown_keys(self.screen)
        palette = palette_key(self.screen)
        tail = [palette] if palette is not None else []
        if not items and not tail:
            return []
        max_lines = 1 if getattr(self.app, "key_bar_folded", False) else max(1, self.screen.size.height // MAX_SHARE)
        packed, gap = fit(items, tail, max(width, 1), max_lines)
        spans: list[list[tuple[int, int, KeyItem]]] = []
        for line in packed:
            x, row = 0, []
            for item in line:
                row.append((x, x + item.width, item))
                x += item.width + gap
            spans.append(row)
        last = spans[-1]
        if palette is not None and last[-1][2] is palette:
            start, end, _ = last[-1]
            shift = max(0, width - end)  # right-aligned, like Textual's footer
            last[-1] = (start + shift, end + shift, palette)
        return spans

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.lines(width)))

    def render(self) -> Text:
        width = self.size.width
        self._spans = self.lines(width)
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        disabled_style = self.get_component_rich_style("key-bar--disabled")
        text = Text(no_wrap=True, overflow="crop", end="")
        for number, row in enumerate(self._spans):
            if number:
                text.append("\n")
            x = 0
            for start, _end, item in row:
                text.append(" " * (start - x))
                extra = disabled_style if not item.enabled else None
                text.append(item.key_display, key_style + extra if extra else key_style)
                if item.description:
                    text.append(" " + item.description, description_style + extra if extra else description_style)
                x = start + item.width
        text.stylize_before(self.rich_style)  # the bar's background under the keys too
        return text

    def on_click(self, event: events.Click) -> None:
        """Press the key under the mouse (a bell for a disabled one)."""
        offset = event.get_content_offset(self)
        if offset is None or not 0 <= offset.y < len(self._spans):
            return
        for start, end, item in self._spans[offset.y]:
            if start <= offset.x < end:
                event.stop()
                if item.enabled:
                    self.app.simulate_key(item.key)
                else:
                    self.app.bell()
                return
