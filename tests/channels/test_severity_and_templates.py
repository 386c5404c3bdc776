"""Severity in every channel message (subject, body, tasktui's JSON, apprise's notify
type) and an event's own subject and body template, delivered to real HTTP receivers
on 127.0.0.1; hostile text in titles and templates never reaches a receiver raw."""

from __future__ import annotations

import datetime as dt

import pytest

from tasktui.errors import Invalid
from tasktui.models import AuditEntry, Event, NotifyChannel, OutboxMessage, Task
from tasktui.services.events.definitions import create_event, edit_event
from tasktui.services.mail.channel_delivery import deliver_channels
from tasktui.services.mail.channel_message import TaskFacts, raised_message
from tasktui.services.mail.channels import add_channel
from tasktui.services.mail.digest import latest_slot, run_digests
from tasktui.services.mail.escalation import add_rule, run_escalations
from tasktui.services.message_template import BODY, SUBJECT, TITLE_MAX, check_template
from tasktui.services.tasks.raising import raise_task
from tests.hostile_text import CSI, OSC0, OSC52, RLO, assert_no_raw

CRITICAL, HIGH, LOW = 4, 3, 1


def _channels(receiver):
    add_channel("json", receiver.url("json", "/json"), store_in_db=True, groups=["ops"])
    add_channel("hook", receiver.url("http", "/hook"), store_in_db=True, groups=["ops"])
    add_channel("ntfy", receiver.url("ntfy", "/topic") + "?image=no", store_in_db=True, groups=["ops"])


def _ntfy(receiver):
    (request,) = [r for r in receiver.accepted() if r.path.startswith("/topic") or b"topic" in r.body]
    return request


def test_severity_is_in_the_subject_body_json_and_notify_type_of_every_channel_kind(team, receiver):
    _channels(receiver)
    critical = raise_task(team, "disk_full", "/var on db1", severity=CRITICAL).task_id
    report = deliver_channels()
    assert len(report.sent) == 3 and not report.failed and not report.retry
    (as_json,) = receiver.accepted("/json")
    data = as_json.json()  # apprise's json://
    assert data["title"] == "[critical] Disk full: /var on db1"
    assert "\nSeverity: critical\n" in data["message"]
    assert data["type"] == "failure"  # apprise's notify type of a critical task
    (hook,) = receiver.accepted("/hook")
    payload = hook.json()  # tasktui's own JSON
    assert payload["version"] == 1 and payload["severity"] == "critical"
    assert payload["tasks"][0]["severity"] == "critical" and payload["tasks"][0]["id"] == critical
    assert payload["title"] == data["title"] and payload["message"] == data["message"]
    ntfy = _ntfy(receiver)
    assert b"[critical] Disk full: /var on db1" in ntfy.body or "[critical]" in ntfy.headers.get("X-Title", "")
    assert b"Severity: critical" in ntfy.body


@pytest.mark.parametrize(
    ("rank", "prefix", "kind"),
    [(HIGH, "[high]", "warning"), (2, "[tasktui]", "info"), (LOW, "[tasktui]", "info")],
)
def test_high_gets_its_prefix_and_warning_normal_and_low_keep_tasktui(team, receiver, rank, prefix, kind):
    add_channel("json", receiver.url("json", "/json"), store_in_db=True, groups=["ops"])
    raise_task(team, "disk_full", "Disk /tmp is full", severity=rank)
    deliver_channels()
    (request,) = receiver.accepted("/json")
    data = request.json()
    level = {HIGH: "high", 2: "normal", LOW: "low"}[rank]
    assert data["title"] == f"{prefix} Disk full: Disk /tmp is full"
    assert f"Severity: {level}" in data["message"] and data["type"] == kind


def test_the_event_default_severity_reaches_the_message(team, receiver):
    edit_event("disk_full", severity="high")
    add_channel("hook", receiver.url("http", "/hook"), store_in_db=True, groups=["ops"])
    raise_task(team, "disk_full", "Disk full again")
    deliver_channels()
    (hook,) = receiver.accepted("/hook")
    assert hook.json()["title"].startswith("[high] ") and hook.json()["severity"] == "high"


