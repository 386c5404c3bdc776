"""The question a bulk command asks before acting on many tasks (issue 18.1): the
`--yes` option (Typer's); the asking is in `bulk_run` (no Typer: the lean dispatch
uses it too).

On a terminal, a bulk action on more tasks than the acting user's preview threshold
first prints what it will do ("Mark 3,950 tasks done? 3,950 open · 0 already done")
and asks; `--yes` skips the question, and a command whose stdin is not a terminal
(a script, a pipe, cron) never asks.
"""

from __future__ import annotations

import typer

#: `--yes` of every bulk command.
YES_OPTION = typer.Option(
    False, "--yes", "-y", help="Do not ask first, however many tasks (never asks off a terminal)."
)
