"""Status transitions, assignment, acknowledgement and snooze as bulk actions.

Bulk actions run in one transaction: unknown ids refuse the whole action (nothing
changes); tasks that are not in a state the action applies to are skipped and
reported with the reason. Every change writes a history entry, and the action is
recorded as one change set (`change_sets`) that `undo` reverts.

`dry_run=True` runs the same rules in a read and changes nothing: the preview of a
bulk action above the user's threshold says what the action would do.

Acknowledge and snooze are properties of an open task, not statuses: `acknowledge`
records who is on it and when; `snooze` hides it until a time. A snooze runs out by
the clock (the filters compute it at query time); `wake_due` writes what ran out —
the snooze and the acknowledgement cleared, a "woke" history entry at the wake-up
time — and every action here calls it first, as `notify` does on each run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import field

from tasktui.db import lock_keys, retrying, write_transaction
from tasktui.errors import Invalid, NotFound, Refused
from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.models import OPEN, Group, Task, User, utcnow
from tasktui.records import Record
from tasktui.services.context import Actor
from tasktui.services.lookups import get_group, get_user
from tasktui.services.tasks.bulk_insert import CHUNK
from tasktui.services.tasks.change_sets import ChangeRecorder
from tasktui.services.tasks.history import history, insert_history
from tasktui.services.tasks.status_changes import TRANSITIONS, Transition
from tasktui.services.triage_clock import iso_text, wake_due

if TYPE_CHECKING:
    from typing import Any


class BulkResult(Record, frozen=False):
    """What a bulk action did: the ids changed, and the ids skipped per reason."""

    action: str
    changed: list[int] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)
    #: The kind of action (done, reopen, assign, group, unassign, ack, unack, snooze,
    #: unsnooze): the preview's wording.
    kind: str = ""
    #: The change set that records it (None: nothing changed, or a dry run).
    change_set_id: int | None = None
    #: The assignee or group the action sets, for the preview's question.
    target: str | None = None

    @property
    def skipped_count(self) -> int:
        """How many tasks were skipped, whatever the reason."""
        return sum(len(ids) for ids in self.skipped.values())

    def summary(self) -> str:
        """One line: how many changed, how many skipped and why."""
        text = f"{self.action}: {len(self.changed)} changed"
        if self.skipped:
            reasons = "; ".join(f"{len(ids)} {reason}" for reason, ids in self.skipped.items())
            text += f", {self.skipped_count} skipped ({reasons})"
        return text


def _load(ids: Iterable[int]) -> dict[int, Task]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        raise Invalid("no task ids given")
    found: dict[int, Task] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        columns = (Task.id, Task.status, Task.assignee, Task.group, Task.event, Task.dedup_key,
                   Task.acknowledged_by, Task.snoozed_until)  # fmt: skip
        for task in Task.select(*columns).where(Task.id.in_(chunk)):
            found[task.id] = task
    missing = [i for i in wanted if i not in found]
    if missing:
        shown = ", ".join(str(i) for i in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise NotFound(f"unknown task{'s' if len(missing) > 1 else ''} {shown}: nothing was changed")
    return {i: found[i] for i in wanted}


def _update(ids: list[int], changes: dict[Any, Any]) -> None:
    for start in range(0, len(ids), CHUNK):
        Task.update(changes).where(Task.id.in_(ids[start : start + CHUNK])).execute()


def _logins(user_ids: Iterable[int | None]) -> dict[int | None, str]:
    ids = {i for i in user_ids if i is not None}
    return {u.id: u.login for u in User.select(User.id, User.login).where(User.id.in_(list(ids)))} if ids else {}


def _group_names(group_ids: Iterable[int | None]) -> dict[int | None, str]:
    ids = {i for i in group_ids if i is not None}
    return {g.id: g.name for g in Group.select(Group.id, Group.name).where(Group.id.in_(list(ids)))} if ids else {}


def mark_done(actor: Actor, ids: Iterable[int], *, dry_run: bool = False) -> BulkResult:
    """Mark the open tasks among `ids` done (done at / done by); done ones are skipped."""
    return _apply_transition(actor, ids, TRANSITIONS["done"], "mark done", dry_run)


def reopen(actor: Actor, ids: Iterable[int], *, dry_run: bool = False) -> BulkResult:
    """Reopen the done tasks among `ids` (clears done at / done by); open ones are skipped."""
    return _apply_transition(actor, ids, TRANSITIONS["reopen"], "reopen", dry_run)


def _dry(work: Callable[[], BulkResult]) -> BulkResult:
    """Run `work` (which returns before writing) in a read transaction."""
    from tasktui.models import database_proxy

    with database_proxy.atomic():
        return work()


def _apply_transition(
    actor: Actor, ids: Iterable[int], transition: Transition, label: str, dry_run: bool = False
) -> BulkResult:
    """One status transition of the table (`status_changes`) on the tasks in its
    from-status; the others are skipped with the table's reason. A task is not
    reopened while another task is open under its event and dedup key (the dedup
    rule: one open task per key)."""
    wanted = list(ids)

    def work() -> BulkResult:
        result = BulkResult(label, kind=transition.name)
        tasks = _load(wanted)
        changed = [i for i, t in tasks.items() if t.status == transition.from_status]
        skipped = [i for i, t in tasks.items() if t.status != transition.from_status]
        if skipped:
            result.skipped[transition.skipped_reason] = skipped
        if transition.to_status == OPEN:
            changed = _outside_open_dedup_keys(tasks, changed, result, lock=not dry_run)
        result.changed = changed
        if dry_run:
            return result
        changes = transition.changes(utcnow(), actor.user_id)
        recorder = ChangeRecorder(actor, transition.name, label, [n for n in changes if n != "updated_at"])
        recorder.capture(result.changed)
        _update(result.changed, {getattr(Task, name): value for name, value in changes.items()})
        insert_history(
            [
                history(i, actor, transition.history_action, "status", transition.from_status, transition.to_status)
                for i in result.changed
            ]
        )
        result.change_set_id = recorder.save()
        return result

    return _dry(work) if dry_run else retrying(work)


#: Why a done task was not reopened.
DEDUP_KEY_TAKEN = "another task is open with the same dedup key"


def _outside_open_dedup_keys(
    tasks: dict[int, Task], ids: list[int], result: BulkResult, lock: bool = True
) -> list[int]:
    """`ids` without the tasks whose (event, dedup key) another open task holds, or
    an earlier one of `ids` takes; those are skipped in `result` (`lock`: writers of
    the same keys wait their turn; not for a dry run)."""
    keyed = {i: (tasks[i].event_id, tasks[i].dedup_key) for i in ids if tasks[i].dedup_key is not None}
    if not keyed:
        return ids
    if lock:
        lock_keys(f"dedup:{event_id}:{key}" for event_id, key in keyed.values())
    taken: set[tuple[int, str | None]] = set()
    pairs = sorted(set(keyed.values()))
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start : start + CHUNK]
        query = Task.select(Task.event, Task.dedup_key).where(
            (Task.status == OPEN)
            & Task.event.in_(sorted({e for e, _ in chunk}))
            & Task.dedup_key.in_(sorted({k for _, k in chunk}))
        )
        taken.update((t.event_id, t.dedup_key) for t in query)
    kept: list[int] = []
    for i in ids:
        pair = keyed.get(i)
        if pair is not None and pair in taken:
            result.skipped.setdefault(DEDUP_KEY_TAKEN, []).append(i)
            continue
        if pair is not None:
            taken.add(pair)
        kept.append(i)
    return kept


def assign(actor: Actor, ids: Iterable[int], login: str | None = None, *, dry_run: bool = False) -> BulkResult:
    """Assign tasks to the user `login` (None: the acting user). Re-assigning an
    assigned task is allowed; tasks already assigned to that user are skipped."""
    with _transaction(dry_run):
        user = get_user(login) if login else User.get_by_id(actor.user_id)
        if not user.active:
            raise Refused(f"user {user.login!r} is inactive and cannot be assigned tasks")
        result = BulkResult(f"assign to {user.login}", kind="assign", target=user.login)
        tasks = _load(ids)
        result.changed = [i for i, t in tasks.items() if t.assignee_id != user.id]
        skipped = [i for i, t in tasks.items() if t.assignee_id == user.id]
        if skipped:
            result.skipped[f"already assigned to {user.login}"] = skipped
        if dry_run:
            return result
        recorder = ChangeRecorder(actor, "assign", result.action, ("assignee",))
        recorder.capture(result.changed)
        old = _logins(t.assignee_id for t in tasks.values())
        _update(result.changed, {Task.assignee: user.id, Task.updated_at: utcnow()})
        insert_history(
            [
                history(i, actor, "assigned", "assignee", old.get(tasks[i].assignee_id), user.login)
                for i in result.changed
            ]
        )
        result.change_set_id = recorder.save()
    return result


def _transaction(dry_run: bool) -> AbstractContextManager[None]:
    """A write transaction, or for a dry run a read one."""
    if dry_run:
        from tasktui.models import database_proxy

        return database_proxy.atomic()  # type: ignore[return-value]
    return write_transaction()


def assign_group(actor: Actor, ids: Iterable[int], group: str | None, *, dry_run: bool = False) -> BulkResult:
    """Set the group of tasks (None clears it); tasks already in that group are skipped."""
    with _transaction(dry_run):
        target = get_group(group) if group else None
        target_id = target.id if target else None
        label = f"assign to group {target.name}" if target else "clear group"
        result = BulkResult(label, kind="group", target=target.name if target else None)
        tasks = _load(ids)
        result.changed = [i for i, t in tasks.items() if t.group_id != target_id]
        skipped = [i for i, t in tasks.items() if t.group_id == target_id]
        if skipped:
            result.skipped["already in that group" if target else "have no group"] = skipped
        if dry_run:
            return result
        recorder = ChangeRecorder(actor, "group", label, ("group",))
        recorder.capture(result.changed)
        old = _group_names(t.group_id for t in tasks.values())
        _update(result.changed, {Task.group: target_id, Task.updated_at: utcnow()})
        insert_history(
            [
                history(i, actor, "group", "group", old.get(tasks[i].group_id), target.name if target else None)
                for i in result.changed
            ]
        )
        result.change_set_id = recorder.save()
    return result


def unassign(actor: Actor, ids: Iterable[int], *, dry_run: bool = False) -> BulkResult:
    """Remove the assignee of tasks (the group stays); unassigned ones are skipped."""
    result = BulkResult("unassign", kind="unassign")
    with _transaction(dry_run):
        tasks = _load(ids)
        result.changed = [i for i, t in tasks.items() if t.assignee_id is not None]
        skipped = [i for i, t in tasks.items() if t.assignee_id is None]
        if skipped:
            result.skipped["not assigned"] = skipped
        if dry_run:
            return result
        recorder = ChangeRecorder(actor, "unassign", "unassign", ("assignee",))
        recorder.capture(result.changed)
        old = _logins(t.assignee_id for t in tasks.values())
        _update(result.changed, {Task.assignee: None, Task.updated_at: utcnow()})
        insert_history(
            [history(i, actor, "unassigned", "assignee", old.get(tasks[i].assignee_id), None) for i in result.changed]
        )
        result.change_set_id = recorder.save()
    return result


# --------------------------------------------------------------------------- triage

NOT_OPEN = "not open"
#: What acknowledging and snoozing change (their change sets hold these; undo writes them back).
_ACK_FIELDS = ("acknowledged_by", "acknowledged_at")
_SNOOZE_FIELDS = ("snoozed_until",)


def _split_open(tasks: dict[int, Task], result: BulkResult) -> dict[int, Task]:
    """The open tasks; done ones are skipped as "not open"."""
    closed = [i for i, t in tasks.items() if t.status != OPEN]
    if closed:
        result.skipped[NOT_OPEN] = closed
    return {i: t for i, t in tasks.items() if t.status == OPEN}


def acknowledge(actor: Actor, ids: Iterable[int]) -> BulkResult:
    """Record that the acting user is on these open tasks ("I'm on it"); a task
    someone else acknowledged is taken over; done ones and the user's own are skipped."""
    wanted = list(ids)

    def work() -> BulkResult:
        result = BulkResult("acknowledge", kind="ack")
        wake_due(actor)
        tasks = _split_open(_load(wanted), result)
        mine = [i for i, t in tasks.items() if t.acknowledged_by_id == actor.user_id]
        if mine:
            result.skipped["already acknowledged by you"] = mine
        result.changed = [i for i in tasks if i not in set(mine)]
        recorder = ChangeRecorder(actor, "ack", "acknowledge", _ACK_FIELDS)
        recorder.capture(result.changed)
        old = _logins(t.acknowledged_by_id for t in tasks.values())
        now = utcnow()
        _update(result.changed, {Task.acknowledged_by: actor.user_id, Task.acknowledged_at: now, Task.updated_at: now})
        insert_history(
            [
                history(i, actor, "acknowledged", "acknowledged_by", old.get(tasks[i].acknowledged_by_id), actor.login)
                for i in result.changed
            ]
        )
        result.change_set_id = recorder.save()
        return result

    return retrying(work)


