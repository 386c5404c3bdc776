"""The question a bulk command asks before acting on many tasks (issue 18.1).

On a terminal, a bulk action on more tasks than the acting user's preview threshold
first prints what it will do ("Mark 3,950 tasks done? 3,950 open · 0 already done")
and asks; `--yes` skips the question, and a command whose stdin is not a terminal
(a script, a pipe, cron) never asks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from tasktui.errors import Refused

#: `--yes` of every bulk command.
YES_OPTION = typer.Option(
    False, "--yes", "-y", help="Do not ask first, however many tasks (never asks off a terminal)."
)


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
            if not typer.confirm(f"{preview.question} {preview.details} —", default=False):
                raise Refused("nothing changed")
    return action(actor, ids, *args)
