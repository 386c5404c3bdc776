"""Applying signals through the one raise path, in-process against a real database:
episodes, fallback to the default event, resolve per --on-resolve, all or nothing."""

from __future__ import annotations

import pytest

from tasktui.errors import Refused
from tasktui.models import IntakeSource, Task, TaskHistory
from tasktui.services.events.definitions import create_event, set_obsolete
from tasktui.services.intake.alertmanager import parse_alertmanager
from tasktui.services.intake.signals import apply_signals
from tasktui.services.intake.sources import add_source, get_source
from tasktui.services.tasks.raising import raise_task
from tests.intake.conftest import captured


@pytest.fixture
def source(actor):
    for identifier in ("alerts", "disk_full", "backup_failed"):
        create_event(identifier, identifier)
    add_source(actor, "am", "alertmanager", "alerts", ["job=backup:backup_failed"])
    return get_source("am")


def _firing(starts: str = "2026-12-01T19:04:42.601534047Z", event_label: str | None = None) -> dict:
    body = captured("alertmanager-0.25-firing")
    body["alerts"][0]["startsAt"] = starts
    if event_label is None:
        del body["alerts"][0]["labels"]["tasktui_event"]
    else:
        body["alerts"][0]["labels"]["tasktui_event"] = event_label
    return body


def test_a_resend_of_one_episode_counts_once_a_new_episode_counts_again(source):
    (first,) = apply_signals(source, parse_alertmanager(_firing()))
    (again,) = apply_signals(source, parse_alertmanager(_firing()))
    assert (first.outcome, again.outcome) == ("created", "repeated")
    assert first.task_ids == again.task_ids
    task = Task.get_by_id(first.task_ids[0])
    assert (task.occurrences, task.episode) == (1, "2026-12-01T19:04:42.601534047Z")
    (new,) = apply_signals(source, parse_alertmanager(_firing("2026-12-01T20:00:00Z")))
    assert new.outcome == "deduplicated" and new.task_ids == first.task_ids
    assert Task.get_by_id(first.task_ids[0]).occurrences == 2
    actions = [h.action for h in TaskHistory.select().where(TaskHistory.task == first.task_ids[0])]
    assert actions == ["created", "deduplicated"]
    assert IntakeSource.get(IntakeSource.name == "am").raises == 2


def test_raises_without_an_episode_keep_counting(source, actor):
    """The CLI's raise (no episode) is unchanged: every raise with the key counts."""
    a = raise_task(actor, "alerts", "t", dedup_key="k")
    b = raise_task(actor, "alerts", "t", dedup_key="k")
    assert (a.outcome, b.outcome, b.occurrences) == ("created", "deduplicated", 2)


def test_event_from_label_then_route_then_default(source):
    (labelled,) = apply_signals(source, parse_alertmanager(_firing(event_label="disk_full")))
    assert labelled.event == "disk_full" and labelled.warning is None
    routed_body = captured("alertmanager-0.25-regrouped-resend")
    (routed,) = apply_signals(source, parse_alertmanager(routed_body))
    assert routed.event == "backup_failed"
    (default,) = apply_signals(source, parse_alertmanager(captured("alertmanager-0.25-retried-after-503")))
    assert default.event == "alerts"


def test_an_unknown_or_obsolete_event_falls_back_for_that_alert_only(source):
    set_obsolete("disk_full")
    body = captured("alertmanager-0.25-group-two-firing")
    body["alerts"][0]["labels"]["tasktui_event"] = "disk_full"
    body["alerts"][1]["labels"]["tasktui_event"] = "no_such_event"
    body["alerts"].append(_firing(event_label="backup_failed")["alerts"][0])
    results = apply_signals(source, parse_alertmanager(body))
    assert [r.event for r in results] == ["alerts", "alerts", "backup_failed"]
    assert "obsolete" in results[0].warning and "unknown event 'no_such_event'" in results[1].warning
    assert results[2].warning is None
    assert all(r.outcome == "created" for r in results)


