"""What a screen's footer shows, for the tests that keep footers readable at 80 columns."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets._footer import FooterKey


def footer_keys(screen: Screen) -> list[tuple[str, str]]:
    """The (key, description) pairs in the footer of `screen`, in order, after checking
    that every one ends left of the command palette key: none is cut off or hidden."""
    keys = list(screen.query(FooterKey))
    palette = next(k for k in keys if k.has_class("-command-palette"))
    shown = [k for k in keys if k is not palette]
    cut = [k.description for k in shown if k.region.right > palette.region.x]
    assert not cut, f"cut off by the palette key: {cut}"
    return [(k.key_display, k.description) for k in shown]
