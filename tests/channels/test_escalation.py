"""Escalation: each step sends one escalation per open task once its time has passed,
recorded in the history; done tasks, early runs and second senders send nothing."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from tasktui.errors import Invalid
from tasktui.models import EscalationRule, EscalationSent, OutboxMessage, Task, TaskHistory
from tasktui.services.mail.channel_delivery import deliver_channels
from tasktui.services.mail.channels import add_channel
from tasktui.services.mail.escalation import add_rule, list_rules, parse_after, run_escalations
from tasktui.services.tasks.raising import raise_task
from tasktui.services.tasks.transitions import mark_done


def _created(task_id: int) -> dt.datetime:
    return Task.get_by_id(task_id).created_at


def _escalations():
    return list(OutboxMessage.select().where(OutboxMessage.reason == "escalation").order_by(OutboxMessage.id))


@pytest.fixture
def oncall(team, receiver):
    add_channel("oncall", receiver.url("http", "/oncall"), store_in_db=True)  # no routes: escalations only
    add_channel("lead", receiver.url("json", "/lead"), store_in_db=True, users=["carol"])
    return team


def test_parse_after():
    assert [parse_after(t) for t in ("15m", "1h", "1h30m", "2d", "45")] == [15, 60, 90, 2880, 45]
    for bad in ("", "0m", "15s", "31d", "h", "-5"):
        with pytest.raises(Invalid):
            parse_after(bad)


def test_steps_escalate_once_each_at_their_time(oncall, receiver):
    add_rule("15m", group="ops", via="oncall")
    add_rule("1h", user="carol")  # no channel named: carol's channels (and email if configured)
    task = raise_task(oncall, "disk_full", "Disk full").task_id
    start = _created(task)
    assert run_escalations(oncall, now=start + dt.timedelta(minutes=14)) == []
    first = run_escalations(oncall, now=start + dt.timedelta(minutes=16))
    assert len(first) == 1
    assert run_escalations(oncall, now=start + dt.timedelta(minutes=30)) == []  # once
    assert len(run_escalations(oncall, now=start + dt.timedelta(minutes=61))) == 1
    assert run_escalations(oncall, now=start + dt.timedelta(hours=5)) == []
    rows = _escalations()
    assert [r.recipient for r in rows] == ["oncall", "lead"]
    assert "ESCALATED after 15m" in rows[0].subject and "escalated to group ops" in rows[0].body
    history = [
        h.new for h in TaskHistory.select().where((TaskHistory.task == task) & (TaskHistory.action == "escalated"))
    ]
    assert history == ["after 15m to group ops (channel oncall)", "after 1h to user carol (channel lead)"]
    deliver_channels(now=start + dt.timedelta(hours=6))
    assert len(receiver.accepted("/oncall")) == 1 and len(receiver.accepted("/lead")) == 1
    assert receiver.accepted("/oncall")[0].json()["kind"] == "escalation"


def test_done_tasks_and_other_events_do_not_escalate(oncall):
    add_rule("15m", group="ops", via="oncall", event="disk_full")
    done = raise_task(oncall, "disk_full", "Disk full").task_id
    other = raise_task(oncall, "stock_diff", "Counts differ").task_id
    mark_done(oncall, [done])
    assert run_escalations(oncall, now=_created(other) + dt.timedelta(hours=1)) == []


def test_an_event_rule_replaces_the_default_for_that_event(oncall):
    add_rule("15m", group="ops", via="oncall")  # default
    add_rule("30m", user="carol", event="stock_diff")
    disk = raise_task(oncall, "disk_full", "Disk full").task_id
    stock = raise_task(oncall, "stock_diff", "Counts differ").task_id
    done = run_escalations(oncall, now=_created(stock) + dt.timedelta(minutes=20))
    assert [t for t, _ in done] == [disk]
    done = run_escalations(oncall, now=_created(stock) + dt.timedelta(minutes=31))
    assert [t for t, _ in done] == [stock]
    assert [r.event for r in list_rules()] == ["stock_diff", "(default)"]


def test_a_new_rule_does_not_reach_back_to_old_tasks(oncall):
    old = raise_task(oncall, "disk_full", "Old").task_id
    Task.update(created_at=_created(old) - dt.timedelta(days=3)).where(Task.id == old).execute()
    add_rule("15m", group="ops", via="oncall")
    assert run_escalations(oncall, now=_created(old) + dt.timedelta(days=3, hours=1)) == []


def test_unreachable_target_is_still_recorded(team):
    add_rule("15m", group="ops")  # ops has no channel and email is not configured
    task = raise_task(team, "disk_full", "Disk full").task_id
    assert len(run_escalations(team, now=_created(task) + dt.timedelta(minutes=16))) == 1
    (entry,) = TaskHistory.select().where(TaskHistory.action == "escalated")
    assert "nobody reachable" in entry.new
    assert _escalations() == []


def test_two_notify_processes_escalate_once(oncall, db_path):
    add_rule("1m", group="ops", via="oncall")
    tasks = [raise_task(oncall, "disk_full", f"Disk {i}").task_id for i in range(5)]
    for t in tasks:  # raised two minutes ago, after the rule was made
        Task.update(created_at=_created(t) - dt.timedelta(minutes=2)).where(Task.id == t).execute()
    EscalationRule.update(created_at=_created(tasks[0]) - dt.timedelta(minutes=1)).execute()
    code = (
        "from typer.testing import CliRunner; from tasktui.cli import app; "
        f"r = CliRunner().invoke(app, ['--db', {str(db_path)!r}, '--user', 'alice', 'notify', '--timeout', '2']); "
        "print(r.exit_code, r.output)"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert EscalationSent.select().count() == 5
    assert len(_escalations()) == 5
    assert sum("escalated 5 tasks" in out for out in outputs) == 1, outputs
    assert sorted(r.task_id for r in _escalations()) == tasks


def test_acknowledged_and_snoozed_tasks_do_not_escalate_until_they_wake(oncall):
    """Issue 17: picked up is acknowledged (or done); a snoozed task does not escalate
    while it sleeps, and once its snooze ran out it is unacknowledged and escalates."""
    from tasktui.models import utcnow
    from tasktui.services.tasks.transitions import acknowledge, snooze

    add_rule("15m", group="ops", via="oncall")
    acked = raise_task(oncall, "disk_full", "Disk full").task_id
    sleeping = raise_task(oncall, "disk_full", "Disk fuller").task_id
    plain = raise_task(oncall, "disk_full", "Disk fullest").task_id
    acknowledge(oncall, [acked])
    wake = (utcnow() + dt.timedelta(hours=2)).replace(microsecond=0)
    acknowledge(oncall, [sleeping])
    snooze(oncall, [sleeping], wake)
    start = _created(plain)
    assert [t for t, _ in run_escalations(oncall, now=start + dt.timedelta(minutes=20))] == [plain]
    assert run_escalations(oncall, now=wake - dt.timedelta(minutes=1)) == []  # still asleep
    after = run_escalations(oncall, now=wake + dt.timedelta(minutes=1))
    assert [t for t, _ in after] == [sleeping]  # awake: no longer acknowledged, so it escalates
    assert Task.get_by_id(sleeping).snoozed_until is None and Task.get_by_id(sleeping).acknowledged_by_id is None
    woke = TaskHistory.select().where((TaskHistory.task == sleeping) & (TaskHistory.action == "woke"))
    assert [h.at for h in woke] == [wake]
    assert EscalationSent.select().where(EscalationSent.task == acked).count() == 0
