"""A real HTTP receiver on 127.0.0.1 for the channel tests, and a small team.

`Receiver` answers every POST with the status its path asks for (`/code/503/...`),
records what it accepted, can stall (`/slow/...` sleeps longer than a sender waits)
and can hold every request until the test lets it go (`hold`)."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from dataclasses import dataclass, field

import pytest

from tasktui.services import people
from tasktui.services.events.definitions import create_event


@dataclass
class Request:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the server saw and how it behaves."""

    port: int = 0
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    hold: threading.Event | None = None
    in_request: threading.Event = field(default_factory=threading.Event)
    slow_s: float = 3.0
    codes: dict[str, list[int]] = field(default_factory=dict)  # path prefix -> answers, in order
    bodies: dict[str, bytes] = field(default_factory=dict)  # path prefix -> body of a 2xx answer

    def url(self, scheme: str, path: str) -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def accepted(self, prefix: str = "") -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path.startswith(prefix)]


def _handler(receiver: Receiver):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.in_request.set()
            if receiver.hold is not None:
                receiver.hold.wait(30)
            path = self.path
            if path.startswith("/slow"):
                time.sleep(receiver.slow_s)
            code = 200
            match = re.match(r"^/code/(\d{3})", path)
            if match:
                code = int(match.group(1))
            with receiver.lock:
                for prefix, answers in receiver.codes.items():
                    if path.startswith(prefix) and answers:
                        code = answers.pop(0)
                        break
                if 200 <= code < 300:
                    receiver.requests.append(Request(path, dict(self.headers), body))
            answer = b'{"ok": true}' if code < 300 else b'{"error": "no"}'
            if code < 300:
                answer = next((b for prefix, b in receiver.bodies.items() if path.startswith(prefix)), answer)
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def receiver():
    """A running receiver on 127.0.0.1 (stopped after the test)."""
    state = Receiver()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    if state.hold is not None:
        state.hold.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def team(actor):
    """Users bob (in ops) and carol (lead), group ops, events disk_full (for ops) and
    stock_diff (for carol)."""
    people.add_user("bob", "Bob", "bob@example.com")
    people.add_user("carol", "Carol", "carol@example.com")
    people.add_group("ops")
    people.add_member("ops", "bob")
    create_event("disk_full", "Disk full", responsible_group="ops")
    create_event("stock_diff", "Stock difference", responsible_user="carol")
    return actor
