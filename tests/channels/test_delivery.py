"""One outbox for email and channels, delivered to real HTTP receivers on 127.0.0.1:
the rows a raise writes, json:// and ntfy:// through apprise, a plain webhook with
tasktui's JSON, and how 2xx, 408/429/5xx, timeouts and other 4xx are recorded."""

from __future__ import annotations

import datetime as dt
import json

from tasktui.models import OutboxMessage, utcnow
from tasktui.services.mail import outbox
from tasktui.services.mail.channel_delivery import deliver_channels
from tasktui.services.mail.channels import add_channel
from tasktui.services.tasks.raising import raise_task


def _channel(name, url, **routes):
    add_channel(name, url, store_in_db=True, **routes)


def _rows(**where):
    query = OutboxMessage.select().where(OutboxMessage.kind == "channel").order_by(OutboxMessage.id)
    return [m for m in query if all(getattr(m, k) == v for k, v in where.items())]


def test_a_raise_writes_one_row_per_channel_its_routes_call_for(team, receiver):
    _channel("ops-chat", receiver.url("json", "/ops"), groups=["ops"])
    _channel("bob-push", receiver.url("json", "/bob"), users=["bob"], groups=["ops"])
    _channel("stock", receiver.url("json", "/stock"), events=["stock_diff"])
    disk = raise_task(team, "disk_full", "Disk /var is full")
    stock = raise_task(team, "stock_diff", "Counts differ")
    assigned = raise_task(team, "disk_full", "Disk /tmp is full", assignee="bob")
    rows = _rows()
    by_task = {t: sorted(m.recipient for m in rows if m.task_id == t) for t in {m.task_id for m in rows}}
    assert by_task == {
        disk.task_id: ["bob-push", "ops-chat"],  # group ops: bob-push heard it once, not twice
        stock.task_id: ["stock"],
        assigned.task_id: ["bob-push", "ops-chat"],
    }
    assert all(m.state == "pending" and m.reason == "raised" for m in rows)


def test_a_task_nobody_routes_writes_no_channel_row(team, receiver):
    _channel("stock", receiver.url("json", "/stock"), events=["stock_diff"])
    raise_task(team, "disk_full", "Disk full")
    assert _rows() == []


def test_notify_delivers_json_ntfy_and_a_plain_webhook(team, receiver):
    _channel("json", receiver.url("json", "/json"), groups=["ops"])
    _channel("ntfy", receiver.url("ntfy", "/ops-topic") + "?image=no", groups=["ops"])
    _channel("hook", receiver.url("http", "/hook"), groups=["ops"])
    task = raise_task(team, "disk_full", "Disk /var is full", description="98% used", link="https://grafana/d/1")
    report = deliver_channels()
    assert len(report.sent) == 3 and not report.retry and not report.failed
    (as_json,) = receiver.accepted("/json")
    data = as_json.json()
    assert data["title"] == "[tasktui] Disk full: Disk /var is full"
    for expected in ("Disk /var is full", "98% used", "https://grafana/d/1", "Group: ops",
                     f"tasktui task show {task.task_id}", "Disk full (disk_full)"):  # fmt: skip
        assert expected in data["message"]
    (ntfy,) = [r for r in receiver.accepted() if b"ops-topic" in r.body or r.path.startswith("/ops-topic")]
    assert b"Disk /var is full" in ntfy.body, ntfy
    (hook,) = receiver.accepted("/hook")
    payload = hook.json()
    assert hook.headers["Content-Type"].startswith("application/json")
    assert payload["source"] == "tasktui" and payload["kind"] == "raised" and payload["version"] == 1
    assert payload["tasks"][0] == {
        "id": task.task_id, "title": "Disk /var is full", "severity": "normal", "event": "disk_full",
        "event_name": "Disk full", "status": "open", "link": "https://grafana/d/1", "assignee": None, "group": "ops",
        "show": f"tasktui task show {task.task_id}",
    }  # fmt: skip
    assert payload["message"] == data["message"]  # the same text for every channel
    sent = outbox.list_outbox(kind="channel")
    assert {e.state for e in sent} == {"sent"}
    assert any(e.server_reply and e.server_reply.startswith("HTTP 200") for e in sent)


