"""Refusals at the end of DATA and messages that cannot be built, against a real SMTP
server (aiosmtpd on 127.0.0.1): nothing refused is recorded as sent, and one bad
message never stops the ones after it (also in `notify --loop`)."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time

import pytest

from tasktui.models import OutboxMessage, utcnow
from tasktui.services import people
from tasktui.services.context import acting_user
from tasktui.services.mail import outbox as notify
from tasktui.services.mail.delivery import MessageRejected, deliver_outbox, send_test_message
from tasktui.services.tasks.raising import raise_task
from tests.email.conftest import configure

GREYLISTED = "451 4.7.1 greylisted, try again later"
SPAM = "554 5.7.1 message rejected as spam"


@pytest.fixture
def script(team):
    return acting_user("script", "ops", register=True)


def test_greylisting_at_the_end_of_data_is_retried_then_delivered_once(script, smtp_server):
    smtp_server.handler.data_answers = [GREYLISTED]
    configure(smtp_server)
    raise_task(script, "order_import_failed", "greylisted once")
    start = utcnow()
    report = deliver_outbox(now=start)
    assert (report.sent, len(report.retry), report.failed, report.stopped_by) == ([], 1, [], None)
    assert smtp_server.handler.received == []
    message = OutboxMessage.get()
    assert (message.state, message.attempts) == ("pending", 1)
    assert message.last_error == f"message refused at the end of DATA: {GREYLISTED}"
    assert message.next_attempt_at == start + dt.timedelta(seconds=notify.RETRY_BASE_S)
    assert deliver_outbox(now=start + dt.timedelta(seconds=30)).sent == []  # backoff: not due yet
    report = deliver_outbox(now=start + dt.timedelta(minutes=2))
    assert report.sent == [message.id]
    assert smtp_server.handler.recipients() == ["bob@example.com"]
    message = OutboxMessage.get()
    assert message.state == "sent" and message.server_reply.startswith("250 OK queued as test-1")


def test_a_permanent_refusal_at_the_end_of_data_fails_with_the_answer(script, smtp_server):
    smtp_server.handler.data_answers = [SPAM, SPAM]
    configure(smtp_server)
    raise_task(script, "stock_diff", "looks like spam")
    report = deliver_outbox()
    assert (report.sent, len(report.failed), report.retry) == ([], 2, [])
    assert smtp_server.handler.received == []
    failed = notify.list_outbox(["failed"])
    assert sorted(e.recipient for e in failed) == ["alice@example.com", "bob@example.com"]
    assert all(e.last_error == f"message refused at the end of DATA: {SPAM}" and e.sent_at is None for e in failed)
    assert notify.outbox_counts()["sent"] == 0
    assert deliver_outbox(now=utcnow() + dt.timedelta(days=1)).sent == []  # failed stays failed


def test_one_refused_message_among_accepted_ones(script, smtp_server):
    """The server refuses the second message of the run only: the first and third are
    sent on the same connection, the second is failed, none is dropped."""
    smtp_server.handler.data_answers = ["250 OK", SPAM]
    configure(smtp_server)
    for n in range(3):
        raise_task(script, "order_import_failed", f"import {n}")
    report = deliver_outbox()
    assert (len(report.sent), len(report.failed)) == (2, 1)
    by_title = {m.subject.rsplit(": ", 1)[1]: m.state for m in OutboxMessage.select()}
    assert by_title == {"import 0": "sent", "import 1": "failed", "import 2": "sent"}
    assert len(smtp_server.handler.received) == 2


def test_notify_counts_refusals_at_the_end_of_data(team, cli, smtp_server):
    configure(smtp_server)
    raise_task(acting_user("script", "ops", register=True), "stock_diff", "refused")
    smtp_server.handler.data_answers = [GREYLISTED, GREYLISTED]
    result = cli("notify")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "sent 0, to retry 2, failed 0"
    notify.requeue([m.id for m in OutboxMessage.select()])
    smtp_server.handler.data_answers = [SPAM, SPAM]
    result = cli("notify")
    assert result.exit_code == 1
    assert result.stdout.strip() == "sent 0, to retry 0, failed 2"
    assert result.stderr.startswith("tasktui: error: 2 messages failed for good (")
    assert result.stderr.count("\n") == 1 and "tasktui email outbox --failed" in result.stderr
    listed = json.loads(cli("email", "outbox", "--failed", "--format", "json").stdout)
    assert [m["state"] for m in listed] == ["failed", "failed"]
    assert all(SPAM in m["last_error"] for m in listed)
    assert smtp_server.handler.received == []


def test_email_test_exits_1_when_the_server_refuses_at_the_end_of_data(team, cli, smtp_server):
    configure(smtp_server)
    smtp_server.handler.data_answers = [SPAM, GREYLISTED]
    for answer in (SPAM, GREYLISTED):
        result = cli("email", "test", "me@example.com")
        assert result.exit_code == 1
        assert result.stderr == f"tasktui: error: message refused at the end of DATA: {answer}\n"
        assert result.stdout == ""
    with pytest.raises(MessageRejected) as refused:
        smtp_server.handler.data_answers = [SPAM]
        send_test_message("me@example.com")
    assert refused.value.permanent and refused.value.exit_code == 1
    assert smtp_server.handler.received == []


# --------------------------------------------------------------------------- poison messages


def test_line_breaks_in_a_subject_never_reach_a_header(script, cli, smtp_server):
    """A subject stored with CR, LF, a line separator and an escape (as `raise` wrote
    it before subjects were folded) is sent on one line, between good messages."""
    configure(smtp_server)
    for title in ("first", "second", "third"):
        raise_task(script, "order_import_failed", title)
    second = OutboxMessage.select().order_by(OutboxMessage.id)[1]
    OutboxMessage.update(subject="[tasktui] bad\r\ntitle\rwith\u2028breaks\x1b[31m").where(
        OutboxMessage.id == second.id
    ).execute()
    result = cli("notify")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "sent 3, to retry 0, failed 0"
    subjects = [m.message["Subject"] for m in smtp_server.handler.received]
    assert subjects == [
        "[tasktui] Order import failed: first",
        "[tasktui] bad title with breaks [31m",
        "[tasktui] Order import failed: third",
    ]
    raw = smtp_server.handler.received[1].message.as_bytes()
    assert b"\x1b" not in raw and b"\r" not in raw


def test_a_title_with_line_breaks_makes_a_one_line_subject(team):
    """The subject is folded when the message is written, so the outbox and the
    settings screen list it on one line too."""
    from tasktui.models import Event, Task

    event = Event.get(Event.identifier == "order_import_failed")
    task = Task(id=7, title="Order 1\r\nBcc: victim@example.com\x00", description="line 1\r\nline 2")
    rendered = notify.render_message(task, event, "en", None, None)
    assert rendered.subject == "[tasktui] Order import failed: Order 1 Bcc: victim@example.com"
    assert "line 1" in rendered.body and "line 2" in rendered.body


def _raise_with_poison(script) -> None:
    """Three tasks for bob; the middle one's message goes to an address that SMTP
    cannot carry (not ASCII: tasktui does not use SMTPUTF8), as a user's address may be."""
    raise_task(script, "order_import_failed", "good 1")
    people.edit_user("bob", email="jörg@exämple.com")
    raise_task(script, "order_import_failed", "poison")
    people.edit_user("bob", email="bob@example.com")
    raise_task(script, "order_import_failed", "good 2")


