"""The preview of a bulk action above the user's threshold (issue 18.1): "Mark 3,950
tasks done?" with the counts ("3,950 open · 0 already done") and y / n. No is the
default (Enter, Escape): a slip of the finger must not close thousands of tasks."""

from __future__ import annotations

from tasktui.services.tasks.bulk_preview import BulkPreview
from tasktui.tui.screens.confirm import Choice, ChoiceScreen


class PreviewScreen(ChoiceScreen):
    """Ask before a bulk action; dismissed with "yes" or "no" (None: Escape)."""

    def __init__(self, preview: BulkPreview) -> None:
        message = f"{preview.details}\n\nz undoes it afterwards."
        choices = [Choice("no", "No", "n"), Choice("yes", "Yes", "y", "warning")]
        super().__init__(preview.question, message, choices)
        self.preview = preview
