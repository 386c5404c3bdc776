"""What a screen's footer (the key bar) shows, for the tests that keep every key of a
screen readable at 80x24: in full, inside the screen, none cut off."""

from __future__ import annotations

from textual.geometry import Region
from textual.screen import Screen

from tasktui.tui.widgets.key_bar import KeyBar


def footer_lines(screen: Screen) -> list[str]:
    """The lines the key bar of `screen` paints, after checking that it spans the
    screen's width at its bottom and that no line is longer than the bar."""
    bar = screen.query_one(KeyBar)
    assert bar.region.width == screen.size.width
    assert bar.region.bottom == screen.size.height
    strips = bar.render_lines(Region(0, 0, bar.size.width, bar.size.height))
    lines = [strip.text.rstrip() for strip in strips]
    natural = bar.render().plain.split("\n")
    assert len(natural) == len(lines), "the bar is not as tall as its lines"
    assert all(len(line) <= bar.size.width for line in natural), natural
    return lines


def expected_keys(screen: Screen) -> list[tuple[str, str]]:
    """Every key `screen` should show: one (key as displayed, description) per action
    of the active bindings with `show=True`, and the command palette's `^p palette`."""
    app = screen.app
    seen: dict[tuple[int, str], tuple[str, str]] = {}
    for node, binding, _enabled, _tooltip in screen.active_bindings.values():
        if binding.show or binding.key == app.COMMAND_PALETTE_BINDING:
            seen.setdefault((id(node), binding.action), (app.get_key_display(binding), binding.description))
    return list(seen.values())


def footer_keys(screen: Screen) -> list[tuple[str, str]]:
    """The (key, description) pairs of the key bar of `screen`, in order (the palette
    key left out), after checking that each one is painted whole on one line."""
    lines = footer_lines(screen)
    bar = screen.query_one(KeyBar)
    shown = [(item.key_display, item.description) for row in bar.lines(bar.size.width) for _, _, item in row]
    for key, description in shown:
        label = f"{key} {description}"
        assert any(label in line for line in lines), f"{label!r} is not in the footer {lines}"
    return [pair for pair in shown if pair[1] != "palette"]
