"""What `tasktui run` does once its options are parsed (no Typer: the lean dispatch
calls it too; the options are declared on the Typer command in `tasktui.cli.run`).

The wrapper exits with the command's exit code (128+N when signal N killed it, 127
when it was not found, 126 when it could not be executed), whatever happens to the
task: when the database cannot be used, the error is one line on stderr and the exit
code is still the command's. The wrapper's own messages go to stderr; stdout carries
only the command's output. An unknown or obsolete event is refused before the
command runs (exit 3 or 1): a cron job with a typo fails on its first run, not
silently at its first failure.
"""

from __future__ import annotations

import sys

from tasktui.cli.state import CliState
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


def _check_target(st: CliState, event: str, assignee: str | None, group: str | None) -> None:
    """Refuse an unknown or obsolete event (or an unknown user or group) before CMD runs
    (exit 3 or 1), so a cron job with a typo fails on its first run. When the database
    cannot be used now, CMD runs anyway (its exit code is what matters; raising the task
    will say what went wrong)."""
    from tasktui.errors import NotFound, Refused

    try:
        from tasktui.services.tasks.raise_plan import check_raise_target

        st.open()
        check_raise_target(event, assignee, group)
    except (NotFound, Refused):
        raise
    except Exception:  # the database is unusable now: raising the task will say so
        pass


def run_wrapped(
    st: CliState,
    event: str,
    dedup_key: str | None,
    title: str | None,
    resolve_on_success: bool,
    reopen: bool,
    link: str,
    assignee: str | None,
    group: str | None,
    command: list[str],
) -> int:
    """Run `command`; raise (or resolve) a task about it; its exit code."""
    if resolve_on_success and dedup_key is None:
        raise Invalid("--resolve-on-success needs --dedup-key (it resolves the open task with that key)")
    if reopen and dedup_key is None:
        raise Invalid("--reopen needs --dedup-key")
    if dedup_key is not None and not dedup_key.strip():
        raise Invalid("the dedup key must not be empty")
    _check_target(st, event, assignee, group)
    from tasktui.services.runs.command import run_command

    outcome = run_command(command)
    if outcome.failed:
        if outcome.start_error is not None:
            _say(f"error: {outcome.argv[0]}: {outcome.start_error.split(':')[0]}")
        try:
            from tasktui.services.runs.reporting import raise_for_failure

            actor = st.open()
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

            for task_id in resolve_open_tasks(st.open(), event, dedup_key or ""):
                _say(f"resolved task {task_id} (the command succeeded)")
        except Exception as e:
            _say(f"error: could not resolve the open task: {_problem(e)}")
    return outcome.exit_code
