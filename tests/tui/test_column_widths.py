"""fit_widths: the column widths of a table that should fit the terminal."""

from __future__ import annotations

from tasktui.tui.widgets.column_widths import fit_widths


def test_natural_widths_are_kept_when_they_fit():
    assert fit_widths([10, 4, 20], [5, 4, 5], 34) == [10, 4, 20]
    assert fit_widths([10, 4, 20], [5, 4, 5], 100) == [10, 4, 20]


def test_the_widest_column_gives_way_first_and_short_ones_stay_whole():
    assert fit_widths([30, 6, 20], [10, 6, 10], 50) == [24, 6, 20]
    assert fit_widths([30, 6, 20], [10, 6, 10], 40) == [17, 6, 17]  # equal: leftmost first


def test_no_column_below_its_minimum_even_when_that_does_not_fit():
    assert fit_widths([30, 6, 20], [25, 6, 10], 40) == [25, 6, 10]
    assert fit_widths([30, 6, 20], [25, 6, 10], 10) == [25, 6, 10]