def test_escalation_and_digest_messages_say_the_severity(team, receiver):
    add_channel("oncall", receiver.url("http", "/oncall"), store_in_db=True)
    add_channel("quiet", receiver.url("http", "/quiet"), store_in_db=True, groups=["ops"], digest="daily 08:00")
    add_rule("15m", group="ops", via="oncall")
    task = raise_task(team, "disk_full", "Disk /var full", severity=CRITICAL).task_id
    raise_task(team, "disk_full", "Disk /tmp full", severity=LOW)
    start = Task.get_by_id(task).created_at
    assert (task, 1) in run_escalations(team, now=start + dt.timedelta(minutes=16))
    channel = NotifyChannel.get(NotifyChannel.name == "quiet")
    slot = latest_slot("08:00", start + dt.timedelta(days=1))
    assert run_digests(now=slot + dt.timedelta(minutes=1)) == [channel.name]
    # after the digest and the escalation both (a task raised in the 16 minutes before
    # 08:00 has its digest slot before its escalation)
    deliver_channels(now=max(slot, start + dt.timedelta(minutes=16)) + dt.timedelta(minutes=2))
    (escalated,) = [r.json() for r in receiver.accepted("/oncall") if r.json()["tasks"][0]["id"] == task]
    assert escalated["title"].startswith("[critical] ESCALATED after 15m: Disk full: Disk /var full")
    assert "Severity: critical" in escalated["message"] and escalated["severity"] == "critical"
    (digest,) = [r.json() for r in receiver.accepted("/quiet")]
    assert digest["kind"] == "digest" and digest["severity"] == "critical"  # the highest listed
    assert "(1 critical)" in digest["title"]
    assert f"#{task} [critical] Disk /var full" in digest["message"] and "[low] Disk /tmp full" in digest["message"]
    assert sorted(t["severity"] for t in digest["tasks"]) == ["critical", "low"]


def test_an_event_template_is_the_text_of_every_channel(team, receiver):
    edit_event(
        "disk_full",
        subject_template="{severity}: {title} ({event})",
        body_template="{title} on {event_name}\nseverity {severity}, group {group}, by {assignee}\n"
        "{description}\nlink {link}\n{show_hint} #{task_id} {{literal}}",
    )
    _channels(receiver)
    task = raise_task(team, "disk_full", "/var on db1", description="98% used\nsince 03:00", severity=HIGH).task_id
    deliver_channels()
    (as_json,) = receiver.accepted("/json")
    (hook,) = receiver.accepted("/hook")
    data, payload = as_json.json(), hook.json()
    assert data["title"] == payload["title"] == "high: /var on db1 (disk_full)"
    expected = (
        f"/var on db1 on Disk full\nseverity high, group ops, by unassigned\n98% used\nsince 03:00\n"
        f"link none\ntasktui task show {task} #{task} {{literal}}"
    )
    assert data["message"] == payload["message"] == expected
    assert payload["severity"] == "high" and data["type"] == "warning"
    assert b"/var on db1 on Disk full" in _ntfy(receiver).body
    # the other event keeps the default text
    add_channel("carol", receiver.url("http", "/carol"), store_in_db=True, users=["carol"])
    raise_task(team, "stock_diff", "Counts differ")
    deliver_channels()
    (other,) = receiver.accepted("/carol")
    assert other.json()["title"] == "[tasktui] Stock difference: Counts differ"


def test_only_a_body_template_keeps_the_default_subject_and_clearing_goes_back(team, receiver):
    edit_event("disk_full", body_template="just {title}")
    add_channel("hook", receiver.url("http", "/hook"), store_in_db=True, groups=["ops"])
    raise_task(team, "disk_full", "first", severity=CRITICAL)
    edit_event("disk_full", body_template="")
    assert Event.get(Event.identifier == "disk_full").body_template is None
    raise_task(team, "disk_full", "second")
    deliver_channels()
    first, second = [r.json() for r in receiver.accepted("/hook")]
    assert first["title"] == "[critical] Disk full: first" and first["message"] == "just first"
    assert second["message"].startswith("A new task was raised.") and "Severity: normal" in second["message"]


