"""Tasks of `tasktui run`: raise one for a failed command, resolve it when the command
succeeds again."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from typing import cast

from tasktui.db import write_transaction
from tasktui.models import OPEN, Task
from tasktui.services.context import Actor
from tasktui.services.lookups import get_event
from tasktui.services.runs.command import RunOutcome
from tasktui.services.tasks.raising import ProcessRef, RaiseResult, raise_task
from tasktui.services.tasks.transitions import mark_done

#: The source recorded on the related-process record of a wrapped command.
SOURCE = "tasktui run"


def process_ref(outcome: RunOutcome) -> ProcessRef:
    """The related-process record of a run: the command's process id (or a generated
    run id when it never started), started at, and the wrapper's exit code."""
    process_id = str(outcome.pid) if outcome.pid is not None else f"run-{uuid.uuid4().hex[:12]}"
    return ProcessRef(process_id, SOURCE, outcome.started_at, outcome.exit_code)


def raise_for_failure(
    actor: Actor,
    outcome: RunOutcome,
    event: str,
    *,
    title: str | None = None,
    dedup_key: str | None = None,
    reopen: bool = False,
    link: str = "",
    assignee: str | None = None,
    group: str | None = None,
) -> RaiseResult:
    """Raise a task of `event` about a failed run: the description holds the command
    line, how it ended, duration and the last lines of output that fit in
    MAX_DESCRIPTION (see `RunOutcome.description`). With a dedup key a repeated
    failure counts another occurrence on the open task (and adds its process record)
    instead, and the new failure's details are added as a comment, so the latest
    output is never lost."""
    from tasktui.limits import MAX_COMMENT, MAX_DESCRIPTION
    from tasktui.services.tasks.detail import add_comment

    try:
        directory = os.getcwd()
    except OSError:
        directory = None
    host = socket.gethostname()
    with write_transaction():
        result = raise_task(
            actor,
            event,
            title or outcome.default_title(),
            outcome.description(host, directory, max_chars=MAX_DESCRIPTION),  # the tail that fits
            link,
            assignee,
            group,
            dedup_key,
            reopen,
            [process_ref(outcome)],
        )
        if result.outcome != "created":
            heading = f"Failed again (occurrence {result.occurrences}):\n"
            body = outcome.description(host, directory, max_chars=MAX_COMMENT - len(heading))
            add_comment(actor, result.task_id, heading + body)
    return result


def resolve_open_tasks(actor: Actor, event: str, dedup_key: str) -> list[int]:
    """Mark done the open tasks of `event` with `dedup_key` (the command that raised
    them succeeded); returns their ids, empty when none was open."""
    with write_transaction():
        ev = get_event(event)
        ids = [
            row[0]
            for row in cast(
                "Iterable[tuple[int]]",
                Task.select(Task.id)
                .where((Task.event == ev.id) & (Task.dedup_key == dedup_key) & (Task.status == OPEN))
                .tuples(),
            )
        ]
        if not ids:
            return []
        return mark_done(actor, ids).changed
