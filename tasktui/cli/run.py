"""`tasktui run`: run a command; when it fails, raise a task about it.

The wrapper exits with the command's exit code (128+N when signal N killed it, 127
when it was not found, 126 when it could not be executed), whatever happens to the
task: when the database cannot be used, the error is one line on stderr and the exit
code is still the command's. The wrapper's own messages go to stderr; stdout carries
only the command's output. A usage error of the wrapper itself exits 2 before the
command runs, and so does an unknown or obsolete event (exit 3 or 1): a cron job with
a typo fails on its first run, not silently at its first failure.
"""

from __future__ import annotations

from typing import Optional

import typer

from tasktui.cli import wrapped_run
from tasktui.cli.state import state


def run(
    ctx: typer.Context,
    event: str = typer.Option(..., "--event", "-e", help="Event of the task raised when the command fails."),
    dedup_key: Optional[str] = typer.Option(
        None, "--dedup-key", help="Count repeated failures on the open task with this key."
    ),
    title: Optional[str] = typer.Option(
        None, "--title", "-t", help="Task title (default: '<command> failed (exit N)')."
    ),
    resolve_on_success: bool = typer.Option(
        False, "--resolve-on-success", help="When the command succeeds, mark the open task with --dedup-key done."
    ),
    reopen: bool = typer.Option(False, "--reopen", help="With --dedup-key: a done task with the key is reopened."),
    link: str = typer.Option("", "--link", "-l", help="URL or reference of the object concerned."),
    assignee: Optional[str] = typer.Option(None, "--assignee", help="Assign to this user instead of the event's."),
    group: Optional[str] = typer.Option(None, "--group", help="Assign to this group instead of the event's."),
    command: list[str] = typer.Argument(..., metavar="CMD", help="The command and its arguments, after --."),
) -> None:
    """Run CMD with its output passed through; when it fails, raise a task of EVENT with
    the command line, exit code, duration and the last 50 lines of output. Exits with
    CMD's exit code. SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 sent to the
    wrapper are passed on to CMD. Example: tasktui run --event nightly_sync --dedup-key
    sync -- ./sync.sh"""
    code = wrapped_run.run_wrapped(
        state(ctx), event, dedup_key, title, resolve_on_success, reopen, link, assignee, group, command
    )
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add `tasktui run` to the root app."""
    app.command("run", context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True})(run)
