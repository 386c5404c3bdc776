"""Browser mode fixtures: a seeded database, `tasktui web` as a real subprocess on a
free 127.0.0.1 port, tokens, and (for the few browser tests) headless Chromium from
Debian's `chromium` package driven by Playwright (never `playwright install`)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import Cli, require_or_skip

CHROMIUM = Path(os.environ.get("TASKTUI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>78]")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 20) -> None:
    """Until something accepts on 127.0.0.1:`port` (fails when the process ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listened on port {port} after {timeout} s")


def children_of(pid: int) -> list[int]:
    """The ids of the processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True while `pid` is a process that has not ended (a zombie has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class WebServer:
    """A running `tasktui web`: its URL, process and log (stderr and stdout)."""

    port: int
    proc: subprocess.Popen
    log_path: Path
    cli: Cli
    args: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def token(self, login: str) -> dict:
        """A new token for `login`: {"id", "login", "token", "url"}."""
        result = self.cli("web", "token", "add", login, "--listen", f"127.0.0.1:{self.port}", "--format", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, then its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


def start_server(cli: Cli, log_path: Path, *args: str) -> WebServer:
    """`tasktui --db DB web --listen 127.0.0.1:PORT ARGS` as a subprocess, once it listens."""
    port = free_port()
    out = log_path.open("wb")
    env = {k: v for k, v in os.environ.items() if k not in ("TASKTUI_USER",)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tasktui", "--db", str(cli.db_path), "web", "--listen", f"127.0.0.1:{port}", *args],
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**env, "TZ": "UTC"},
        cwd=str(log_path.parent),
    )
    out.close()
    wait_for_port(port, proc)
    return WebServer(port, proc, log_path, cli, list(args))


@pytest.fixture
def world(cli: Cli) -> Cli:
    """Users alice and bob, an event and three open tasks."""
    assert cli("init").exit_code == 0
    assert cli("user", "add", "bob", "--name", "Bob B").exit_code == 0
    assert cli("event", "create", "disk_full", "--name", "Disk full").exit_code == 0
    for title in ("sda1 at 99%", "sdb2 at 97%", "sdc3 at 95%"):
        assert cli("raise", "disk_full", "--title", title).exit_code == 0
    return cli


@pytest.fixture
def server(world: Cli, tmp_path: Path) -> Iterator[WebServer]:
    """`tasktui web` on the seeded database, stopped (SIGTERM) afterwards."""
    running = start_server(world, tmp_path / "web.log", "--max-sessions", "2")
    yield running
    if running.proc.poll() is None:
        running.proc.send_signal(signal.SIGTERM)
        try:
            running.proc.wait(20)
        except subprocess.TimeoutExpired:
            running.proc.kill()


def session_cookie(server: WebServer, login: str = "alice") -> dict[str, str]:
    """A session cookie for `login`, as a browser gets it (token URL, then 303)."""
    import urllib.request

    token = server.token(login)["token"]

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"{server.url}/?token={token}")
    except urllib.error.HTTPError as e:
        assert e.code == 303, e.code
        cookie = e.headers["Set-Cookie"].split(";", 1)[0]
        name, _, value = cookie.partition("=")
        return {name: value}
    raise AssertionError("the token URL did not redirect")


# ------------------------------------------------------------------ the browser


def screen_text(frames: list[bytes]) -> str:
    """What the app sent so far, as text without escape sequences."""
    return ANSI.sub("", b"".join(frames).decode("utf-8", "replace"))


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's package) through Playwright; skipped when either is
    missing, a failure under CI (`require_or_skip`)."""
    require_or_skip(importlib.util.find_spec("playwright") is not None, "PyPI playwright is not installed")
    require_or_skip(CHROMIUM.exists(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Tab:
    """One browser tab on the server: the frames the app sent, the requests the page made."""

    def __init__(self, context, url: str) -> None:
        self.context = context
        self.page = context.new_page()
        self.frames: list[bytes] = []
        self.requests: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("websocket", self._socket)
        self.page.goto(url)

    def _socket(self, ws) -> None:
        ws.on("framereceived", lambda payload: self.frames.append(payload if isinstance(payload, bytes) else b""))

    def text(self) -> str:
        return screen_text(self.frames)

    def wait_for(self, needle: str, timeout: float = 30) -> None:
        """Until the app has drawn `needle` (fails with the screen so far)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"{needle!r} never appeared; the screen so far ends: {self.text()[-2000:]!r}")

    def press(self, key: str) -> None:
        self.page.focus(".xterm-helper-textarea")
        self.page.keyboard.press(key)