def unacknowledge(actor: Actor, ids: Iterable[int]) -> BulkResult:
    """Clear the acknowledgement of tasks (whoever made it); others are skipped."""
    wanted = list(ids)

    def work() -> BulkResult:
        result = BulkResult("unacknowledge", kind="unack")
        wake_due(actor)
        tasks = _load(wanted)
        result.changed = [i for i, t in tasks.items() if t.acknowledged_by_id is not None]
        skipped = [i for i, t in tasks.items() if t.acknowledged_by_id is None]
        if skipped:
            result.skipped["not acknowledged"] = skipped
        recorder = ChangeRecorder(actor, "unack", "unacknowledge", _ACK_FIELDS)
        recorder.capture(result.changed)
        old = _logins(t.acknowledged_by_id for t in tasks.values())
        _update(result.changed, {Task.acknowledged_by: None, Task.acknowledged_at: None, Task.updated_at: utcnow()})
        insert_history(
            [
                history(i, actor, "unacknowledged", "acknowledged_by", old.get(tasks[i].acknowledged_by_id), None)
                for i in result.changed
            ]
        )
        result.change_set_id = recorder.save()
        return result

    return retrying(work)


def snooze(actor: Actor, ids: Iterable[int], until: dt.datetime) -> BulkResult:
    """Hide these open tasks until `until` (naive UTC, in the future: see
    `snooze_time.parse_until`); a snoozed one gets the new time; done ones are skipped."""
    wanted = list(ids)
    if until <= utcnow():
        raise Invalid("a snooze must end in the future")

    def work() -> BulkResult:
        result = BulkResult("snooze", kind="snooze")
        wake_due(actor)
        tasks = _split_open(_load(wanted), result)
        same = [i for i, t in tasks.items() if t.snoozed_until == until]
        if same:
            result.skipped["already snoozed until then"] = same
        result.changed = [i for i in tasks if i not in set(same)]
        recorder = ChangeRecorder(actor, "snooze", f"snooze until {iso_text(until)}", _SNOOZE_FIELDS)
        recorder.capture(result.changed)
        _update(result.changed, {Task.snoozed_until: until, Task.updated_at: utcnow()})
        insert_history(
            [
                history(i, actor, "snoozed", "snoozed_until", iso_text(tasks[i].snoozed_until), iso_text(until))
                for i in result.changed
            ]
        )
        result.change_set_id = recorder.save()
        return result

    return retrying(work)


def unsnooze(actor: Actor, ids: Iterable[int]) -> BulkResult:
    """Wake snoozed tasks now (an acknowledgement stays: whoever snoozed it may be the
    one on it); tasks that are awake are skipped."""
    wanted = list(ids)

    def work() -> BulkResult:
        result = BulkResult("unsnooze", kind="unsnooze")
        wake_due(actor)
        tasks = _load(wanted)
        result.changed = [i for i, t in tasks.items() if t.snoozed_until is not None]
        skipped = [i for i, t in tasks.items() if t.snoozed_until is None]
        if skipped:
            result.skipped["not snoozed"] = skipped
        recorder = ChangeRecorder(actor, "unsnooze", "unsnooze", _SNOOZE_FIELDS)
        recorder.capture(result.changed)
        _update(result.changed, {Task.snoozed_until: None, Task.updated_at: utcnow()})
        insert_history(
            [
                history(i, actor, "unsnoozed", "snoozed_until", iso_text(tasks[i].snoozed_until), None)
                for i in result.changed
            ]
        )
        result.change_set_id = recorder.save()
        return result

    return retrying(work)
