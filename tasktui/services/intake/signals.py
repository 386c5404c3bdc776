"""Signals: what one alert (or one PagerDuty event, or one JSON object) asks the
intake to do, and applying a body's signals in one write transaction (or several
bodies of one source together: `apply_bodies`, for the server's batches).

A raise goes the one raise path (`raise_plan.plan_raises` → `raise_writer.apply_plan`),
with the alert's episode so a resend counts once; a resolve marks the open task with
the dedup key done (`transitions.mark_done`), comments on it or is ignored, as the
source says; an acknowledge acknowledges the open task as the source's user (a task
acknowledged already keeps who has it).

Which event a signal raises: the event it asks for (a `tasktui_event` label, a JSON
`event`) when that is a valid identifier, else the source's first matching route,
else its default event. An asked-for or routed event that is unknown or obsolete is
reported for that signal, which falls back to the default event; the rest of the
body goes through. Nothing of a body is written unless all of it is.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tasktui.db import write_transaction
from tasktui.errors import Invalid, NotFound, Refused, TaskTuiError
from tasktui.limits import MAX_COMMENT, MAX_DEDUP_KEY, MAX_DESCRIPTION, MAX_LINK, MAX_TITLE
from tasktui.models import OPEN
from tasktui.services.events.definitions import get_event, identifier_problem
from tasktui.services.intake.sources import SourceInfo, count_signals
from tasktui.services.tasks.raise_plan import (
    REFUSED,
    REPEAT,
    RaiseRequest,
    began_before,
    latest_dedup_tasks,
    plan_raises,
)
from tasktui.services.tasks.raise_writer import apply_plan
from tasktui.text_safety import clean_line, clean_text

RAISE, RESOLVE, ACKNOWLEDGE = "raise", "resolve", "acknowledge"
#: Signals one body may carry (Alertmanager sends a group's alerts in one body).
MAX_SIGNALS = 1000
CUT = " …"


@dataclass(frozen=True)
class Signal:
    """One thing a body asks: `action` (raise, resolve, acknowledge) on the task with
    `dedup_key`. A raise carries its `request` (its event filled in when applied);
    `asked_event` is the event the sender named, `labels` what routes match on,
    `note` the comment of a resolve or an acknowledge, `ref` how replies name it,
    `episode` the start time of the episode a resolve ends (Alertmanager's `startsAt`)."""

    action: str
    dedup_key: str
    ref: str
    request: RaiseRequest | None = None
    asked_event: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
    episode: str | None = None


@dataclass
class SignalResult:
    """What one signal did: `outcome` (created, deduplicated, reopened, repeated,
    resolved, acknowledged, commented, ignored, no open task, earlier episode), the
    task and event, and a warning."""

    ref: str
    action: str
    outcome: str
    task_ids: list[int] = field(default_factory=list)
    event: str | None = None
    warning: str | None = None

    def as_dict(self) -> dict:
        """The JSON shape of the intake's reply."""
        data: dict = {"ref": self.ref, "action": self.action, "outcome": self.outcome, "task_ids": self.task_ids}
        if self.event is not None:
            data["event"] = self.event
        if self.warning:
            data["warning"] = self.warning
        return data


# ------------------------------------------------------------------ text for tasks


def cut(text: str, limit: int) -> str:
    """`text` shortened to `limit` characters, marked as cut."""
    return text if len(text) <= limit else text[: limit - len(CUT)] + CUT


def title_text(text: str) -> str:
    """A title from a webhook: one line, cleaned, within the limit (a long or
    multi-line summary is shortened, never refused: the alert must not be lost)."""
    return cut(clean_line(text).strip(), MAX_TITLE)


def description_text(text: str) -> str:
    """A description from a webhook, cleaned and within the limit."""
    return cut(clean_text(text), MAX_DESCRIPTION)


def comment_text(text: str) -> str:
    """A comment from a webhook, cleaned and within the limit."""
    return cut(clean_text(text), MAX_COMMENT)


def link_text(*candidates: object) -> str:
    """The first candidate that is a non-empty string within the link limit."""
    for candidate in candidates:
        if isinstance(candidate, str):
            link = clean_line(candidate).strip()
            if link and len(link) <= MAX_LINK:
                return link
    return ""


def dedup_key_text(key: str) -> str:
    """A sender's key as a dedup key: as it is when it fits the limit, else its
    SHA-256 (stable, so a resolve finds what the trigger raised)."""
    key = clean_line(key).strip()
    if not key:
        raise Invalid("the dedup key must not be empty")
    if len(key) > MAX_DEDUP_KEY:
        return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return key


# ------------------------------------------------------------------ applying


def acknowledged_by_someone(ids: Sequence[int]) -> set[int]:
    """The tasks among `ids` someone acknowledged already (a sender's acknowledge
    does not take them over)."""
    from tasktui.models import Task
    from tasktui.services.triage_clock import acknowledged_now

    return {t.id for t in Task.select(Task.id).where(Task.id.in_(list(ids)) & acknowledged_now())}


def _chosen_event(source: SourceInfo, signal: Signal) -> tuple[str, str | None]:
    """The event a raise asks for (see the module docstring) and a warning."""
    if signal.asked_event is not None:
        problem = identifier_problem(signal.asked_event)
        if problem is None:
            return signal.asked_event, None
        event = source.route_for(dict(signal.labels)) or source.default_event
        return event, f"event {signal.asked_event[:100]!r} {problem}: raised as {event!r}"
    return source.route_for(dict(signal.labels)) or source.default_event, None


def _event_ids(identifiers: Sequence[str]) -> list[int]:
    ids = []
    for identifier in dict.fromkeys(identifiers):
        try:
            ids.append(get_event(identifier).id)
        except NotFound:
            pass
    return ids


def apply_signals(source: SourceInfo, signals: Sequence[Signal]) -> list[SignalResult]:
    """Apply a body's signals in one write transaction, one result per signal in
    order. A raise that cannot be made even with the default event (e.g. the default
    event was made obsolete) refuses the whole body (Refused / NotFound): nothing is
    written."""
    (outcome,) = apply_bodies(source, [signals])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def apply_bodies(source: SourceInfo, bodies: Sequence[Sequence[Signal]]) -> list[list[SignalResult] | TaskTuiError]:
    """Apply several bodies of one source (the intake's requests queued while the
    writer was busy) in one write transaction, through one plan and one write of
    their raises: for each body, in order, its results, or the error that refuses it
    (a raise that cannot be made even with the default event). A refused body writes
    nothing and does not stop the others; any other error fails them all (the caller
    rolls back and may apply them one by one).

    Each body's raises are applied before its resolves and acknowledges, as they
    always were; bodies are applied together only while that gives what applying them
    one after another would: a body raising a key an earlier body resolves or
    acknowledges starts a new run."""
    outcomes: list[list[SignalResult] | TaskTuiError] = []
    with write_transaction():
        changed = resolved = 0
        for run in _runs(bodies):
            run_outcomes, run_changed, run_resolved = _apply_run(source, run)
            outcomes += run_outcomes
            changed, resolved = changed + run_changed, resolved + run_resolved
        count_signals(source.id, changed, resolved)
    return outcomes


def _runs(bodies: Sequence[Sequence[Signal]]) -> list[list[Sequence[Signal]]]:
    """`bodies` in consecutive runs that may be applied together (see apply_bodies)."""
    runs: list[list[Sequence[Signal]]] = []
    closed: set[str] = set()  # keys resolved or acknowledged by the current run
    for signals in bodies:
        raised = {s.dedup_key for s in signals if s.action == RAISE}
        if not runs or raised & closed:
            runs.append([])
            closed = set()
        runs[-1].append(signals)
        closed |= {s.dedup_key for s in signals if s.action != RAISE}
    return runs


def _apply_run(
    source: SourceInfo, bodies: Sequence[Sequence[Signal]]
) -> tuple[list[list[SignalResult] | TaskTuiError], int, int]:
    """Apply one run of bodies (see apply_bodies): the outcome per body, the raises
    that counted and the resolves."""
    results = [[SignalResult(s.ref, s.action, "") for s in signals] for signals in bodies]
    errors: dict[int, TaskTuiError] = {}
    # every raise of the run: (body, signal index) -> its request, in order
    owners: list[tuple[int, int]] = []
    requests: list[RaiseRequest] = []
    for b, signals in enumerate(bodies):
        for i, signal in enumerate(signals):
            if signal.action != RAISE:
                continue
            if signal.request is None:
                raise ValueError("a raise signal needs a request")
            event, results[b][i].warning = _chosen_event(source, signal)
            owners.append((b, i))
            # a resend of an episode this source's resolve ended changes nothing (raise_plan)
            requests.append(dataclasses.replace(signal.request, event=event, ended_by=source.actor.user_id))
    while True:
        plan = plan_raises(requests)
        fallback = [
            n
            for n, planned in enumerate(plan)
            if planned.kind == REFUSED and planned.event_refused and requests[n].event != source.default_event
        ]
        for n in fallback:
            b, i = owners[n]
            results[b][i].warning = f"{plan[n].reason}: raised as {source.default_event!r}"
            requests[n] = dataclasses.replace(requests[n], event=source.default_event)
        if fallback:
            plan = plan_raises(requests)
        refused = [n for n, planned in enumerate(plan) if planned.kind == REFUSED]
        if not refused:
            break
        for n in refused:  # the first refused raise of a body refuses the body
            b, i = owners[n]
            if b not in errors:
                error = plan[n].error or Refused("refused")
                errors[b] = type(error)(f"{bodies[b][i].ref}: {error}")
        # plan again without the refused bodies: what they would have counted must not count
        kept = [n for n, (b, _i) in enumerate(owners) if b not in errors]
        owners, requests = [owners[n] for n in kept], [requests[n] for n in kept]
    raised = apply_plan(source.actor, plan, requests) if requests else []
    changed = 0
    for n, ((b, i), result) in enumerate(zip(owners, raised)):
        outcome = results[b][i]
        outcome.outcome, outcome.task_ids, outcome.event = result.outcome, [result.task_id], result.event
        changed += plan[n].kind != REPEAT
    resolved = 0
    for b, signals in enumerate(bodies):
        if b not in errors:
            resolved += _apply_closing(source, signals, results[b])
    return [errors.get(b) or results[b] for b in range(len(bodies))], changed, resolved


def _apply_closing(source: SourceInfo, signals: Sequence[Signal], results: list[SignalResult]) -> int:
    """Apply a body's resolves and acknowledges (after its raises); the resolves."""
    from tasktui.services.tasks.detail import add_comment
    from tasktui.services.tasks.transitions import acknowledge, mark_done

    actor = source.actor
    resolved = 0
    for i, signal in enumerate(signals):
        if signal.action == RAISE:
            continue
        outcome = results[i]
        candidates = [signal.asked_event] if signal.asked_event and not identifier_problem(signal.asked_event) else []
        candidates += [source.route_for(dict(signal.labels)) or "", source.default_event]
        candidates += [r.event for r in source.routes]
        event_ids = _event_ids([c for c in candidates if c])
        latest = latest_dedup_tasks((e, signal.dedup_key) for e in event_ids)
        ids = sorted(task_id for (_e, _k, status), task_id in latest.items() if status == OPEN)
        if signal.action == RESOLVE and ids and signal.episode is not None:
            # a late resolve of an earlier episode leaves the task of a later one open
            counted = _episodes(ids)
            ids = [i for i in ids if not began_before(signal.episode, counted.get(i))]
            if not ids:
                outcome.outcome = "earlier episode"
                continue
        outcome.task_ids = ids
        if not ids:
            outcome.outcome = "no open task"
        elif signal.action == RESOLVE and source.on_resolve == "done":
            outcome.outcome = "resolved"
            resolved += len(mark_done(actor, ids).changed)
        elif signal.action == RESOLVE and source.on_resolve == "ignore":
            outcome.outcome = "ignored"
        elif signal.action == ACKNOWLEDGE:
            outcome.outcome = "acknowledged"
            free = [i for i in ids if i not in acknowledged_by_someone(ids)]
            if free:
                acknowledge(actor, free)
        else:
            note = comment_text(signal.note or f"{signal.action} from {source.name}")
            fresh = [task_id for task_id in ids if not _last_comment_is(task_id, actor.user_id, note)]
            outcome.outcome = "commented" if fresh else "repeated"  # a replayed body adds nothing
            for task_id in fresh:
                add_comment(actor, task_id, note)
            resolved += signal.action == RESOLVE and bool(fresh)
    return resolved


def _episodes(ids: Sequence[int]) -> dict[int, str | None]:
    """{task id: the episode it counted last} of open tasks of one key (a few)."""
    from tasktui.models import Task

    return {task.id: task.episode for task in Task.select(Task.id, Task.episode).where(Task.id.in_(list(ids)))}


def _last_comment_is(task_id: int, author_id: int, body: str) -> bool:
    """Whether the task's latest comment is `body` by `author_id` (a replay of it)."""
    from tasktui.models import Comment

    last = (
        Comment.select(Comment.author, Comment.body).where(Comment.task == task_id).order_by(Comment.id.desc()).first()
    )
    return last is not None and last.author_id == author_id and last.body == body
