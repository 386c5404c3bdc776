"""Checkboxes, radio buttons and selection lists whose state is in the glyph, not in
the colour alone: `[x]`/`[ ]` and `(•)`/`( )`.

Textual draws `▐X▌` for on and for off and tells them apart by colour only, which a
monochrome terminal, `NO_COLOR` or a text capture cannot show. These subclasses keep
Textual's widgets and styles and change only the three characters of the button.
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from textual import widgets
from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.widgets._toggle_button import ToggleButton

#: (left, inner when on, inner when off, right) of each kind of button.
CHECK = ("[", "x", " ", "]")
RADIO = ("(", "•", " ", ")")


def _glyphs(widget: widgets.Checkbox | widgets.RadioButton, shape: tuple[str, str, str, str]) -> Content:
    button_style = widget.get_visual_style("toggle--button")
    side_style = Style(foreground=button_style.foreground, bold=True)
    left, on, off, right = shape
    return Content.assemble((left, side_style), (on if widget.value else off, button_style), (right, side_style))


class Checkbox(widgets.Checkbox):
    """A checkbox drawn `[x]` when ticked and `[ ]` when not."""

    @property
    def _button(self) -> Content:
        return _glyphs(self, CHECK)


class RadioButton(widgets.RadioButton):
    """A radio button drawn `(•)` when chosen and `( )` when not."""

    @property
    def _button(self) -> Content:
        return _glyphs(self, RADIO)


SelectionType = TypeVar("SelectionType")


class SelectionList(widgets.SelectionList[SelectionType]):
    """A selection list whose ticks are `[x]` and `[ ]`."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 3 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        index = int(self.scroll_offset.y) + y
        try:
            value = self.get_option_at_index(index).value
        except Exception:
            return strip
        ticked = value in self._selected
        left, on, off, right = CHECK
        style = segments[1].style
        glyphs = [Segment(left, style), Segment(on if ticked else off, style), Segment(right, style)]
        return Strip([*glyphs, *segments[3:]], strip.cell_length)
