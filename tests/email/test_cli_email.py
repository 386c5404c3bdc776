"""`tasktui email ...` and `tasktui notify`, in-process and as real processes."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from tasktui.models import OutboxMessage, utcnow
from tasktui.services.context import acting_user
from tasktui.services.mail import outbox as notify
from tasktui.services.mail.delivery import deliver_outbox
from tasktui.services.tasks.raising import raise_task
from tests.email.conftest import SMTP_USER, authenticating_kwargs, configure, make_server
from tests.hostile_text import OSC0, OSC52, RLO, assert_no_raw, assert_visible


def test_settings_set_show_and_the_password_is_never_stored(team, cli):
    result = cli(
        "email",
        "settings",
        "set",
        "--host",
        "smtp.example.com",
        "--security",
        "starttls",
        "--from",
        "tasks@example.com",
        "--login",
        "mailer",
        "--password-env",
        "SMTP_PASSWORD",
    )
    assert result.exit_code == 0, result.stderr
    assert "smtp.example.com:587 (starttls)" in result.stdout
    shown = json.loads(cli("email", "settings", "show", "--format", "json").stdout)
    assert shown["port"] == 587 and shown["password_env"] == "SMTP_PASSWORD"
    assert shown["password_source"] == "environment variable SMTP_PASSWORD"
    refused = cli("email", "settings", "set", "--password-env", "hunter2!")
    assert refused.exit_code == 2 and "never the password itself" in refused.stderr
    assert "hunter2" not in refused.stderr
    refused = cli("email", "settings", "set", "--password-file", "Tr0ub4dor&3")
    assert refused.exit_code == 2 and "absolute path" in refused.stderr
    assert cli("email", "settings", "set", "--security", "ssl").exit_code == 2
    assert cli("email", "settings", "set", "--port", "70000").exit_code == 2
    assert cli("email", "settings", "set", "--from", "not-an-address").exit_code == 2
    assert json.loads(cli("email", "settings", "show", "--format", "json").stdout)["password_env"] == "SMTP_PASSWORD"


def test_password_file_replaces_the_variable(team, cli, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("x")
    secret.chmod(0o644)
    result = cli("email", "settings", "set", "--password-file", str(secret))
    assert result.exit_code == 0 and "readable by others" in result.stderr
    shown = json.loads(cli("email", "settings", "show", "--format", "json").stdout)
    assert shown["password_file"] == str(secret) and shown["password_env"] is None
    assert cli("email", "settings", "set", "--no-password").exit_code == 0
    assert json.loads(cli("email", "settings", "show", "-f", "json").stdout)["password_file"] is None


def test_default_and_event_switches(team, cli):
    rows = json.loads(cli("email", "events", "--format", "json").stdout)
    assert {r["identifier"]: r["sends"] for r in rows} == {"order_import_failed": True, "stock_diff": True}
    result = cli("email", "event", "stock_diff", "on")
    assert result.exit_code == 0 and "no effect while the default is on" in result.stdout
    assert cli("email", "default", "off").exit_code == 0
    rows = json.loads(cli("email", "events", "--format", "json").stdout)
    assert {r["identifier"]: (r["switch"], r["sends"]) for r in rows} == {
        "order_import_failed": (None, False),
        "stock_diff": (True, True),
    }
    assert cli("email", "event", "stock_diff", "maybe").exit_code == 2
    assert cli("email", "event", "nope", "on").exit_code == 3
    table = cli("email", "events").stdout
    assert "stock_diff" in table and "SWITCH" in table


def test_notify_and_outbox_listing(team, cli, smtp_server):
    configure(smtp_server)
    raise_task(acting_user("script", "ops", register=True), "stock_diff", "to deliver")
    pending = json.loads(cli("email", "outbox", "--format", "json").stdout)
    assert [m["state"] for m in pending] == ["pending", "pending"]
    result = cli("notify")
    assert result.exit_code == 0 and result.stdout.strip() == "sent 2, to retry 0, failed 0"
    assert len(smtp_server.handler.received) == 2
    assert cli("notify", "--quiet").stdout == ""
    assert cli("email", "outbox", "--failed").stdout.strip().startswith("ID")


def test_notify_exit_codes_unreachable_and_login_refused(team, cli, monkeypatch):
    server = make_server(**authenticating_kwargs())
    configure(server)
    raise_task(acting_user("script", "ops", register=True), "order_import_failed", "waits")
    result = cli("notify")
    assert result.exit_code == 4
    assert result.stdout.strip() == "sent 0, to retry 1, failed 0"
    assert result.stderr.startswith("tasktui: error: cannot connect to 127.0.0.1:") and result.stderr.count("\n") == 1
    notify.requeue([OutboxMessage.get().id])
    server.start()
    try:
        monkeypatch.setenv("TEST_SMTP_PW", "wrong")
        configure(server, login=SMTP_USER, password_env="TEST_SMTP_PW")
        result = cli("notify")
        assert result.exit_code == 2 and "login refused" in result.stderr
        listed = json.loads(cli("email", "outbox", "--format", "json").stdout)
        assert listed[0]["state"] == "pending" and listed[0]["last_error"].startswith("login refused")
    finally:
        server.stop()


def test_email_test_command(team, cli, smtp_server):
    assert cli("email", "test", "me@example.com").exit_code == 2  # not configured
    configure(smtp_server)
    result = cli("email", "test", "me@example.com")
    assert result.exit_code == 0 and result.stdout.startswith("250 OK queued as test-1")
    smtp_server.stop()
    result = cli("email", "test", "me@example.com")
    assert result.exit_code == 4 and result.stderr.startswith("tasktui: error: cannot connect to 127.0.0.1:")


def test_email_test_draws_the_servers_answer_visibly(team, cli, smtp_server):
    configure(smtp_server)
    smtp_server.handler.data_answers = [f"250 queued {OSC0} {OSC52}{RLO} ok"]
    result = cli("email", "test", "me@example.com")
    assert result.exit_code == 0, result.stderr
    assert_visible(result.stdout, "email test", "␛]0;pwned␇", "␛]52;c;cHduZWQ=␇", "<U+202E>")


def test_an_address_with_control_or_invisible_characters_is_refused(team, cli):
    for address in (f"a{OSC0}@b.example", f"a{RLO}@b.example", "a\u200b@b.example"):
        refused = cli("email", "settings", "set", "--host", "smtp.example", "--from", address)
        assert refused.exit_code == 2 and "is not a valid address" in refused.stderr, refused.stderr
        assert_no_raw(refused.stderr, "settings set")
        assert cli("user", "add", "eve", "--email", address).exit_code == 2
    assert cli("email", "settings", "show", "--format", "json").exit_code == 0
    assert json.loads(cli("email", "settings", "show", "--format", "json").stdout)["from_address"] in ("", None)


def test_retry_command(team, cli):
    assert cli("email", "retry").exit_code == 2
    assert cli("email", "retry", "999").exit_code == 3


def test_raise_does_not_import_smtp(team, db_path, backend):
    """`tasktui raise` writes the outbox without loading smtplib or the email package
    (on PostgreSQL the driver itself imports ssl and the email package)."""
    from tasktui.services.mail.settings import update_settings

    watched = ("smtplib", "ssl", "email.message", "textual") if backend == "sqlite" else ("smtplib", "textual")

    update_settings(host="smtp.example.com", from_address="tasks@example.com")
    code = (
        "import sys; from typer.testing import CliRunner; from tasktui.cli import app; "
        f"r = CliRunner().invoke(app, ['--db', {str(db_path)!r}, 'raise', 'stock_diff', '-t', 'x']); "
        "assert r.exit_code == 0, r.output; "
        f"print(sorted(m for m in sys.modules if m in {watched!r}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert OutboxMessage.select().count() == 2


def _notify_process(db_path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tasktui", "--db", str(db_path), "--register", "--user", "sender", "notify", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_senders_at_once_never_send_a_message_twice(team, db_path, smtp_server):
    smtp_server.handler.delay_s = 0.02
    configure(smtp_server)
    script = acting_user("script", "ops", register=True)
    for n in range(40):
        raise_task(script, "order_import_failed", f"import {n} failed")
    senders = [_notify_process(db_path) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in senders]
    assert [p.returncode for p in senders] == [0, 0], outputs
    ids = [m.message["Message-ID"] for m in smtp_server.handler.received]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert notify.outbox_counts()["sent"] == 40
    sent_by_each = sorted(int(out.split()[1].rstrip(",")) for out, _ in outputs)
    assert sum(sent_by_each) == 40
    print("sent by each sender:", sent_by_each)


def test_a_sender_killed_mid_way_loses_nothing(team, db_path, smtp_server):
    handler = smtp_server.handler
    handler.hold = threading.Event()
    configure(smtp_server)
    script = acting_user("script", "ops", register=True)
    for n in range(3):
        raise_task(script, "order_import_failed", f"import {n} failed")
    sender = _notify_process(db_path)
    try:
        assert handler.in_data.wait(30), "the sender never reached DATA"
    finally:
        os.kill(sender.pid, signal.SIGKILL)
        sender.communicate(timeout=30)
    handler.hold.set()
    handler.hold = None
    stuck = OutboxMessage.get(OutboxMessage.state == "sending")
    assert notify.outbox_counts() == {"pending": 2, "sending": 1, "sent": 0, "failed": 0}
    # a new sender delivers the others at once, and the orphan after the lease
    second = _notify_process(db_path)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert out.strip() == "sent 2, to retry 0, failed 0"
    report = deliver_outbox(now=utcnow() + dt.timedelta(seconds=notify.LEASE_S + 1))
    assert report.sent == [stuck.id]
    assert notify.outbox_counts()["sent"] == 3
    subjects = sorted(m.message["Subject"] for m in handler.received)
    assert subjects == [f"[tasktui] Order import failed: import {n} failed" for n in range(3)]


@pytest.mark.parametrize("args", [["--interval", "0"], ["--limit", "0"]])
def test_notify_bad_options(team, cli, args):
    assert cli("notify", *args).exit_code == 2


def test_notify_loop_delivers_and_stops_on_sigterm(team, db_path, smtp_server):
    configure(smtp_server)
    raise_task(acting_user("script", "ops", register=True), "order_import_failed", "looped")
    sender = _notify_process(db_path, "--loop", "--interval", "0.2")
    try:
        deadline = utcnow() + dt.timedelta(seconds=30)
        while not smtp_server.handler.received and utcnow() < deadline:
            threading.Event().wait(0.05)
        raise_task(acting_user("script", "ops", register=True), "order_import_failed", "while looping")
        while len(smtp_server.handler.received) < 2 and utcnow() < deadline:
            threading.Event().wait(0.05)
    finally:
        sender.send_signal(signal.SIGTERM)
        out, err = sender.communicate(timeout=30)
    assert sender.returncode == 0, err
    assert len(smtp_server.handler.received) == 2
    assert "notify: stopped" in out
