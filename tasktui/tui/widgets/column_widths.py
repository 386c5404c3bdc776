"""Column widths for a table that should fit the terminal without horizontal scrolling."""

from __future__ import annotations


def fit_widths(natural: list[int], minimum: list[int], available: int) -> list[int]:
    """Widths (in cells, without padding) for columns whose content needs `natural`
    cells, so that together they take at most `available` cells.

    When the natural widths fit they are kept. Otherwise the widest column gives up a
    cell, again and again (leftmost first among equals), never below its `minimum`:
    long columns are cut (their cells ellipsised) and short ones stay whole. When even
    the minimums do not fit, the minimums are returned and the table scrolls."""
    widths = list(natural)
    excess = sum(widths) - available
    while excess > 0:
        shrinkable = [i for i, width in enumerate(widths) if width > minimum[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    return widths
