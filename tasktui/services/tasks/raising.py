"""Raising an event: one request checked, planned and written — a plan of one on the
one raise path (`raise_plan.raise_request` → `raise_plan.plan_raises` →
`raise_writer.apply_plan`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tasktui.db import retrying
from tasktui.services.context import Actor
from tasktui.services.tasks.raise_plan import (
    ProcessRef,
    check_process,
    check_raise_texts,
    check_title,
    clean_task_text,
    plan_raises,
    raise_request,
)
from tasktui.services.tasks.raise_writer import RaiseResult, apply_plan

__all__ = [
    "ProcessRef",
    "RaiseResult",
    "check_process",
    "check_raise_texts",
    "check_title",
    "clean_task_text",
    "raise_task",
]


def raise_task(
    actor: Actor,
    event: str,
    title: str,
    description: str = "",
    link: str = "",
    assignee: str | None = None,
    group: str | None = None,
    dedup_key: str | None = None,
    reopen: bool = False,
    processes: Iterable[ProcessRef] = (),
    attributes: Mapping[str, str] | None = None,
    severity: int | None = None,
) -> RaiseResult:
    """Raise an event: create a task for its responsible user and group (unless the
    raiser names them), or, with a dedup key, count another occurrence of the open
    task with that key (`reopen`: also of a done one, which is reopened).

    `attributes` (key -> text) are validated and converted for the event's attribute
    set, defaults filled in (see `attribute_values.values_for_raise`); a deduplicated
    raise validates them too but keeps the values the task was created with. A
    refusal raises its typed error (NotFound, Refused, Invalid) and writes nothing.
    `severity` (a rank, None: the event's default) is the new task's; a higher one
    than an absorbing task's raises it and wakes it (see `raise_plan`)."""
    request = raise_request(
        event, title, description, link, assignee, group, dedup_key, reopen, attributes, processes, severity=severity
    )

    def work() -> RaiseResult:
        plan = plan_raises([request])
        if plan[0].error is not None:
            raise plan[0].error
        return apply_plan(actor, plan, [request])[0]

    return retrying(work)
