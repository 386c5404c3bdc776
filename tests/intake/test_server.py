"""A real `tasktui intake serve` subprocess on 127.0.0.1: endpoints, tokens, status
codes, faults, the request log, SIGTERM, and the import boundaries."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from tests.intake.conftest import add_events, add_source, captured, http, tasks


def _count(cli) -> int:
    return len(tasks(cli))


def test_healthz_and_firing_resend_and_resolve(cli, am_setup, start_server):
    server = start_server()
    assert server.post("/healthz", None).status == 200
    firing = server.post("/intake/alertmanager", captured("alertmanager-0.25-firing"), am_setup)
    assert firing.status == 200, firing.body
    (result,) = firing.json["results"]
    assert result["outcome"] == "created" and result["event"] == "alerts"
    assert result["warning"] == (  # the tasktui_event label 'disk-full' is not an identifier
        "event 'disk-full' may only contain A-Z, a-z, 0-9 and _ (found '-'): raised as 'alerts'"
    )
    again = server.post("/intake/alertmanager", captured("alertmanager-0.25-firing"), am_setup)
    assert again.json["results"][0]["outcome"] == "repeated"
    (task,) = tasks(cli)
    assert task["occurrences"] == 1 and task["status"] == "open"
    resolved = server.post("/intake/alertmanager", captured("alertmanager-0.25-resolved"), am_setup)
    assert resolved.status == 200 and resolved.json["results"][0]["outcome"] == "resolved"
    (task,) = tasks(cli)
    assert task["status"] == "done"
    shown = cli("task", "show", str(task["id"]))
    assert "intake:am" in shown.stdout
    log = server.log()
    assert am_setup not in log
    requests = [line for line in log.splitlines() if " /intake/alertmanager " in line]
    assert len(requests) == 3 and all(" 200 " in line and "source=am" in line for line in requests)


def test_a_group_with_one_resolved_alert(cli, am_setup, start_server):
    server = start_server()
    assert server.post("/intake/alertmanager", captured("alertmanager-0.25-group-two-firing"), am_setup).status == 200
    reply = server.post("/intake/alertmanager", captured("alertmanager-0.25-group-one-resolved"), am_setup)
    assert [r["outcome"] for r in reply.json["results"]] == ["resolved", "repeated"]
    assert sorted(t["status"] for t in tasks(cli)) == ["done", "open"]


def test_without_a_valid_token_401_and_nothing_changes(cli, am_setup, start_server):
    json_token = add_source(cli, "scripts", "json", "alerts")
    server = start_server()
    body = captured("alertmanager-0.25-firing")
    for token in (None, "", "tt_wrong", am_setup + "x", json_token):
        reply = server.post("/intake/alertmanager", body, token)
        assert reply.status == 401, (token, reply.body)
        assert reply.json == {"status": "error", "message": "a valid token is required"}
    pd = server.post(
        "/v2/enqueue", {**captured("pagerduty-v2-from-alertmanager-0.25-trigger"), "routing_key": am_setup}
    )
    assert pd.status == 401
    assert server.post("/intake/json", {"title": "x"}, am_setup).status == 401
    assert server.post("/metrics", None).status == 401
    assert _count(cli) == 0
    assert am_setup not in server.log() and json_token not in server.log()


def _raw_request(server, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(data)
        return conn.recv(200)


def test_a_request_aiohttp_cannot_parse_is_one_redacted_log_line(cli, am_setup, start_server):
    """aiohttp logs a malformed request with its raw header or request line (a token
    in it) and a traceback: the log gets one line without the token instead."""
    server = start_server()
    header = f"Authorization: Bearer {am_setup}\x01\r\n"
    answer = _raw_request(
        server, f"POST /intake/alertmanager HTTP/1.1\r\nHost: x\r\n{header}Content-Length: 2\r\n\r\n{{}}".encode()
    )
    assert answer.split(b" ")[1] == b"400"
    _raw_request(server, f"POST /intake/alertmanager?token={am_setup} HTTP/1.1 junk\r\n\r\n".encode())
    time.sleep(0.3)
    log = server.log()
    assert am_setup not in log and am_setup[3:20] not in log, log
    assert "Traceback" not in log and "\x1b" not in log
    lines = [line for line in log.splitlines() if "aiohttp" in line]
    assert len(lines) == 2 and all("Error handling request" in line for line in lines), log
    assert "Bearer …" in lines[0] or "Authorization: …" in lines[0], lines[0]
    assert server.post("/intake/alertmanager", captured("alertmanager-0.25-firing"), am_setup).status == 200


def test_bad_input_400_415_413(cli, am_setup, start_server):
    server = start_server("--max-body", "2048")
    not_json = server.post("/intake/alertmanager", b"{not json", am_setup)
    assert not_json.status == 400 and "not valid JSON" in not_json.json["message"]
    shape = server.post("/intake/alertmanager", {"version": "4", "alerts": [{"status": "firing"}]}, am_setup)
    assert shape.status == 400 and shape.json["message"] == "alert 1: 'labels' must be an object of name: text"
    wrong_type = server.post("/intake/alertmanager", b"{}", am_setup, content_type="text/plain")
    assert wrong_type.status == 415
    big = server.post("/intake/alertmanager", b"[" + b" " * 4096 + b"]", am_setup)
    assert big.status == 413
    not_utf8 = server.post("/intake/alertmanager", b'{"a": "\xff"}', am_setup)
    assert not_utf8.status == 400 and "not UTF-8" in not_utf8.json["message"]
    assert server.post("/nowhere", b"{}", am_setup).status == 404
    assert _count(cli) == 0


def test_pagerduty_events_v2(cli, start_server):
    cli("init")
    add_events(cli, "pages")
    token = add_source(cli, "pd", "pagerduty", "pages")
    server = start_server()
    trigger = {**captured("pagerduty-v2-from-alertmanager-0.25-trigger"), "routing_key": token}
    reply = server.post("/v2/enqueue", trigger)
    key = trigger["dedup_key"]
    assert reply.status == 202 and reply.json == {"status": "success", "message": "Event processed", "dedup_key": key}
    ack = server.post("/v2/enqueue", {"routing_key": token, "event_action": "acknowledge", "dedup_key": key})
    assert ack.status == 202
    (task,) = tasks(cli)
    assert task["status"] == "open"
    assert task["acknowledged_by"] == "pd" and task["acknowledged_at"]  # the source's user is on it
    assert task["severity"] == "critical"  # payload.severity of the captured trigger
    resolve = {**captured("pagerduty-v2-from-alertmanager-0.25-resolve"), "routing_key": token}
    assert server.post("/v2/enqueue", resolve).status == 202
    assert tasks(cli)[0]["status"] == "done"
    bad = server.post("/v2/enqueue", {"routing_key": token, "event_action": "trigger", "payload": {}})
    assert bad.status == 400 and bad.json["status"] == "invalid event" and bad.json["errors"]
    no_key = server.post("/v2/enqueue", {**trigger, "dedup_key": None})
    assert no_key.status == 202 and len(no_key.json["dedup_key"]) == 32
    assert len(tasks(cli)) == 2


def test_a_lone_surrogate_is_a_replacement_character_and_a_key_twice_a_400(cli, am_setup, start_server):
    """ "\\ud800" is valid JSON but not text: it was a 500 that Alertmanager retries for
    ever; now the alert goes through with U+FFFD (as the cleaners do), on every endpoint."""
    token = add_source(cli, "scripts", "json", "alerts")
    pd_token = add_source(cli, "pd", "pagerduty", "alerts")
    server = start_server()
    am = (
        b'{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Sur\\ud800","x":"\\udfff"},'
        b'"annotations":{},"fingerprint":"sur2","startsAt":"2026-12-04T18:00:00Z"}],"externalURL":"http://a\\ud800"}'
    )
    reply = server.post("/intake/alertmanager", am, am_setup)
    assert reply.status == 200, reply.body
    generic = server.post("/intake/json", b'{"title": "sur \\ud800 x", "dedup_key": "k\\udc00"}', token)
    assert generic.status == 200, generic.body
    pd = (
        b'{"routing_key":"%s","event_action":"trigger","dedup_key":"sur\\ud800",'
        b'"payload":{"summary":"s\\ud800","source":"x","severity":"info"}}' % pd_token.encode()
    )
    assert server.post("/v2/enqueue", pd).status == 202
    titles = sorted(t["title"] for t in tasks(cli))
    assert len(titles) == 3 and "sur \ufffd x" in titles and all("\ufffd" in t for t in titles), titles
    twice = server.post("/intake/json", b'{"title": "a", "title": "b"}', token)
    assert twice.status == 400 and 'the key \\"title\\" is given twice' in twice.body.decode(), twice.body
    assert "Traceback" not in server.log() and " 500 " not in server.log()


def test_generic_json_raise_and_resolve(cli, start_server):
    cli("init")
    add_events(cli, "jobs", "nightly")
    token = add_source(cli, "scripts", "json", "jobs")
    server = start_server()
    raised = server.post(
        "/intake/json", {"title": "Sync failed", "dedup_key": "sync", "description": "x\x1b[2Jy"}, token
    )
    assert raised.status == 200 and raised.json["result"]["outcome"] == "created"
    named = server.post("/intake/json", {"event": "nightly", "title": "Nightly failed"}, token)
    assert named.json["result"]["event"] == "nightly"
    unknown = server.post("/intake/json", {"event": "gone", "title": "Still raised"}, token)
    assert unknown.status == 200 and unknown.json["result"]["event"] == "jobs"
    assert "unknown event 'gone'" in unknown.json["result"]["warning"]
    refused = server.post("/intake/json", {"title": "t", "assignee": "nobody"}, token)
    assert refused.status == 422 and "nobody" in refused.json["message"]
    time.sleep(0.2)
    assert " POST /intake/json 422 " in server.log() and [
        line for line in server.log().splitlines() if " 422 " in line and "source=scripts" in line
    ]  # a refused request of a known source names it in the request log
    bad = server.post("/intake/json", {"title": "t", "colour": 1}, token)
    assert bad.status == 400 and "unknown key 'colour'" in bad.json["message"]
    resolved = server.post("/intake/json", {"status": "resolved", "dedup_key": "sync"}, token)
    assert resolved.json["result"]["outcome"] == "resolved"
    by_title = {t["title"]: t for t in tasks(cli)}
    assert set(by_title) == {"Sync failed", "Nightly failed", "Still raised"}
    assert by_title["Sync failed"]["status"] == "done" and "\x1b" not in by_title["Sync failed"]["description"]


def _hold_write_lock(path, seconds: float, started: threading.Event) -> None:
    con = sqlite3.connect(path, isolation_level=None, timeout=30)
    con.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(seconds)
    con.execute("COMMIT")
    con.close()


@pytest.mark.sqlite_only  # holds SQLite's write lock with sqlite3
def test_database_busy_is_503_then_the_retry_goes_through(cli, am_setup, start_server):
    """SQLite: another process holds the write lock longer than --lock-wait."""
    server = start_server("--lock-wait", "0.3")
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(cli.db_path, 2.0, started))
    holder.start()
    started.wait(10)
    body = captured("alertmanager-0.25-retried-after-503")
    busy = server.post("/intake/alertmanager", body, am_setup)
    assert busy.status == 503 and busy.headers.get("Retry-After") == "1"
    assert "busy" in busy.json["message"]
    assert server.post("/healthz", None).status == 200  # reading still works under a writer (WAL)
    holder.join()
    assert _count(cli) == 0
    retried = server.post("/intake/alertmanager", body, am_setup)
    assert retried.status == 200 and retried.json["results"][0]["outcome"] == "created"
    replayed = server.post("/intake/alertmanager", body, am_setup)
    assert replayed.json["results"][0]["outcome"] == "repeated"
    assert len(tasks(cli)) == 1 and tasks(cli)[0]["occurrences"] == 1


@pytest.mark.sqlite_only  # removes the SQLite file
def test_healthz_503_when_the_database_is_gone(cli, am_setup, start_server):
    server = start_server()
    assert server.post("/healthz", None).status == 200
    with open(cli.db_path, "r+b") as f:  # the file is overwritten by something else: not a database any more
        f.write(b"not a database " * 4096)
    for wal in (cli.db_path.with_name(cli.db_path.name + "-wal"),):
        if wal.exists():
            wal.write_bytes(b"")
    reply = server.post("/healthz", None)
    assert reply.status == 503 and reply.body.startswith(b"database unavailable")
    write = server.post("/intake/alertmanager", captured("alertmanager-0.25-firing"), am_setup)
    assert write.status in (401, 503)  # the token cannot even be checked: never a 200, never a 500
    assert "Traceback" not in server.log()


@pytest.mark.sqlite_only  # holds SQLite's write lock with sqlite3
def test_sigterm_lets_the_request_in_flight_finish(cli, am_setup, start_server):
    server = start_server("--lock-wait", "10")
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(cli.db_path, 1.5, started))
    holder.start()
    started.wait(10)
    replies = []
    sender = threading.Thread(
        target=lambda: replies.append(
            server.post("/intake/alertmanager", captured("alertmanager-0.25-firing"), am_setup)
        )
    )
    sender.start()
    time.sleep(0.5)  # the request now waits for the lock
    assert server.terminate() == 0
    sender.join()
    holder.join()
    assert replies[0].status == 200 and replies[0].json["results"][0]["outcome"] == "created"
    assert len(tasks(cli)) == 1
    log = server.log()
    assert "stopping (finishing the requests in flight)" in log and log.rstrip().endswith("stopped")
    with pytest.raises(OSError):
        http(server.url + "/healthz", timeout=2)


def test_metrics(cli, am_setup, start_server):
    metrics_port = socket.socket()
    metrics_port.bind(("127.0.0.1", 0))
    port = metrics_port.getsockname()[1]
    metrics_port.close()
    server = start_server("--metrics-listen", f"127.0.0.1:{port}")
    server.post("/intake/alertmanager", captured("alertmanager-0.25-group-two-firing"), am_setup)
    server.post("/intake/alertmanager", captured("alertmanager-0.25-group-one-resolved"), am_setup)
    with_token = http(server.url + "/metrics", token=am_setup)
    assert with_token.status == 200 and with_token.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = with_token.body.decode()
    assert 'tasktui_open_tasks{event="alerts"} 1' in text.splitlines()
    assert 'tasktui_intake_raises_total{source="am"} 2' in text.splitlines()
    assert 'tasktui_intake_resolves_total{source="am"} 1' in text.splitlines()
    assert "tasktui_outbox_backlog 0" in text.splitlines()
    assert any(line.startswith("tasktui_oldest_open_task_age_seconds ") for line in text.splitlines())
    open_metrics = http(f"http://127.0.0.1:{port}/metrics")
    assert open_metrics.status == 200 and "tasktui_open_tasks" in open_metrics.body.decode()
    assert http(f"http://127.0.0.1:{port}/intake/alertmanager", b"{}").status in (404, 405)


def test_the_server_never_imports_textual():
    code = (
        "import sys; import tasktui.cli.intake, tasktui.intake.server, tasktui.services.intake.signals, "
        "tasktui.services.intake.alertmanager, tasktui.services.intake.pagerduty, tasktui.services.intake.generic, "
        "tasktui.services.intake.metrics; from tasktui.cli import app_for; app_for(['intake', 'serve']); "
        "assert 'aiohttp' in sys.modules; print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_server_binds_loopback_by_default():
    from tasktui.intake.listen import DEFAULT_LISTEN, parse_listen

    assert parse_listen(DEFAULT_LISTEN) == ("127.0.0.1", 8087)
    assert parse_listen(":9000") == ("127.0.0.1", 9000)
    assert parse_listen("[::1]:9000") == ("::1", 9000)


def test_serve_without_aiohttp_is_one_line_naming_the_extra(cli):
    code = (
        "import sys; sys.modules['aiohttp'] = None; from tasktui.cli import main; "
        f"sys.argv = ['tasktui', '--db', {str(cli.db_path)!r}, 'intake', 'serve']; main()"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        "tasktui: error: tasktui intake serve needs the optional extra 'intake' (aiohttp): "
        "pip install 'tasktui[intake]'"
    ]


def test_a_taken_address_is_one_error_line(cli):
    cli("init")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli.run("intake", "serve", "--listen", f"127.0.0.1:{port}", timeout=30)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(f"tasktui: error: cannot listen on 127.0.0.1:{port}")
    bad = cli.run("intake", "serve", "--listen", "nowhere")
    assert bad.exit_code == 2 and "must be HOST:PORT" in bad.stderr


def test_http_fuzz_never_500(cli, am_setup, start_server):
    """Mutated captured bodies over real HTTP: 200/202 or a 4xx naming the problem."""
    from hypothesis import HealthCheck, given, settings

    from tests.intake.test_parsers import mutated_bodies

    server = start_server()
    pd_token = add_source(cli, "pd", "pagerduty", "alerts")

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(mutated_bodies())
    def check(body):
        for path, token in (("/intake/alertmanager", am_setup), ("/v2/enqueue", None), ("/intake/json", am_setup)):
            data = {**body, "routing_key": pd_token} if path == "/v2/enqueue" and isinstance(body, dict) else body
            reply = server.post(path, json.dumps(data).encode(), token)
            assert reply.status in (200, 202, 400, 401, 422), (path, reply.status, reply.body)
            assert b"Traceback" not in reply.body

    check()
    assert "Traceback" not in server.log() and "internal error" not in server.log()
