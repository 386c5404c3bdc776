"""Delivering the outbox to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt

import pytest

from tasktui.errors import Invalid
from tasktui.models import OutboxMessage, utcnow
from tasktui.services.context import acting_user
from tasktui.services.mail import outbox as notify
from tasktui.services.mail.delivery import (
    MailServerUnreachable,
    MailSettingsRejected,
    MessageRejected,
    deliver_outbox,
    send_test_message,
)
from tasktui.services.tasks.raising import raise_task
from tests.email.conftest import (
    SMTP_PASSWORD,
    SMTP_USER,
    RecordingHandler,
    authenticating_kwargs,
    configure,
    make_server,
)


def states() -> dict[str, str]:
    return {m.recipient: m.state for m in OutboxMessage.select()}


@pytest.fixture
def script(team):
    return acting_user("script", "ops", register=True)


def test_delivers_each_message_once_with_the_content(script, smtp_server):
    configure(smtp_server)
    task = raise_task(script, "stock_diff", "Stock differs", description="Counted 7", link="https://x.example/1")
    report = deliver_outbox()
    assert len(report.sent) == 2 and report.stopped_by is None
    assert sorted(smtp_server.handler.recipients()) == ["alice@example.com", "bob@example.com"]
    received = smtp_server.handler.received[0].message
    assert received["Subject"] == "[tasktui] Difference in stock: Stock differs"
    assert received["From"] == "tasks@example.com"
    assert received["Message-ID"].startswith("<tasktui.outbox.")
    text = received.get_content()
    assert "Counted 7" in text and "https://x.example/1" in text and f"tasktui task show {task.task_id}" in text
    assert set(states().values()) == {"sent"}
    assert all(m.server_reply.startswith("250 OK queued as test-") for m in OutboxMessage.select())
    # a second run finds nothing to do
    assert deliver_outbox().sent == []
    assert len(smtp_server.handler.received) == 2


def test_a_long_message_goes_out_with_crlf_line_ends(script, smtp_server):
    """SMTP lines end in CRLF: a message sent with bare LFs is one "line" to the
    server, and aiosmtpd (like Postfix 3.9 and later) refuses it for good once it is
    longer than 1,000 bytes: a long description must still be delivered whole."""
    configure(smtp_server)
    description = "\n".join(f"line {i}: counted {i * 7} items" + " x" * (i % 40) for i in range(400))
    raise_task(script, "stock_diff", "Stock differs " + "é" * 150, description=description)
    report = deliver_outbox()
    assert len(report.sent) == 2 and report.failed == [] and report.stopped_by is None
    raw = smtp_server.handler.received[0].raw
    assert len(raw) > 10_000 and raw.count(b"\n") == raw.count(b"\r\n")  # no bare LF
    received = smtp_server.handler.received[0].message
    assert "\n".join("  " + line for line in description.splitlines()) in received.get_content()  # indented
    assert received["Subject"].endswith("é" * 10)


def test_server_down_then_up_is_retried_and_delivered_exactly_once(script):
    server = make_server()
    configure(server)  # configured, but nothing listens yet
    raise_task(script, "order_import_failed", "Import failed")
    start = utcnow()
    report = deliver_outbox(now=start)
    assert isinstance(report.stopped_by, MailServerUnreachable)
    assert "cannot connect to 127.0.0.1" in str(report.stopped_by)
    message = OutboxMessage.get()
    assert (message.state, message.attempts) == ("pending", 1)
    assert "cannot connect" in message.last_error
    assert message.next_attempt_at == start + dt.timedelta(seconds=60)
    # still down at the second attempt: the delay doubles
    assert deliver_outbox(now=start + dt.timedelta(seconds=61)).stopped_by is not None
    message = OutboxMessage.get()
    assert message.attempts == 2
    assert message.next_attempt_at == start + dt.timedelta(seconds=61 + 120)
    server.start()
    try:
        assert deliver_outbox(now=start + dt.timedelta(seconds=62)).sent == []  # not due yet
        report = deliver_outbox(now=start + dt.timedelta(seconds=200))
        assert len(report.sent) == 1
        assert deliver_outbox(now=start + dt.timedelta(hours=5)).sent == []
        assert server.handler.recipients() == ["bob@example.com"]
        assert OutboxMessage.get().state == "sent"
    finally:
        server.stop()


def test_after_the_attempt_limit_a_message_fails_and_is_listed(script):
    server = make_server()
    configure(server)
    raise_task(script, "order_import_failed", "never delivered")
    now = utcnow()
    for _ in range(notify.MAX_ATTEMPTS):
        now += dt.timedelta(hours=2)
        deliver_outbox(now=now)
    message = OutboxMessage.get()
    assert (message.state, message.attempts) == ("failed", notify.MAX_ATTEMPTS)
    failed = notify.list_outbox(["failed"])
    assert [e.id for e in failed] == [message.id] and "cannot connect" in failed[0].last_error
    # failed messages stay failed until requeued
    assert deliver_outbox(now=now + dt.timedelta(days=1)).sent == []
    assert notify.requeue(all_failed=True) == 1
    assert OutboxMessage.get().state == "pending" and OutboxMessage.get().attempts == 0


def test_permanent_refusal_fails_at_once_and_the_others_are_sent(script, smtp_server):
    smtp_server.handler.refuse["alice@example.com"] = "550 5.1.1 no such user"
    configure(smtp_server)
    raise_task(script, "stock_diff", "half delivered")
    report = deliver_outbox()
    assert len(report.failed) == 1 and len(report.sent) == 1 and report.stopped_by is None
    assert states() == {"alice@example.com": "failed", "bob@example.com": "sent"}
    failed = OutboxMessage.get(OutboxMessage.recipient == "alice@example.com")
    assert failed.attempts == 1 and "550 5.1.1 no such user" in failed.last_error


def test_temporary_refusal_is_retried(script, smtp_server):
    smtp_server.handler.refuse["bob@example.com"] = "450 4.2.1 mailbox busy"
    configure(smtp_server)
    raise_task(script, "order_import_failed", "later")
    now = utcnow()
    report = deliver_outbox(now=now)
    assert report.retry and report.stopped_by is None
    assert OutboxMessage.get().state == "pending" and "450 4.2.1" in OutboxMessage.get().last_error
    del smtp_server.handler.refuse["bob@example.com"]
    assert len(deliver_outbox(now=now + dt.timedelta(minutes=2)).sent) == 1


def test_starttls_with_a_self_made_certificate_and_login(script, certificate, monkeypatch):
    handler = RecordingHandler()
    server = make_server(
        handler,
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=authenticating_kwargs()["authenticator"],
    ).start()
    try:
        monkeypatch.setenv("TASKTUI_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
        configure(
            server,
            security="starttls",
            login=SMTP_USER,
            password_env="TASKTUI_TEST_SMTP_PASSWORD",
            ca_file=str(certificate.cert),
        )
        raise_task(script, "order_import_failed", "over TLS")
        assert len(deliver_outbox().sent) == 1
        assert handler.recipients() == ["bob@example.com"]
        # without trusting the certificate the connection is refused, nothing is lost
        configure(server, security="starttls", ca_file="")
        raise_task(script, "order_import_failed", "untrusted")
        report = deliver_outbox()
        assert isinstance(report.stopped_by, MailServerUnreachable)
        assert "CERTIFICATE_VERIFY_FAILED" in str(report.stopped_by)
        assert notify.outbox_counts()["pending"] == 1
    finally:
        server.stop()


def test_implicit_tls(script, certificate):
    handler = RecordingHandler()
    server = make_server(handler, ssl_context=certificate.server_context()).start()
    try:
        configure(server, security="tls", ca_file=str(certificate.cert))
        raise_task(script, "order_import_failed", "TLS from the start")
        assert len(deliver_outbox().sent) == 1 and handler.recipients() == ["bob@example.com"]
    finally:
        server.stop()


def test_login_failure_is_a_clear_error_and_loses_nothing(script, tmp_path):
    handler = RecordingHandler()
    server = make_server(handler, **authenticating_kwargs()).start()
    try:
        password_file = tmp_path / "smtp-password"
        password_file.write_text("wrong password\n")
        password_file.chmod(0o600)
        configure(server, login=SMTP_USER, password_file=str(password_file))
        raise_task(script, "order_import_failed", "needs a login")
        report = deliver_outbox()
        assert isinstance(report.stopped_by, MailSettingsRejected)
        assert str(report.stopped_by).startswith(f"login refused by 127.0.0.1:{server.port}: 535")
        message = OutboxMessage.get()
        assert message.state == "pending" and message.last_error.startswith("login refused")
        assert handler.received == []
        password_file.write_text(SMTP_PASSWORD + "\n")
        report = deliver_outbox(now=utcnow() + dt.timedelta(minutes=5))
        assert len(report.sent) == 1 and handler.recipients() == ["bob@example.com"]
    finally:
        server.stop()


def test_unreadable_password_source_claims_nothing(script, smtp_server, monkeypatch):
    monkeypatch.delenv("NO_SUCH_PASSWORD_VAR", raising=False)
    configure(smtp_server, login="x", password_env="NO_SUCH_PASSWORD_VAR")
    raise_task(script, "order_import_failed", "kept")
    with pytest.raises(Invalid, match="NO_SUCH_PASSWORD_VAR is not set"):
        deliver_outbox()
    message = OutboxMessage.get()
    assert (message.state, message.attempts) == ("pending", 0)


def test_a_stale_claim_is_taken_again_after_the_lease(script, smtp_server):
    """A sender killed after claiming leaves the message in `sending`; after the lease
    another sender takes it, and the dead sender's late report is ignored."""
    configure(smtp_server)
    raise_task(script, "order_import_failed", "orphaned")
    now = utcnow()
    claimed = notify.claim_next("dead-sender", now=now)
    assert claimed is not None and OutboxMessage.get().state == "sending"
    assert deliver_outbox(now=now + dt.timedelta(seconds=10)).sent == []  # lease still held
    report = deliver_outbox("new-sender", now=now + dt.timedelta(seconds=notify.LEASE_S + 1))
    assert report.sent == [claimed.id]
    assert not notify.mark_sent(claimed.id, "dead-sender", "250 late")
    assert OutboxMessage.get().claimed_by == "new-sender"
    assert smtp_server.handler.recipients() == ["bob@example.com"]


def test_send_test_message(team, smtp_server):
    configure(smtp_server)
    reply = send_test_message("someone@example.com")
    assert reply.startswith("250 OK queued as test-1")
    assert smtp_server.handler.received[0].message["Subject"] == "[tasktui] test message"


def test_send_test_message_errors(team, smtp_server):
    with pytest.raises(Invalid, match="not configured"):
        send_test_message("someone@example.com")
    configure(smtp_server)
    with pytest.raises(Invalid, match="not a valid address"):
        send_test_message("not an address")
    smtp_server.handler.refuse["nobody@example.com"] = "550 5.1.1 unknown"
    with pytest.raises(MessageRejected, match="550 5.1.1 unknown"):
        send_test_message("nobody@example.com")
    smtp_server.stop()
    with pytest.raises(MailServerUnreachable):
        send_test_message("someone@example.com")


def test_a_stopping_loop_claims_nothing_more(script, smtp_server):
    configure(smtp_server)
    raise_task(script, "stock_diff", "two messages")
    calls = []

    def stop_after_first() -> bool:
        calls.append(1)
        return len(calls) > 1

    report = deliver_outbox(should_stop=stop_after_first)
    assert len(report.sent) == 1
    assert notify.outbox_counts()["pending"] == 1