def test_a_resend_after_its_event_was_made_obsolete_counts_on_the_open_task(source):
    """The open task of an alert stays the one task of that alert when its event is
    made obsolete: no second task under the default event, and the resolve closes it."""
    (first,) = apply_signals(source, parse_alertmanager(_firing(event_label="disk_full")))
    set_obsolete("disk_full")
    (again,) = apply_signals(source, parse_alertmanager(_firing("2026-12-01T20:00:00Z", event_label="disk_full")))
    assert (again.outcome, again.task_ids, again.event, again.warning) == (
        "deduplicated", first.task_ids, "disk_full", None
    )  # fmt: skip
    assert Task.select().count() == 1
    resolved = captured("alertmanager-0.25-resolved")
    resolved["alerts"][0]["labels"]["tasktui_event"] = "disk_full"
    resolved["alerts"][0]["startsAt"] = "2026-12-01T20:00:00Z"  # the episode the task counts
    (closed,) = apply_signals(source, parse_alertmanager(resolved))
    assert (closed.outcome, closed.task_ids) == ("resolved", first.task_ids)


def test_when_even_the_default_event_is_refused_nothing_is_written(source):
    set_obsolete("alerts")
    body = captured("alertmanager-0.25-group-two-firing")
    body["alerts"].append(_firing(event_label="disk_full")["alerts"][0])
    with pytest.raises(Refused, match="alert 1 .*obsolete"):
        apply_signals(source, parse_alertmanager(body))
    assert Task.select().count() == 0
    assert IntakeSource.get(IntakeSource.name == "am").raises == 0


@pytest.mark.parametrize(
    ("mode", "status", "outcome"),
    [("done", "done", "resolved"), ("comment", "open", "commented"), ("ignore", "open", "ignored")],
)
def test_resolve_per_on_resolve(actor, mode, status, outcome):
    create_event("alerts", "alerts")
    add_source(actor, "am", "alertmanager", "alerts", on_resolve=mode)
    source = get_source("am")
    (raised,) = apply_signals(source, parse_alertmanager(_firing()))
    (resolved,) = apply_signals(source, parse_alertmanager(captured("alertmanager-0.25-resolved")))
    assert (resolved.outcome, resolved.task_ids) == (outcome, raised.task_ids)
    task = Task.get_by_id(raised.task_ids[0])
    assert task.status == status
    if mode == "done":
        entry = TaskHistory.select().where(TaskHistory.task == task.id).order_by(TaskHistory.id.desc()).get()
        assert (entry.action, entry.actor.login, entry.os_login) == ("done", "am", "intake:am")
        assert task.done_by.login == "am"
    if mode == "comment":
        assert [c.body for c in task.comments] == ["resolved in Alertmanager at 2026-12-01T19:04:53Z"]
    (again,) = apply_signals(source, parse_alertmanager(captured("alertmanager-0.25-resolved")))
    assert again.outcome == {"done": "no open task", "comment": "repeated", "ignore": "ignored"}[mode]
    if mode == "comment":  # the replayed resolve adds no second comment
        assert [c.body for c in Task.get_by_id(raised.task_ids[0]).comments] == [
            "resolved in Alertmanager at 2026-12-01T19:04:53Z"
        ]


def test_a_late_firing_of_an_episode_the_source_resolved_changes_nothing(source, actor):
    """Alertmanager HA pairs deliver twice, and late: a firing of the episode that the
    source's resolve ended is a repeat on the done task, not a new task nobody would
    ever resolve. A new episode raises again, and so does a resend after a person
    closed the task (they said it was handled while it still fires)."""
    from tasktui.services.tasks.transitions import mark_done

    (raised,) = apply_signals(source, parse_alertmanager(_firing()))
    (resolved,) = apply_signals(source, parse_alertmanager(captured("alertmanager-0.25-resolved")))
    assert resolved.outcome == "resolved"
    (late,) = apply_signals(source, parse_alertmanager(_firing()))
    assert (late.outcome, late.task_ids) == ("repeated", raised.task_ids)
    assert [(t.status, t.occurrences) for t in Task.select()] == [("done", 1)]
    (new,) = apply_signals(source, parse_alertmanager(_firing("2026-12-01T20:00:00Z")))
    assert new.outcome == "created" and new.task_ids != raised.task_ids
    mark_done(actor, new.task_ids)
    (after_a_person,) = apply_signals(source, parse_alertmanager(_firing("2026-12-01T20:00:00Z")))
    assert after_a_person.outcome == "created" and after_a_person.task_ids != new.task_ids
    assert IntakeSource.get(IntakeSource.name == "am").raises == 3


