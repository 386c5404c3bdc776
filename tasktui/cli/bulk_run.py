"""Running a bulk action, asking first on a terminal when it concerns more tasks than
the acting user's preview threshold ("Mark 3,950 tasks done? 3,950 open · 0 already
done"); `--yes` skips the question, and a command whose stdin is not a terminal (a
script, a pipe, cron) never asks. No Typer at import (the lean dispatch calls it)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from tasktui.errors import Refused
from tasktui.lazy_typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


def stdin_is_terminal() -> bool:
    """Whether someone can answer a question (stdin is a terminal)."""
    return sys.stdin is not None and sys.stdin.isatty()


def run_bulk(action: Callable[..., Any], actor: Any, ids: list[int], yes: bool, *args: Any) -> Any:
    """Run the bulk `action(actor, ids, *args)`, asking first on a terminal when it
    concerns more tasks than the user's threshold; a "no" changes nothing (exit 1)."""
    if not yes and stdin_is_terminal():
        from tasktui.services.tasks.bulk_preview import describe, needs_preview

        if needs_preview(actor, len(ids)):
            preview = describe(action(actor, ids, *args, dry_run=True))
            import typer

            try:
                agreed = typer.confirm(f"{preview.question} {preview.details} —", default=False)
            except typer.Abort:  # Ctrl+C or Ctrl+D at the question: a "no"
                print(file=sys.stderr)  # the question's line is left open
                agreed = False
            if not agreed:
                raise Refused("nothing changed")
    return action(actor, ids, *args)
