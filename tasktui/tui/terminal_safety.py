"""The TUI's guard against raw control characters in stored text (see text_safety).

Rich and Textual remove only BEL, BS, VT, FF and CR from text: an ESC in a task
title reached the terminal as is, and with the BEL gone the next sequence Textual
wrote ended the title's OSC 52 (clipboard) or OSC 0 (window title) for it. Two parts:

- Widgets that show stored text pass it through `visible_line` / `visible_text`
  before layout, so the user sees ␛, ␇ or <U+202E> where something was hidden;
  where markup styles the line, the text goes in as a `Content.from_markup`
  variable, never as markup (Textual's `escape` leaves '[31m=' to the parser).
- `UnsafeCharacterFilter`, applied by the app to every rendered line of every
  widget, removes any such character that still got through (a toast, an input, a
  widget added later): nothing raw is ever written. Those characters take no cells,
  so removing them keeps every line's width; drawing them visibly needs the layout,
  which is why the widgets do that part.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from tasktui.text_safety import has_unsafe, strip_unsafe, visible_line, visible_text

__all__ = ["UnsafeCharacterFilter", "visible_line", "visible_text"]


class UnsafeCharacterFilter(LineFilter):
    """Removes control and bidi characters from the text of rendered segments (the
    last line of defence; see the module docstring). Control segments, which carry
    Textual's own terminal codes, are left alone."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        """The segments without raw control characters in their text."""
        if not any(has_unsafe(text) for text, _, control in segments if not control):
            return segments
        return [
            segment
            if segment.control or not has_unsafe(segment.text)
            else Segment(strip_unsafe(segment.text), segment.style)
            for segment in segments
        ]