def test_severity_label_reaches_the_task_and_a_higher_one_wakes_a_snoozed_task(source, actor):
    """Issue 17 through the intake: the alert's severity label is the task's severity;
    a resend with a higher severity raises it and wakes the task if snoozed."""
    import datetime as dt

    from tasktui.models import utcnow
    from tasktui.services.tasks.transitions import snooze

    body = _firing()
    body["alerts"][0]["labels"]["severity"] = "warning"
    (first,) = apply_signals(source, parse_alertmanager(body))
    task_id = first.task_ids[0]
    assert Task.get_by_id(task_id).severity == 2
    snooze(actor, [task_id], utcnow() + dt.timedelta(hours=3))
    worse = _firing("2026-12-01T21:00:00Z")
    worse["alerts"][0]["labels"]["severity"] = "critical"
    (again,) = apply_signals(source, parse_alertmanager(worse))
    task = Task.get_by_id(task_id)
    assert again.outcome == "deduplicated" and task.severity == 4 and task.snoozed_until is None


def test_pagerduty_acknowledge_acknowledges_as_the_source_and_keeps_an_earlier_one(actor):
    from tasktui.services.intake.pagerduty import parse_pagerduty
    from tasktui.services.tasks.transitions import acknowledge

    create_event("pages", "pages")
    add_source(actor, "pd", "pagerduty", "pages")
    pd = get_source("pd")
    trigger = captured("pagerduty-v2-from-alertmanager-0.25-trigger")
    (raised,) = apply_signals(pd, [parse_pagerduty(trigger)])
    task_id = raised.task_ids[0]
    ack = {"event_action": "acknowledge", "dedup_key": trigger["dedup_key"]}
    (result,) = apply_signals(pd, [parse_pagerduty(ack)])
    assert result.outcome == "acknowledged"
    task = Task.get_by_id(task_id)
    assert task.acknowledged_by_id == pd.actor.user_id and task.acknowledged_at is not None
    acknowledge(actor, [task_id])  # alice takes it over ...
    apply_signals(pd, [parse_pagerduty(ack)])  # ... and a repeated acknowledge leaves her on it
    assert Task.get_by_id(task_id).acknowledged_by_id == actor.user_id


def _one(fingerprint: str, status: str = "firing", event_label: str | None = None) -> list:
    body = _firing(event_label=event_label)
    alert = body["alerts"][0]
    alert["fingerprint"], alert["status"] = fingerprint, status
    return parse_alertmanager(body)


def test_bodies_applied_together_give_what_one_after_another_gives(source):
    """apply_bodies (the server's batch): a body resolving a key a later body raises
    starts a new run, so the resolve finds no task and the raise creates one, exactly
    as applying them one after another; a resend inside the batch counts once."""
    from tasktui.services.intake.signals import apply_bodies

    raised = apply_signals(source, _one("aaaa"))[0].task_ids
    outcomes = apply_bodies(
        source,
        [_one("bbbb", "resolved"), _one("bbbb"), _one("bbbb"), _one("aaaa", "resolved"), _one("cccc")],
    )
    assert [[r.outcome for r in o] for o in outcomes] == [
        ["no open task"],
        ["created"],
        ["repeated"],
        ["resolved"],
        ["created"],
    ]
    assert outcomes[3][0].task_ids == raised
    assert outcomes[1][0].task_ids == outcomes[2][0].task_ids
    assert {t.dedup_key: t.status for t in Task.select()} == {"aaaa": "done", "bbbb": "open", "cccc": "open"}
    assert IntakeSource.get(IntakeSource.name == "am").raises == 3
    assert IntakeSource.get(IntakeSource.name == "am").resolves == 1


