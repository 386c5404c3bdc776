"""A real Alertmanager 0.25 (`prometheus-alertmanager`, no cluster, 127.0.0.1, free
ports, group_wait 200 ms) posting to a real `tasktui intake serve`.

Skipped when Alertmanager is not installed, except under CI (`CI` set, as .ci/run
does), where its absence is a failure."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time

import pytest

from tests.conftest import require_or_skip
from tests.intake.conftest import add_events, add_source, free_port, http, tasks

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
pytestmark = [pytest.mark.slow]


@pytest.fixture(autouse=True)
def _alertmanager_installed() -> None:
    require_or_skip(BINARY is not None, "prometheus-alertmanager is not installed")


CONFIG = """
global:
  resolve_timeout: 5m
route:
  receiver: tasktui
  group_by: ['alertname']
  group_wait: 200ms
  group_interval: 500ms
  repeat_interval: 1h
  routes:
    - matchers: ['pd="yes"']
      receiver: tasktui-pagerduty
receivers:
  - name: tasktui
    webhook_configs:
      - url: {intake}/intake/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
  - name: tasktui-pagerduty
    pagerduty_configs:
      - routing_key: {pd_token}
        url: {intake}/v2/enqueue
        send_resolved: true
        severity: '{{{{ .CommonLabels.severity }}}}'
"""


class Alertmanager:
    def __init__(self, tmp_path, name: str, config: str) -> None:
        self.dir = tmp_path / name
        self.dir.mkdir()
        (self.dir / "alertmanager.yml").write_text(config)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(self.dir / "log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [BINARY, f"--config.file={self.dir / 'alertmanager.yml'}", f"--storage.path={self.dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address="],
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            try:
                if http(self.url + "/-/ready", timeout=1).status == 200:
                    break
            except OSError:
                pass
            assert self.proc.poll() is None and time.monotonic() < deadline, (self.dir / "log").read_text()
            time.sleep(0.05)

    def post_alerts(self, alerts: list[dict]) -> None:
        reply = http(self.url + "/api/v2/alerts", alerts)
        assert reply.status == 200, reply.body

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def alertmanagers(tmp_path):
    started: list[Alertmanager] = []

    def start(config: str) -> Alertmanager:
        am = Alertmanager(tmp_path, f"am{len(started)}", config)
        started.append(am)
        return am

    yield start
    for am in started:
        am.stop()


def wait_for(predicate, timeout: float = 20, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _now(offset: float = 0) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset)).isoformat().replace("+00:00", "Z")


def test_alertmanager_raises_resolves_and_two_instances_make_no_duplicate(cli, start_server, alertmanagers):
    cli("init")
    add_events(cli, "alerts", "disk_full", "replication")
    token = add_source(cli, "am", "alertmanager", "alerts")
    pd_token = add_source(cli, "pd", "pagerduty", "replication")
    server = start_server()
    config = CONFIG.format(intake=server.url, token=token, pd_token=pd_token)
    primary, secondary = alertmanagers(config), alertmanagers(config)
    starts = _now(-5)
    alert = {
        "labels": {
            "alertname": "DiskAlmostFull",
            "instance": "db1:9100",
            "severity": "critical",
            "tasktui_event": "disk_full",
        },
        "annotations": {"summary": "Disk / on db1 is 95% full", "runbook_url": "https://runbooks.example/disk"},
        "startsAt": starts,
        "generatorURL": "http://prometheus.example:9090/graph",
    }
    # Prometheus sends every alert to every Alertmanager of an HA pair, with the same startsAt.
    primary.post_alerts([alert])
    secondary.post_alerts([alert])
    wait_for(lambda: len(tasks(cli)) == 1, what="the task")
    wait_for(lambda: server.log().count("POST /intake/alertmanager 200") >= 2, what="both Alertmanagers")
    (task,) = tasks(cli)
    assert task["title"] == "Disk / on db1 is 95% full" and task["event"] == "disk_full"
    assert task["occurrences"] == 1 and task["status"] == "open"
    assert "severity = critical" in task["description"]
    resolved = {**alert, "endsAt": _now()}
    primary.post_alerts([resolved])
    secondary.post_alerts([resolved])
    wait_for(lambda: tasks(cli)[0]["status"] == "done", what="the resolve")
    wait_for(lambda: server.log().count("POST /intake/alertmanager 200") >= 4, what="both resolves")
    assert len(tasks(cli)) == 1
    assert "intake:am" in cli("task", "show", str(task["id"])).stdout

    # Alertmanager's own PagerDuty integration, pointed at /v2/enqueue.
    page = {
        "labels": {"alertname": "ReplicationLag", "instance": "db2", "pd": "yes", "severity": "critical"},
        "annotations": {"summary": "Replica db2 is 300s behind"},
        "startsAt": _now(-5),
    }
    primary.post_alerts([page])
    wait_for(lambda: len(tasks(cli, "--event", "replication")) == 1, what="the PagerDuty trigger")
    (paged,) = tasks(cli, "--event", "replication")
    assert paged["title"].startswith("[FIRING:1] ReplicationLag")
    primary.post_alerts([{**page, "endsAt": _now()}])
    wait_for(lambda: tasks(cli, "--event", "replication")[0]["status"] == "done", what="the PagerDuty resolve")
    assert "POST /v2/enqueue 202" in server.log()
    assert token not in server.log() and pd_token not in server.log()


@pytest.mark.sqlite_only  # holds SQLite's write lock with sqlite3
def test_alertmanager_retries_a_503_until_the_intake_answers(cli, start_server, alertmanagers, tmp_path):
    """The database is busy at first (503, nothing written): Alertmanager retries."""
    import sqlite3
    import threading

    cli("init")
    add_events(cli, "alerts")
    token = add_source(cli, "am", "alertmanager", "alerts")
    server = start_server("--lock-wait", "0.2")
    config = CONFIG.format(intake=server.url, token=token, pd_token="unused")
    held = threading.Event()

    def hold() -> None:
        con = sqlite3.connect(cli.db_path, isolation_level=None, timeout=30)
        con.execute("BEGIN IMMEDIATE")
        held.set()
        wait_for(lambda: "POST /intake/alertmanager 503" in server.log(), what="a 503")
        con.execute("COMMIT")
        con.close()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    am = alertmanagers(config)
    am.post_alerts([{"labels": {"alertname": "QueueStuck", "instance": "mq1"}, "startsAt": _now(-1)}])
    holder.join()
    wait_for(lambda: len(tasks(cli)) == 1, timeout=30, what="the retried delivery")
    assert tasks(cli)[0]["occurrences"] == 1
