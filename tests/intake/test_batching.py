"""The intake's batching: requests that arrive while the writer is busy are applied
together in one write transaction, each still answered on its own; the bounded
queue answers 503 when full; SIGTERM lets the queued requests finish. A real
`tasktui intake serve` on 127.0.0.1, real HTTP clients (aiohttp, urllib)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from collections import Counter

import pytest

from tests.intake.conftest import add_events, add_source, http, tasks

STARTS = "2026-12-01T10:00:00Z"
LATER = "2026-12-01T11:00:00Z"


def _body(fingerprint: str, status: str = "firing", starts: str = STARTS) -> dict:
    alert = {
        "status": status,
        "labels": {"alertname": "Batch", "instance": fingerprint},
        "annotations": {"summary": f"alert {fingerprint}"},
        "startsAt": starts,
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-12-01T12:00:00Z",
        "fingerprint": fingerprint,
    }
    return {"version": "4", "status": status, "receiver": "tasktui", "groupKey": "{}:{}", "alerts": [alert]}


async def _post_all(url: str, token: str, bodies: list[dict], connections: int) -> list[tuple[int, dict]]:
    """POST every body (each on one of `connections` connections), replies in order."""
    import aiohttp

    replies: list[tuple[int, dict] | None] = [None] * len(bodies)
    todo = iter(range(len(bodies)))
    headers = {"Authorization": f"Bearer {token}"}

    async def sender(session) -> None:
        for n in todo:
            async with session.post(url, json=bodies[n], headers=headers) as response:
                replies[n] = (response.status, await response.json())

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
        await asyncio.gather(*(sender(session) for _ in range(connections)))
    assert all(reply is not None for reply in replies)
    return [reply for reply in replies if reply is not None]


def _batches(log: str) -> list[int]:
    return [int(n) for n in re.findall(r" batch=(\d+)$", log, re.MULTILINE)]


def test_200_concurrent_requests_each_get_their_own_answer_and_exactly_the_right_tasks(cli, start_server):
    """200 one-alert bodies over 20 connections: 150 new fingerprints, 25 resends of one
    episode (counted once) and 25 new episodes of a fingerprint (counted twice); then
    50 concurrent resolves."""
    cli("init")
    add_events(cli, "alerts")
    token = add_source(cli, "am", "alertmanager", "alerts")
    server = start_server()
    url = server.url + "/intake/alertmanager"
    keys = [f"{n:016x}" for n in range(150)]
    bodies = [_body(k) for k in keys]
    bodies += [_body(k) for k in keys[:25]]  # the same episode again
    bodies += [_body(k, starts=LATER) for k in keys[25:50]]  # a new episode
    replies = asyncio.run(_post_all(url, token, bodies, connections=20))
    assert [status for status, _data in replies] == [200] * 200, replies
    by_key: dict[str, list[tuple[str, list[int]]]] = {}
    for body, (_status, data) in zip(bodies, replies):
        (result,) = data["results"]
        by_key.setdefault(body["alerts"][0]["fingerprint"], []).append((result["outcome"], result["task_ids"]))
    stored = {t["dedup_key"]: t for t in tasks(cli)}
    assert sorted(stored) == sorted(keys)
    for n, key in enumerate(keys):
        outcomes = sorted(outcome for outcome, _ids in by_key[key])
        expected = ["created"] if n >= 50 else ["created", "repeated"] if n < 25 else ["created", "deduplicated"]
        assert outcomes == expected, (key, by_key[key])
        assert {tuple(ids) for _o, ids in by_key[key]} == {(stored[key]["id"],)}
        assert stored[key]["occurrences"] == (2 if 25 <= n < 50 else 1) and stored[key]["status"] == "open"
    log = server.log()
    lines = [line for line in log.splitlines() if " POST /intake/alertmanager " in line]
    assert len(lines) == 200 and all(" 200 " in line and "source=am" in line for line in lines)
    batches = _batches(log)
    assert len(batches) == 200 and max(batches) > 1  # requests shared transactions

    resolves = [_body(k, status="resolved") for k in keys[100:]]
    replies = asyncio.run(_post_all(url, token, resolves, connections=20))
    assert [(status, data["results"][0]["outcome"]) for status, data in replies] == [(200, "resolved")] * 50
    after = {t["dedup_key"]: t["status"] for t in tasks(cli)}
    assert Counter(after.values()) == {"open": 100, "done": 50}
    assert all(after[k] == "done" for k in keys[100:])
    metrics = http(server.url + "/metrics", token=token).body.decode().splitlines()
    assert 'tasktui_intake_raises_total{source="am"} 175' in metrics  # 150 new + 25 new episodes
    assert 'tasktui_intake_resolves_total{source="am"} 50' in metrics


def _hold_write_lock(path, seconds: float, started: threading.Event) -> None:
    con = sqlite3.connect(path, isolation_level=None, timeout=30)
    con.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(seconds)
    con.execute("COMMIT")
    con.close()


def _send(server, path: str, body, token: str | None, replies: dict, name: str) -> threading.Thread:
    thread = threading.Thread(target=lambda: replies.__setitem__(name, server.post(path, body, token)))
    thread.start()
    return thread


@pytest.mark.sqlite_only  # holds SQLite's write lock with sqlite3, so the requests queue
def test_a_refused_request_in_a_batch_gets_its_own_error_and_the_others_go_through(cli, start_server):
    cli("init")
    add_events(cli, "alerts")
    am_token = add_source(cli, "am", "alertmanager", "alerts")
    json_token = add_source(cli, "scripts", "json", "alerts")
    server = start_server("--lock-wait", "20")
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(cli.db_path, 2.5, started))
    holder.start()
    started.wait(10)
    replies: dict = {}
    threads = [_send(server, "/intake/json", {"title": "first", "dedup_key": "first"}, json_token, replies, "first")]
    time.sleep(0.5)  # the first request is taken alone and waits for the lock; the rest queue behind it
    requests = {
        "json-1": ("/intake/json", {"title": "one", "dedup_key": "one"}, json_token),
        "refused": ("/intake/json", {"title": "nobody's", "dedup_key": "x", "assignee": "nobody"}, json_token),
        "json-2": ("/intake/json", {"title": "two", "dedup_key": "two"}, json_token),
        "bad-token": ("/intake/json", {"title": "stranger", "dedup_key": "s"}, "tt_wrong"),
        "bad-body": ("/intake/json", {"title": "odd", "status": "bogus"}, json_token),
        "am": ("/intake/alertmanager", _body("00000000000000aa"), am_token),
        "json-3": ("/intake/json", {"title": "three", "dedup_key": "three"}, json_token),
    }
    for name, (path, body, token) in requests.items():
        threads.append(_send(server, path, body, token, replies, name))
    for thread in threads:
        thread.join(60)
    holder.join()
    assert {name: reply.status for name, reply in replies.items()} == {
        "first": 200, "json-1": 200, "refused": 422, "json-2": 200, "bad-token": 401, "bad-body": 400, "am": 200,
        "json-3": 200,
    }  # fmt: skip
    assert "unknown user 'nobody'" in replies["refused"].json["message"]
    assert replies["bad-body"].json["message"] == "'status' must be 'firing' or 'resolved'"
    for name in ("first", "json-1", "json-2", "json-3"):
        assert replies[name].json["result"]["outcome"] == "created"
    assert replies["am"].json["results"][0]["outcome"] == "created"
    ids = {replies[name].json["result"]["task_ids"][0] for name in ("first", "json-1", "json-2", "json-3")}
    assert len(ids) == 4
    assert sorted(t["title"] for t in tasks(cli)) == ["alert 00000000000000aa", "first", "one", "three", "two"]
    assert max(_batches(server.log())) >= 5  # the queued ones shared one transaction


@pytest.mark.sqlite_only  # a trigger in the SQLite file, and SQLite's write lock held with sqlite3
def test_a_batch_that_fails_as_a_whole_is_applied_one_by_one(cli, start_server):
    """A request the database itself refuses (a trigger) fails the batch's transaction:
    its requests are applied again one by one, so only that one fails."""
    cli("init")
    add_events(cli, "alerts")
    token = add_source(cli, "scripts", "json", "alerts")
    con = sqlite3.connect(cli.db_path)
    con.execute(
        "CREATE TRIGGER test_refuse BEFORE INSERT ON task WHEN NEW.title = 'refused here' "
        "BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END"
    )
    con.commit()
    con.close()
    server = start_server("--lock-wait", "20")
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(cli.db_path, 2.0, started))
    holder.start()
    started.wait(10)
    replies: dict = {}
    threads = [_send(server, "/intake/json", {"title": "first", "dedup_key": "first"}, token, replies, "first")]
    time.sleep(0.5)
    for name in ("a", "b", "bad", "c"):
        title = "refused here" if name == "bad" else f"title {name}"
        threads.append(_send(server, "/intake/json", {"title": title, "dedup_key": name}, token, replies, name))
    for thread in threads:
        thread.join(60)
    holder.join()
    statuses = {name: reply.status for name, reply in replies.items()}
    assert statuses.pop("bad") not in (200, 500)
    assert statuses == {"first": 200, "a": 200, "b": 200, "c": 200}
    assert sorted(t["title"] for t in tasks(cli)) == ["first", "title a", "title b", "title c"]
    assert max(_batches(server.log())) == 4
    assert "Traceback" not in server.log()


@pytest.mark.sqlite_only  # holds SQLite's write lock with sqlite3, so the requests queue
def test_a_full_queue_is_503_with_retry_after_and_sigterm_finishes_the_queued_requests(cli, start_server):
    cli("init")
    add_events(cli, "alerts")
    token = add_source(cli, "am", "alertmanager", "alerts")
    server = start_server("--lock-wait", "20", "--max-queue", "2")
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(cli.db_path, 3.0, started))
    holder.start()
    started.wait(10)
    replies: dict = {}
    path = "/intake/alertmanager"
    threads = [_send(server, path, _body("0000000000000001"), token, replies, "writing")]
    time.sleep(0.5)  # taken by the writer, which waits for the lock
    threads += [_send(server, path, _body(f"000000000000000{n}"), token, replies, f"queued-{n}") for n in (2, 3)]
    time.sleep(0.5)  # both wait in the queue: it is full
    full = server.post(path, _body("0000000000000004"), token)
    assert full.status == 503 and full.headers.get("Retry-After") == "1"
    assert "busy" in full.json["message"] and "retry" in full.json["message"]
    assert server.post("/healthz", None).status == 200  # reads do not queue behind the writer
    assert server.terminate() == 0  # SIGTERM while one request writes and two wait
    for thread in threads:
        thread.join(60)
    holder.join()
    assert {name: reply.status for name, reply in replies.items()} == {"writing": 200, "queued-2": 200, "queued-3": 200}
    assert sorted(t["dedup_key"] for t in tasks(cli)) == ["0000000000000001", "0000000000000002", "0000000000000003"]
    log = server.log()
    assert re.search(r" POST /intake/alertmanager 503 .* source=-$", log, re.MULTILINE)
    assert "stopping (finishing the requests in flight)" in log and log.rstrip().endswith("stopped")
    retried = start_server().post(path, _body("0000000000000004"), token)  # the sender's retry goes through
    assert retried.status == 200 and retried.json["results"][0]["outcome"] == "created"


def test_the_batch_log_field_is_only_on_writes(cli, start_server):
    cli("init")
    add_events(cli, "alerts")
    token = add_source(cli, "am", "alertmanager", "alerts")
    server = start_server()
    assert server.post("/intake/alertmanager", _body("00000000000000bb"), token).status == 200
    assert server.post("/healthz", None).status == 200
    lines = server.log().splitlines()
    (write,) = [line for line in lines if " POST /intake/alertmanager " in line]
    health = [line for line in lines if " GET /healthz " in line]
    assert write.endswith("source=am batch=1") and health and not any("batch=" in line for line in health)
    assert token not in server.log()
