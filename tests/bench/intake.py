"""The intake under load: N concurrent senders on 127.0.0.1 post one-alert and
50-alert Alertmanager bodies to a real `tasktui intake serve` (a fixed number of
requests each: bounded, it stops by itself); requests/s, alerts/s and p50/p99
latency. On SQLite (a new file on every run), and on PostgreSQL when
`TASKTUI_BENCH_POSTGRES` names a database URL or `--postgres` is given (then in a new
database beside the bench's copy, dropped at the end, so the copy's figures are not
changed by the intake's tasks). Also what one raise costs a sender: `curl` to the
running intake versus a `tasktui raise` process.

Targets (issue 14, not asserted: the benchmark prints figures): at least 500
alerts/s with SQLite on a 2-core machine, p99 at most 100 ms for a one-alert body
under 8 concurrent senders, and curl cheaper than `tasktui raise`."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import time
from pathlib import Path

from tests.bench.context import BenchContext

SENDERS = int(os.environ.get("TASKTUI_BENCH_INTAKE_SENDERS", "8"))
ONE_ALERT_REQUESTS = int(os.environ.get("TASKTUI_BENCH_INTAKE_REQUESTS", "2000"))
BIG_BODY_REQUESTS = max(1, ONE_ALERT_REQUESTS // 10)
BIG_BODY_ALERTS = 50


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _body(start: int, count: int) -> dict:
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": "BenchAlert", "instance": f"host{n}", "severity": "warning"},
            "annotations": {"summary": f"bench alert {n}", "description": "load test"},
            "startsAt": "2026-01-01T00:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example/graph",
            "fingerprint": f"{n:016x}",
        }
        for n in range(start, start + count)
    ]
    return {"receiver": "tasktui", "status": "firing", "alerts": alerts, "version": "4", "groupKey": "{}:{}"}


async def _load(url: str, token: str, requests: int, alerts_per_body: int, offset: int) -> dict:
    import aiohttp

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue = iter(range(requests))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def sender(session) -> None:
        for n in queue:
            data = json.dumps(_body(offset + n * alerts_per_body, alerts_per_body)).encode()
            started = time.perf_counter()
            async with session.post(url, data=data, headers=headers) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        await asyncio.gather(*(sender(session) for _ in range(SENDERS)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": requests,
        "alerts_per_body": alerts_per_body,
        "senders": SENDERS,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "requests_per_s": round(requests / elapsed, 1),
        "alerts_per_s": round(requests * alerts_per_body / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
    }


def _prepare(ctx: BenchContext, db: str) -> tuple[str, str]:
    """A database with the event and two sources; (alertmanager token, json token)."""

    def tasktui(*args: str) -> str:
        proc = subprocess.run([str(ctx.tasktui), "--db", db, *args], capture_output=True, text=True, env=ctx.env)
        if proc.returncode != 0:
            raise RuntimeError(f"tasktui {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    tasktui("init")
    shown = subprocess.run(
        [str(ctx.tasktui), "--db", db, "event", "show", "bench_intake"], capture_output=True, env=ctx.env
    )
    if shown.returncode != 0:  # a PostgreSQL database kept from an earlier run has it already
        tasktui("event", "create", "bench_intake", "--name", "Bench intake")
    stamp = str(time.time_ns())
    am = json.loads(tasktui("intake", "source", "add", f"bench-am-{stamp}", "--kind", "alertmanager",
                            "--event", "bench_intake", "--format", "json"))["token"]  # fmt: skip
    js = json.loads(tasktui("intake", "source", "add", f"bench-json-{stamp}", "--kind", "json",
                            "--event", "bench_intake", "--format", "json"))["token"]  # fmt: skip
    return am, js


def _serve(ctx: BenchContext, db: str, port: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(ctx.tasktui), "--db", db, "intake", "serve", "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=open(log, "w"), env=ctx.env,  # noqa: SIM115
    )  # fmt: skip
    deadline = time.monotonic() + 30
    import urllib.request

    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the intake did not start: {log.read_text()[-500:]}")
        time.sleep(0.05)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measured(proc: subprocess.Popen, url: str, token: str, requests: int, alerts: int, offset: int) -> dict:
    """The load's figures, with the intake's own CPU time per request (a figure that
    other work on the machine changes less than the wall times)."""
    before = _cpu_seconds(proc.pid)
    result = asyncio.run(_load(url, token, requests, alerts, offset))
    after = _cpu_seconds(proc.pid)
    if before is not None and after is not None:
        result["server_cpu_ms_per_request"] = round((after - before) * 1000 / requests, 3)
    return result


def _one_engine(ctx: BenchContext, db: str, name: str) -> dict:
    am_token, json_token = _prepare(ctx, db)
    port = _free_port()
    proc = _serve(ctx, db, port, ctx.workdir / f"intake-{name}.log")
    try:
        url = f"http://127.0.0.1:{port}/intake/alertmanager"
        offset = time.time_ns() % 10**12 * 1000  # fresh fingerprints: every alert creates a task
        result = {
            "one_alert": _measured(proc, url, am_token, ONE_ALERT_REQUESTS, 1, offset),
            "fifty_alerts": _measured(
                proc, url, am_token, BIG_BODY_REQUESTS, BIG_BODY_ALERTS, offset + 10 * ONE_ALERT_REQUESTS
            ),
        }
        curl = shutil.which("curl")
        if curl:
            body = json.dumps({"title": "bench raise over HTTP"})
            result["one_raise_ms"] = ctx.time_processes(
                {
                    "curl_to_intake": [curl, "-sf", "-o", "/dev/null", "-H", f"Authorization: Bearer {json_token}",
                                       "-H", "Content-Type: application/json", "--data", body,
                                       f"http://127.0.0.1:{port}/intake/json"],
                    "tasktui_raise": [ctx.tasktui, "--db", db, "raise", "bench_intake", "--title", "bench raise"],
                },
                repeat=min(ctx.repeat, 10),
            )  # fmt: skip
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    return result


def _sibling_database(url: str) -> tuple[str, str]:
    """A new, empty database on the server of `url`: (its URL, its name)."""
    import psycopg
    from psycopg import sql

    name = f"bench_intake_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}", name


def _drop_database(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run(ctx: BenchContext) -> dict:
    """The figures per engine (see the module docstring)."""
    sqlite = ctx.workdir / "intake-bench.db"
    for stale in (sqlite, sqlite.with_name(sqlite.name + "-wal"), sqlite.with_name(sqlite.name + "-shm")):
        stale.unlink(missing_ok=True)  # from empty on every run, also with a kept --workdir
    results = {"sqlite": _one_engine(ctx, str(sqlite), "sqlite")}
    postgres = os.environ.get("TASKTUI_BENCH_POSTGRES")
    if postgres:
        results["postgresql"] = _one_engine(ctx, postgres, "postgresql")
    elif ctx.postgres:
        url, name = _sibling_database(ctx.postgres)
        try:
            results["postgresql"] = _one_engine(ctx, url, "postgresql")
        finally:
            _drop_database(ctx.postgres, name)
    return results