def test_a_message_that_cannot_be_sent_is_failed_and_the_run_goes_on(script, cli, smtp_server):
    configure(smtp_server)
    _raise_with_poison(script)
    result = cli.run("notify")
    assert result.exit_code == 1, result.stderr
    assert result.stdout.strip() == "sent 2, to retry 0, failed 1"
    assert result.stderr.startswith("tasktui: error: 1 message failed for good (") and result.stderr.count("\n") == 1
    assert [m.message["Subject"] for m in smtp_server.handler.received] == [
        "[tasktui] Order import failed: good 1",
        "[tasktui] Order import failed: good 2",
    ]
    poison = OutboxMessage.get(OutboxMessage.recipient == "jörg@exämple.com")
    assert (poison.state, poison.attempts, poison.claimed_at) == ("failed", 1, None)
    assert "is not ASCII" in poison.last_error
    # nothing is left claimed: the next run has nothing to do, even after the lease
    assert notify.outbox_counts() == {"pending": 0, "sending": 0, "sent": 2, "failed": 1}
    assert deliver_outbox(now=utcnow() + dt.timedelta(seconds=notify.LEASE_S + 1)).sent == []


def _wait_for(condition, timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_notify_loop_survives_a_poison_message(script, db_path, smtp_server):
    configure(smtp_server)
    _raise_with_poison(script)
    sender = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tasktui",
            "--db",
            str(db_path),
            "--register",
            "--user",
            "sender",
            "notify",
            "--loop",
            "--interval",
            "0.2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _wait_for(lambda: len(smtp_server.handler.received) == 2)
        assert _wait_for(lambda: notify.outbox_counts()["failed"] == 1)
        raise_task(script, "order_import_failed", "after the poison")
        assert _wait_for(lambda: len(smtp_server.handler.received) == 3), "the loop died on the poison message"
        assert sender.poll() is None
    finally:
        sender.send_signal(signal.SIGTERM)
        out, err = sender.communicate(timeout=30)
    assert sender.returncode == 0, err
    assert "sent 2, to retry 0, failed 1" in out and "notify: stopped" in out
    assert "1 message failed for good" in err and "Traceback" not in err
    assert notify.outbox_counts() == {"pending": 0, "sending": 0, "sent": 3, "failed": 1}
    assert smtp_server.handler.received[-1].message["Subject"] == "[tasktui] Order import failed: after the poison"