def test_temporary_answers_retry_with_backoff_and_then_send(team, receiver):
    _channel("hook", receiver.url("http", "/flaky"), groups=["ops"])
    receiver.codes["/flaky"] = [503, 429, 408]
    raise_task(team, "disk_full", "Disk full")
    now = utcnow()
    delays = []
    for _ in range(3):
        report = deliver_channels(now=now)
        assert len(report.retry) == 1 and not report.sent
        (row,) = _rows()
        assert row.state == "pending"
        delays.append(row.next_attempt_at - now)
        assert deliver_channels(now=now).retry == []  # not due before its delay
        now = row.next_attempt_at
    assert delays == [dt.timedelta(minutes=1), dt.timedelta(minutes=2), dt.timedelta(minutes=4)]
    assert "HTTP 408" in _rows()[0].last_error
    report = deliver_channels(now=now)
    assert len(report.sent) == 1
    assert _rows()[0].state == "sent" and _rows()[0].attempts == 4


def test_other_4xx_fail_for_good_with_the_answer(team, receiver):
    _channel("gone", receiver.url("http", "/code/404"), groups=["ops"])
    _channel("bad", receiver.url("json", "/code/401"), groups=["ops"])
    raise_task(team, "disk_full", "Disk full")
    report = deliver_channels()
    assert len(report.failed) == 2 and not report.retry
    errors = {m.recipient: m.last_error for m in _rows()}
    assert errors["gone"].startswith("HTTP 404")
    assert "error=401" in errors["bad"]
    assert {m.state for m in _rows()} == {"failed"}


def test_apprise_503_retries(team, receiver):
    _channel("json", receiver.url("json", "/code/503"), groups=["ops"])
    raise_task(team, "disk_full", "Disk full")
    report = deliver_channels()
    assert len(report.retry) == 1
    assert "error=503" in _rows()[0].last_error


def test_timeouts_and_closed_ports_retry(team, receiver):
    receiver.slow_s = 2.5
    _channel("slow-hook", receiver.url("http", "/slow/hook"), groups=["ops"])
    _channel("slow-json", receiver.url("json", "/slow/json"), groups=["ops"])
    _channel("closed", "http://127.0.0.1:9/nothing", groups=["ops"])
    raise_task(team, "disk_full", "Disk full")
    report = deliver_channels(timeout=1)
    assert len(report.retry) == 3 and not report.sent and not report.failed
    errors = {m.recipient: m.last_error for m in _rows()}
    assert errors["slow-hook"] == "no answer within 1 s"
    assert errors["slow-json"].startswith("TIMEOUT")
    assert errors["closed"].startswith("cannot connect")


def test_message_text_is_neutralised(team, receiver):
    _channel("hook", receiver.url("http", "/hook"), groups=["ops"])
    raise_task(team, "disk_full", "Disk \x1b]52;c;ZXZpbA==\x07full\u202e\x9b31m", description="a\x1b[2Jb\r\nc\x00")
    deliver_channels()
    (hook,) = receiver.accepted("/hook")
    payload = hook.json()
    text = payload["title"] + payload["message"] + json.dumps(payload["tasks"], ensure_ascii=False)
    assert not any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in text)
    assert "Disk full" in payload["title"]


def test_a_failing_urls_secrets_stay_out_of_the_error(team, receiver):
    _channel("secret", receiver.url("json", "/code/503").replace("://", "://robot:hunter2-pass@"), groups=["ops"])
    _channel("tokened", receiver.url("http", "/code/500/Tok3nTok3nTok3nXYZ"), groups=["ops"])
    raise_task(team, "disk_full", "Disk full")
    deliver_channels()
    for m in _rows():
        assert "hunter2-pass" not in (m.last_error or "") and "Tok3nTok3nTok3nXYZ" not in (m.last_error or "")
        assert m.last_error


def test_a_removed_channel_fails_its_waiting_rows(team, receiver):
    from tasktui.services.mail.channels import remove_channel

    _channel("hook", receiver.url("http", "/hook"), groups=["ops"])
    raise_task(team, "disk_full", "Disk full")
    assert remove_channel("hook") == 1
    (row,) = _rows()
    assert row.state == "failed" and row.last_error == "channel hook was removed"
    assert deliver_channels().sent == []


def test_email_delivery_leaves_channel_rows_alone(team, receiver):
    from tasktui.services.mail.delivery import deliver_outbox

    _channel("hook", receiver.url("http", "/hook"), groups=["ops"])
    raise_task(team, "disk_full", "Disk full")
    assert deliver_outbox().sent == []  # no email settings needed: nothing of its kind is due
    assert _rows()[0].state == "pending"
