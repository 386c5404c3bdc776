"""The notify section (issue 19): outbox throughput to a local json:// receiver with
one and with two `tasktui notify` processes, and the extra cost of a raise that
writes channel rows (fresh processes; the raise imports no apprise and writes its
channel rows with one multi-row insert)."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
import time
from typing import Any

from tests.bench.context import BenchContext
from tests.bench.seed import BENCH_USER, RAISE_EVENT

MESSAGES = 300
CHANNELS_ON_RAISE = 3


class _Counter(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    count = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with _Counter.lock:
            _Counter.count += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def _database_with_messages(ctx: BenchContext, name: str, port: int) -> Any:
    """A new database with one json:// channel and MESSAGES pending rows for it."""
    from tasktui import db as dbmod
    from tasktui.services.context import acting_user
    from tasktui.services.events.definitions import create_event
    from tasktui.services.mail.channels import add_channel
    from tasktui.services.tasks.raising import raise_task

    path = ctx.workdir / name
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    dbmod.open_database(path)
    actor = acting_user(BENCH_USER, BENCH_USER)
    create_event("bench_notify", "Bench notify", responsible_user=BENCH_USER)
    add_channel("bench", f"json://127.0.0.1:{port}/bench", store_in_db=True, events=["bench_notify"])
    for i in range(MESSAGES):
        raise_task(actor, "bench_notify", f"Bench message {i}")
    dbmod.close_database()
    return path


def throughput(ctx: BenchContext, port: int, senders: int) -> dict[str, Any]:
    """Messages per second delivered by `senders` notify processes started together."""
    path = _database_with_messages(ctx, f"notify-{senders}.db", port)
    _Counter.count = 0
    started = time.perf_counter()
    procs = [
        subprocess.Popen([str(ctx.tasktui), "--db", str(path), "notify", "-q"], env=ctx.env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(senders)
    ]  # fmt: skip
    errors = [p.communicate()[1].strip() for p in procs if p.wait() != 0]
    seconds = time.perf_counter() - started
    return {
        "senders": senders,
        "messages": MESSAGES,
        "received": _Counter.count,
        "wall_seconds": round(seconds, 3),
        "messages_per_second": round(_Counter.count / seconds, 1) if seconds else None,
        "errors": errors[:3],
    }


def raise_cost(ctx: BenchContext) -> dict[str, Any]:
    """`tasktui raise` on the small database without channels and with
    CHANNELS_ON_RAISE channels routed to the raised event."""
    from tasktui import db as dbmod
    from tasktui.services.mail.channels import add_channel

    with_channels = ctx.workdir / "raise-with-channels.db"
    shutil.copyfile(ctx.small_db_path, with_channels)
    dbmod.open_database(with_channels)
    for i in range(CHANNELS_ON_RAISE):
        add_channel(f"bench{i}", f"json://127.0.0.1:9/bench{i}", store_in_db=True, events=[RAISE_EVENT])
    dbmod.close_database()
    argv = ["raise", RAISE_EVENT, "--title", "bench raise"]
    figures = ctx.time_processes({
        "raise_without_channels": [ctx.tasktui, "--db", ctx.small_db_path, *argv],
        "raise_with_channels": [ctx.tasktui, "--db", with_channels, *argv],
    })  # fmt: skip
    figures["extra_ms"] = round(
        figures["raise_with_channels"]["median_ms"] - figures["raise_without_channels"]["median_ms"], 2
    )
    figures["channels"] = CHANNELS_ON_RAISE
    return figures


def run(ctx: BenchContext) -> dict[str, Any]:
    """Throughput with one and two senders, and the raise cost."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        return {
            "one_sender": throughput(ctx, port, 1),
            "two_senders": throughput(ctx, port, 2),
            "raise": raise_cost(ctx),
        }
    finally:
        server.shutdown()
        server.server_close()
