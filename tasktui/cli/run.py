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

import sys
from typing import Optional

import typer

from tasktui.cli.state import state
from tasktui.errors import Invalid, TaskTuiError


def _say(message: str) -> None:
    """One line of the wrapper's own on stderr (never mixed into the command's stdout)."""
    try:
        print(f"tasktui: {message}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr is gone: the exit code still tells
        pass


def _problem(error: BaseException) -> str:
    if isinstance(error, TaskTuiError):
        return str(error)
    from tasktui.db import driver_error_message

    return driver_error_message(error) or f"{type(error).__name__}: {error}"


def _check_target(ctx: typer.Context, event: str, assignee: str | None, group: str | None) -> None:
    """Refuse an unknown or obsolete event (or an unknown user or group) before CMD runs
    (exit 3 or 1), so a cron job with a typo fails on its first run. When the database
    cannot be used now, CMD runs anyway (its exit code is what matters; raising the task
    will say what went wrong)."""
    from tasktui.errors import NotFound, Refused

    try:
        from tasktui.services.tasks.raise_plan import check_raise_target

        state(ctx).open()
        check_raise_target(event, assignee, group)
    except (NotFound, Refused):
        raise
    except Exception:  # the database is unusable now: raising the task will say so
        pass


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
    CMD's exit code. Example: tasktui run --event nightly_sync --dedup-key sync -- ./sync.sh"""
    if resolve_on_success and dedup_key is None:
        raise Invalid("--resolve-on-success needs --dedup-key (it resolves the open task with that key)")
    if reopen and dedup_key is None:
        raise Invalid("--reopen needs --dedup-key")
    if dedup_key is not None and not dedup_key.strip():
        raise Invalid("the dedup key must not be empty")
    _check_target(ctx, event, assignee, group)
    from tasktui.services.runs.command import run_command

    outcome = run_command(command)
    if outcome.failed:
        if outcome.start_error is not None:
            _say(f"error: {outcome.argv[0]}: {outcome.start_error.split(':')[0]}")
        try:
            from tasktui.services.runs.reporting import raise_for_failure

            actor = state(ctx).open()
            result = raise_for_failure(
                actor, outcome, event, title=title, dedup_key=dedup_key, reopen=reopen, link=link,
                assignee=assignee, group=group,
            )  # fmt: skip
            _say(f"{result.outcome} task {result.task_id} ({result.event}, occurrences: {result.occurrences})")
        except Exception as e:  # the command's exit code must survive any failure here
            _say(f"error: could not raise a task for the failed command: {_problem(e)}")
    elif resolve_on_success:
        try:
            from tasktui.services.runs.reporting import resolve_open_tasks

            for task_id in resolve_open_tasks(state(ctx).open(), event, dedup_key or ""):
                _say(f"resolved task {task_id} (the command succeeded)")
        except Exception as e:
            _say(f"error: could not resolve the open task: {_problem(e)}")
    raise typer.Exit(outcome.exit_code)


def register(app: typer.Typer) -> None:
    """Add `tasktui run` to the root app."""
    app.command("run", context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True})(run)
