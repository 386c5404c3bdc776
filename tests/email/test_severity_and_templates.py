"""Severity in the email (subject prefix, a Severity line, in both languages) and an
event's own template, delivered to a real SMTP server (aiosmtpd on 127.0.0.1); the same
template text as the channels get; hostile titles and templates stay out of headers."""

from __future__ import annotations

import pytest

from tasktui.models import OutboxMessage
from tasktui.services.context import acting_user, set_setting
from tasktui.services.events.definitions import edit_event
from tasktui.services.mail.channel_delivery import deliver_channels
from tasktui.services.mail.channels import add_channel
from tasktui.services.mail.delivery import deliver_outbox
from tasktui.services.tasks.raising import raise_task
from tests.channels.conftest import receiver  # noqa: F401  (the HTTP receiver fixture)
from tests.email.conftest import configure
from tests.hostile_text import CSI, OSC0, OSC52, RLO, assert_no_raw


@pytest.fixture
def script(team):
    return acting_user("script", "ops", register=True)


def _received(smtp_server, address):
    (message,) = [r.message for r in smtp_server.handler.received if address in r.message["To"]]
    return message


def test_a_critical_task_email_begins_with_its_severity_and_says_it(script, smtp_server):
    configure(smtp_server)
    bob = acting_user("bob", "ops", register=True)
    set_setting(bob, "lang", "de")
    raise_task(script, "stock_diff", "Stock differs", severity=4)
    report = deliver_outbox()
    assert len(report.sent) == 2
    english = _received(smtp_server, "alice@example.com")
    assert english["Subject"] == "[critical] Difference in stock: Stock differs"
    assert "\nSeverity: critical\n" in english.get_content()
    german = _received(smtp_server, "bob@example.com")
    assert german["Subject"] == "[critical] Bestandsdifferenz: Stock differs"
    assert "\nSchweregrad: critical\n" in german.get_content()


def test_normal_and_low_keep_the_tasktui_prefix_and_say_their_level(script, smtp_server):
    configure(smtp_server)
    raise_task(script, "order_import_failed", "Import failed", severity=1)
    deliver_outbox()
    message = _received(smtp_server, "bob@example.com")
    assert message["Subject"] == "[tasktui] Order import failed: Import failed"
    assert "Severity: low" in message.get_content()


def test_an_event_template_is_used_for_email_and_channels_alike(script, smtp_server, receiver):  # noqa: F811
    configure(smtp_server)
    edit_event(
        "order_import_failed",
        subject_template="[{severity}] {event}: {title}",
        body_template="{title}\nAssigned: {assignee} / {group}\n{description}\n{show_hint}",
    )
    add_channel("hook", receiver.url("http", "/hook"), store_in_db=True, users=["bob"])
    task = raise_task(script, "order_import_failed", "Order 7 failed", description="line 1\nline 2", severity=3)
    assert len(deliver_outbox().sent) == 1 and len(deliver_channels().sent) == 1
    message = _received(smtp_server, "bob@example.com")
    expected_body = f"Order 7 failed\nAssigned: Bob (bob) / none\nline 1\nline 2\ntasktui task show {task.task_id}"
    assert message["Subject"] == "[high] order_import_failed: Order 7 failed"
    assert message.get_content().replace("\r\n", "\n").strip() == expected_body
    (hook,) = receiver.accepted("/hook")
    assert hook.json()["title"] == message["Subject"]
    assert hook.json()["message"] == expected_body  # the same text for every carrier


def test_hostile_title_and_template_stay_out_of_the_headers(script, smtp_server):
    configure(smtp_server)
    edit_event("order_import_failed", subject_template=f"{OSC52}{{title}}\r\nBcc: evil@example.com{RLO}")
    title = f"Order {OSC52}1234{OSC0} failed {CSI}red{RLO}"
    raise_task(script, "order_import_failed", title)
    (row,) = OutboxMessage.select()
    assert "\n" not in row.subject and "\r" not in row.subject
    assert_no_raw(row.subject, "stored subject")
    assert len(deliver_outbox().sent) == 1
    message = _received(smtp_server, "bob@example.com")
    assert message["Bcc"] is None and smtp_server.handler.recipients() == ["bob@example.com"]
    assert message["Subject"] == "Order 1234 failed red Bcc: evil@example.com"
