"""Column widths for a table that should fit the terminal without horizontal scrolling:
the one rule, shared with the CLI's tables (`tasktui.formats.fit_widths`)."""

from __future__ import annotations

from tasktui.formats import fit_widths

__all__ = ["fit_widths"]
