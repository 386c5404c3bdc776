"""Intake test helpers: captured Alertmanager bodies, a real `tasktui intake serve`
subprocess on 127.0.0.1 and a free port, and a small HTTP client (urllib: the tests
speak HTTP as any sender does)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import Cli

CAPTURED = Path(__file__).parent / "bodies"


def captured(name: str) -> dict:
    """The JSON body of a captured request (tests/intake/bodies/NAME.json)."""
    return json.loads((CAPTURED / f"{name}.json").read_text(encoding="utf-8"))["json"]


def captured_names() -> list[str]:
    return sorted(p.stem for p in CAPTURED.glob("*.json"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)

    @property
    def json(self):
        return json.loads(self.body)


def http(
    url: str,
    data: bytes | dict | list | None = None,
    token: str | None = None,
    content_type: str = "application/json",
    method: str | None = None,
    timeout: float = 30,
) -> Reply:
    """One HTTP request; any status is a Reply (no exception for 4xx/5xx)."""
    body = json.dumps(data).encode() if isinstance(data, (dict, list)) else data
    request = urllib.request.Request(url, data=body, method=method or ("POST" if body is not None else "GET"))
    if body is not None:
        request.add_header("Content-Type", content_type)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.read(), dict(e.headers))


class IntakeServer:
    """A real `tasktui intake serve` process."""

    def __init__(self, cli: Cli, tmp_path: Path, *extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"intake-{self.port}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in terminate)
        env = {**os.environ, "TASKTUI_USER": cli.user}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tasktui", "--db", str(cli.db_path), "--register", "intake", "serve",
             "--listen", f"127.0.0.1:{self.port}", *extra],
            stdout=subprocess.DEVNULL, stderr=self._log, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the intake exited {self.proc.returncode}: {self.log()}")
            try:
                if http(self.url + "/healthz", timeout=2).status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the intake did not answer: {self.log()}")
            time.sleep(0.05)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def post(self, path: str, data, token: str | None = None, **kw) -> Reply:
        return http(self.url + path, data, token, **kw)

    def terminate(self, timeout: float = 40) -> int:
        """SIGTERM, then wait for the exit code (killed after `timeout`)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def start_server(cli, tmp_path):
    """Start intake servers for this test (stopped afterwards)."""
    servers: list[IntakeServer] = []

    def start(*extra: str) -> IntakeServer:
        server = IntakeServer(cli, tmp_path, *extra)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.terminate()


def add_events(cli: Cli, *identifiers: str) -> None:
    for identifier in identifiers:
        result = cli("event", "create", identifier, "--name", identifier.replace("_", " "))
        assert result.exit_code == 0, result.stderr


def add_source(cli: Cli, name: str, kind: str, event: str, *options: str) -> str:
    """Add a source; its token."""
    result = cli("intake", "source", "add", name, "--kind", kind, "--event", event, *options, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == name
    return data["token"]


@pytest.fixture
def am_setup(cli):
    """Events disk_full, alerts and backup_failed; an alertmanager source `am` with a route."""
    cli("init")
    add_events(cli, "disk_full", "alerts", "backup_failed")
    token = add_source(cli, "am", "alertmanager", "alerts", "--route", "job=backup:backup_failed")
    return token


def tasks(cli: Cli, *filters: str) -> list[dict]:
    result = cli("task", "list", "--status", "all", "--all", "--format", "json", *filters)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)