def test_a_refused_body_among_others_writes_nothing_and_the_others_go_through(source, actor):
    """A body refused by the rules gets its error; its raises do not count on the
    tasks of the other bodies of the batch."""
    from tasktui.services.intake.generic import parse_json_signal
    from tasktui.services.intake.signals import apply_bodies

    add_source(actor, "scripts", "json", "alerts")
    scripts = get_source("scripts")
    good = parse_json_signal({"title": "shared", "dedup_key": "k"}, "alerts")
    refused = parse_json_signal({"title": "shared", "dedup_key": "k", "assignee": "nobody"}, "alerts")
    outcomes = apply_bodies(scripts, [[good], [refused], [good]])
    assert [o[0].outcome for o in (outcomes[0], outcomes[2])] == ["created", "deduplicated"]
    assert isinstance(outcomes[1], Exception) and "unknown user 'nobody'" in str(outcomes[1])
    (task,) = Task.select()
    assert task.occurrences == 2
    assert IntakeSource.get(IntakeSource.name == "scripts").raises == 2


def test_late_deliveries_of_an_earlier_episode_leave_the_later_one_alone(source, actor):
    """A flapping alert: episode 1 fires and resolves, episode 2 fires; then the other
    Alertmanager of an HA pair delivers episode 1's firing and resolve late. The firing
    does not count again, the resolve does not close episode 2's task (which would
    then stay done while the alert fires: its resends are repeats of a closed
    episode). Once episode 2 resolves, a late firing of episode 1 raises nothing."""
    one, two = "2026-12-01T19:04:42.601534047Z", "2026-12-01T20:00:00Z"

    def resolved(starts: str) -> dict:
        body = captured("alertmanager-0.25-resolved")
        body["alerts"][0]["startsAt"] = starts
        return body

    (first,) = apply_signals(source, parse_alertmanager(_firing(one)))
    assert apply_signals(source, parse_alertmanager(resolved(one)))[0].outcome == "resolved"
    (second,) = apply_signals(source, parse_alertmanager(_firing(two)))
    assert second.outcome == "created" and second.task_ids != first.task_ids
    (late_firing,) = apply_signals(source, parse_alertmanager(_firing(one)))
    assert (late_firing.outcome, late_firing.task_ids) == ("repeated", second.task_ids)
    (late_resolve,) = apply_signals(source, parse_alertmanager(resolved(one)))
    assert (late_resolve.outcome, late_resolve.task_ids) == ("earlier episode", [])
    task = Task.get_by_id(second.task_ids[0])
    assert (task.status, task.occurrences, task.episode) == ("open", 1, two)
    assert apply_signals(source, parse_alertmanager(resolved(two)))[0].outcome == "resolved"
    # episode 2's task is done now: a late episode 1 firing is older than what it counted
    (later_still,) = apply_signals(source, parse_alertmanager(_firing(one)))
    assert (later_still.outcome, later_still.task_ids) == ("repeated", second.task_ids)
    assert [(t.status, t.occurrences) for t in Task.select().order_by(Task.id)] == [("done", 1), ("done", 1)]
    # also after a person closed it: episode 1 is over whoever closed episode 2's task
    (third,) = apply_signals(source, parse_alertmanager(_firing("2026-12-01T21:00:00Z")))
    from tasktui.services.tasks.transitions import mark_done

    mark_done(actor, third.task_ids)
    (stale,) = apply_signals(source, parse_alertmanager(_firing(two)))
    assert (stale.outcome, stale.task_ids) == ("repeated", third.task_ids)
    assert Task.select().count() == 3
    assert IntakeSource.get(IntakeSource.name == "am").resolves == 2


def test_a_resolve_of_a_later_or_unparsable_episode_still_resolves(source):
    """Only a resolve of an episode that began before the task's is set aside: one of a
    later episode (its firing was never received) or without a readable time resolves."""
    (raised,) = apply_signals(source, parse_alertmanager(_firing("2026-12-01T19:00:00Z")))
    body = captured("alertmanager-0.25-resolved")
    body["alerts"][0]["startsAt"] = "2026-12-01T19:30:00Z"
    (later,) = apply_signals(source, parse_alertmanager(body))
    assert (later.outcome, later.task_ids) == ("resolved", raised.task_ids)
    (again,) = apply_signals(source, parse_alertmanager(_firing("2026-12-01T20:00:00Z")))
    assert again.outcome == "created"
    body["alerts"][0]["startsAt"] = "not a time"
    (odd,) = apply_signals(source, parse_alertmanager(body))
    assert (odd.outcome, odd.task_ids) == ("resolved", again.task_ids)