def test_hostile_titles_and_templates_never_reach_a_receiver_raw(team, receiver):
    hostile_template = f"{OSC52}[{{severity}}]{CSI} {{title}}\r\n{RLO}evil\nBcc: x@example.com"
    edit_event("disk_full", subject_template=hostile_template, body_template=f"{OSC0}{{title}}\n{RLO}{{description}}")
    stored = Event.get(Event.identifier == "disk_full")
    assert_no_raw(stored.subject_template, "stored subject template")
    assert_no_raw(stored.body_template, "stored body template")
    assert "\n" not in stored.subject_template
    add_channel("hook", receiver.url("http", "/hook"), store_in_db=True, groups=["ops"])
    add_channel("json", receiver.url("json", "/json"), store_in_db=True, groups=["ops"])
    title = f"Order {OSC52}1234{OSC0} failed {CSI}red\rover{RLO}txt.exe"
    raise_task(team, "disk_full", title, description=f"a {CSI}line\r\nb {OSC52}line{RLO}", severity=HIGH)
    deliver_channels()
    for request in receiver.accepted():
        data = request.json()
        assert_no_raw(data["title"], "subject")
        assert_no_raw(data["message"], "body")
        assert "\n" not in data["title"] and len(data["title"]) <= TITLE_MAX
    (hook,) = receiver.accepted("/hook")
    assert hook.json()["title"] == "[high] Order 1234 failed red overtxt.exe evil Bcc: x@example.com"


def test_a_rendered_subject_stays_one_capped_line_whatever_the_values():
    long_title = "x" * 600 + "\n\x1b[2Jsecond line\u2028third"
    facts = TaskFacts(7, long_title, "d\x1b]0;t\x07", "https://x\r\nSet-Cookie: a", "ev", f"Name{RLO}", None, None,
                      severity="critical")  # fmt: skip
    text = raised_message(facts, ("{title} {link} {event_name}", "{description}|{link}"))
    assert "\n" not in text.subject and "\u2028" not in text.subject and len(text.subject) == TITLE_MAX
    assert text.subject.endswith("…")
    assert_no_raw(text.subject, "subject")
    assert text.body == "d|https://x Set-Cookie: a"
    assert_no_raw(text.payload, "payload")


@pytest.mark.parametrize(
    ("template", "named"),
    [
        ("{titel}", "unknown placeholder {titel}"),
        ("{title", "expected '}'"),
        ("title}", "Single '}'"),
        ("{}", "unknown placeholder {}"),
        ("{0}", "unknown placeholder {0}"),
        ("{title.__class__}", "unknown placeholder {title.__class__}"),
        ("{title[0]}", "unknown placeholder {title[0]}"),
        ("{title!r}", "placeholder {title} takes no conversion"),
        ("{title:>999999}", "placeholder {title} takes no conversion or format"),
    ],
)
def test_a_bad_template_is_refused_when_saved(team, template, named):
    for which in (SUBJECT, BODY):
        with pytest.raises(Invalid, match=f"the {which} template: .*" + __import__("re").escape(named)):
            check_template(template, which)
    before = AuditEntry.select().count()
    with pytest.raises(Invalid):
        edit_event("disk_full", subject_template=template)
    with pytest.raises(Invalid):
        create_event("other", "Other", body_template=template)
    assert Event.get(Event.identifier == "disk_full").subject_template is None
    assert not Event.select().where(Event.identifier == "other").exists()
    assert AuditEntry.select().count() == before


def test_a_too_long_template_is_refused():
    with pytest.raises(Invalid, match="at most 250 characters"):
        check_template("x" * 251, SUBJECT)
    assert check_template("x" * 250, SUBJECT) == "x" * 250
    assert check_template("  ", SUBJECT) is None and check_template("", BODY) is None


def test_template_edits_are_in_the_audit_log(team):
    edit_event("disk_full", subject_template="{title}", actor=team)
    edit_event("disk_full", subject_template="{severity} {title}", actor=team)
    edit_event("disk_full", subject_template="", actor=team)
    entries = [
        (e.field, e.old, e.new)
        for e in AuditEntry.select().where((AuditEntry.entity == "event") & (AuditEntry.action == "edit"))
        .order_by(AuditEntry.id)
    ]  # fmt: skip
    assert entries == [
        ("subject_template", None, "{title}"),
        ("subject_template", "{title}", "{severity} {title}"),
        ("subject_template", "{severity} {title}", None),
    ]


def test_a_template_is_rendered_when_the_task_is_raised(team, receiver):
    """The outbox keeps the text a task was raised with (as the default text): a later
    edit of the template does not change the messages already written."""
    edit_event("disk_full", subject_template="old {title}")
    add_channel("hook", receiver.url("http", "/hook"), store_in_db=True, groups=["ops"])
    raise_task(team, "disk_full", "t")
    edit_event("disk_full", subject_template="new {title}")
    (row,) = OutboxMessage.select()
    assert row.subject == "old t"
