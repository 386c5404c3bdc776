"""The intake server: aiohttp handlers around the intake services.

- `POST /intake/alertmanager` (Alertmanager and Grafana webhooks, `Authorization:
  Bearer TOKEN`), `POST /v2/enqueue` (PagerDuty Events API v2, the token as
  `routing_key`, PagerDuty's reply shape), `POST /intake/json` (one `raise --batch`
  object, `Authorization: Bearer TOKEN`);
- `GET /healthz`: 200 when the database answers, else 503;
- `GET /metrics`: Prometheus text, with any source's token, or without a token on
  the separate `--metrics-listen` address.

Database work runs in one writer thread (SQLite has one writer at a time anyway;
requests queue here instead of in the lock), and health and metrics in a reader
thread, so a busy writer never makes /healthz wait. Every body is handled in one
transaction: a body is written whole or not at all, so a 503 (database busy or down)
can be retried by the sender, and a replayed body finds its tasks already there.

Status codes: 200/202 done, 400 not JSON or not the shape (the problem named), 401
no valid token, 413 body over the limit, 415 not `application/json`, 422 refused by
the rules (e.g. the source's default event was made obsolete), 503 database busy or
unavailable (`Retry-After`), 500 a bug (one line in the log, never a traceback in a
reply). One line per request goes to stderr; no token or body is ever logged.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import peewee as pw
from aiohttp import web

from tasktui.errors import Invalid, NotFound, Refused, TaskTuiError, Unavailable
from tasktui.limits import MAX_INTAKE_BODY
from tasktui.services.intake.sources import Unauthorized

#: The default limit of a request body.
MAX_BODY = MAX_INTAKE_BODY
#: How long a write waits for another process's lock before the reply is 503.
LOCK_WAIT_S = 5.0
#: How long /healthz waits for the database.
HEALTH_TIMEOUT_S = 5.0
#: How long in-flight requests may take to finish after SIGTERM.
SHUTDOWN_TIMEOUT_S = 30.0

SOURCE_KEY: web.AppKey[str] = web.AppKey("source", str)
JSON_TYPES = ("application/json",)


def log_line(text: str) -> None:
    """One line on stderr (never raises: a closed stderr must not fail a request)."""
    try:
        print(text, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


class Failure(Exception):
    """A reply other than success: HTTP `status` and the one-line `message`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def failure_of(error: BaseException) -> Failure:
    """The reply for an error raised while handling a body."""
    if isinstance(error, Failure):
        return error
    if isinstance(error, Unauthorized):
        return Failure(401, str(error))
    if isinstance(error, Unavailable):
        return Failure(503, str(error))
    if isinstance(error, Invalid):
        return Failure(400, str(error))
    if isinstance(error, (NotFound, Refused, TaskTuiError)):
        return Failure(422, str(error))
    if isinstance(error, pw.DatabaseError | pw.InterfaceError):
        from tasktui.db import database_error_message

        return Failure(503, database_error_message(error) or f"database is unusable: {error}")
    from tasktui.db import driver_error_message

    message = driver_error_message(error)
    if message is not None:
        return Failure(503, message)
    return Failure(500, f"internal error: {type(error).__name__}")


class Intake:
    """The server's state: the database threads and the limits."""

    def __init__(self, max_body: int = MAX_BODY, lock_wait: float = LOCK_WAIT_S) -> None:
        self.max_body = max_body
        self.lock_wait = lock_wait
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="intake-write")
        self.reader = ThreadPoolExecutor(1, thread_name_prefix="intake-read")

    async def write(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run `fn(*args)` in the writer thread."""
        return await asyncio.get_running_loop().run_in_executor(self.writer, fn, *args)

    async def read(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run `fn(*args)` in the reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self.reader, fn, *args)

    def close(self) -> None:
        """Wait for the database work in progress, then stop the threads."""
        for pool in (self.writer, self.reader):
            pool.submit(_close_connection).result()
            pool.shutdown(wait=True)

    # ------------------------------------------------------------ request bodies

    async def body(self, request: web.Request) -> Any:
        """The request's JSON body, read bounded; Failure 415, 413 or 400."""
        if request.content_type not in JSON_TYPES:
            raise Failure(415, f"the body must be application/json, not {request.content_type[:60]!r}")
        if request.content_length is not None and request.content_length > self.max_body:
            raise Failure(413, f"the body is larger than {self.max_body:,} bytes")
        data = bytearray()
        while True:
            chunk = await request.content.read(64 * 1024)
            if not chunk:
                break
            data += chunk
            if len(data) > self.max_body:
                raise Failure(413, f"the body is larger than {self.max_body:,} bytes")
        return decode_json(bytes(data))


def decode_json(data: bytes) -> Any:
    """A body as JSON, or Failure 400 saying why not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Failure(400, f"the body is not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise Failure(400, f"the body is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except (ValueError, RecursionError):
        raise Failure(400, "the body is not valid JSON (nested too deeply or a number too long)") from None


def bearer_token(request: web.Request) -> str | None:
    """The token of `Authorization: Bearer TOKEN`, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _close_connection() -> None:
    from tasktui.models import database_proxy

    if database_proxy.obj is not None:
        database_proxy.close()


# ---------------------------------------------------------------- the work (threads)


def _alertmanager(token: str | None, body: Any) -> tuple[str, dict]:
    from tasktui.services.intake.alertmanager import parse_alertmanager
    from tasktui.services.intake.signals import apply_signals
    from tasktui.services.intake.sources import authenticate

    source = authenticate(token, ["alertmanager"])
    signals = parse_alertmanager(body)
    results = apply_signals(source, signals)
    return source.name, {"status": "ok", "results": [r.as_dict() for r in results]}


def _pagerduty(body: Any) -> tuple[str, dict]:
    from tasktui.services.intake.pagerduty import parse_pagerduty, reply, routing_key
    from tasktui.services.intake.signals import apply_signals
    from tasktui.services.intake.sources import authenticate

    source = authenticate(routing_key(body), ["pagerduty"])
    signal_ = parse_pagerduty(body)
    (result,) = apply_signals(source, [signal_])
    message = "Event processed" if not result.warning else f"Event processed ({result.warning})"
    return source.name, reply(signal_.dedup_key, message)


def _generic(token: str | None, body: Any) -> tuple[str, dict]:
    from tasktui.services.intake.generic import parse_json_signal
    from tasktui.services.intake.signals import apply_signals
    from tasktui.services.intake.sources import authenticate

    source = authenticate(token, ["json"])
    (result,) = apply_signals(source, [parse_json_signal(body, source.default_event)])
    return source.name, {"status": "ok", "result": result.as_dict()}


def _metrics(token: str | None, protected: bool) -> str:
    from tasktui.models import INTAKE_KINDS
    from tasktui.services.intake.metrics import metrics_text
    from tasktui.services.intake.sources import authenticate

    if protected:
        authenticate(token, INTAKE_KINDS)
    return metrics_text()


# ---------------------------------------------------------------- handlers


def _reply(status: int, data: dict) -> web.Response:
    return web.json_response(data, status=status, headers={"Retry-After": "1"} if status == 503 else None)


def _failure_reply(request: web.Request, failure: Failure, pagerduty: bool = False) -> web.Response:
    request[SOURCE_KEY] = request.get(SOURCE_KEY, "-")
    if failure.status == 500:
        log_line(f"intake: {failure.message} on {request.method} {request.path}")
    if pagerduty and failure.status == 400:
        from tasktui.services.intake.pagerduty import error_reply

        return _reply(400, error_reply(failure.message))
    status_word = "invalid event" if pagerduty and failure.status == 400 else "error"
    return _reply(failure.status, {"status": status_word, "message": failure.message})


def make_app(intake: Intake, *, metrics_open: bool = False) -> web.Application:
    """The intake's application. `metrics_open`: this app serves only /metrics and
    /healthz, without a token (the separate metrics address)."""
    app = web.Application(middlewares=[_logging], client_max_size=intake.max_body)

    async def handle(request: web.Request, work: Callable[[Any], Awaitable[tuple[str, dict]]], pd: bool = False):
        try:
            body = await intake.body(request)
            source, data = await work(body)
        except Exception as e:  # every error becomes a reply, never a traceback
            if os.environ.get("TASKTUI_DEBUG"):
                traceback.print_exc()
            return _failure_reply(request, failure_of(e), pagerduty=pd)
        request[SOURCE_KEY] = source
        return _reply(202 if pd else 200, data)

    async def alertmanager(request: web.Request) -> web.Response:
        token = bearer_token(request)
        return await handle(request, lambda body: intake.write(_alertmanager, token, body))

    async def pagerduty(request: web.Request) -> web.Response:
        return await handle(request, lambda body: intake.write(_pagerduty, body), pd=True)

    async def generic(request: web.Request) -> web.Response:
        token = bearer_token(request)
        return await handle(request, lambda body: intake.write(_generic, token, body))

    async def healthz(request: web.Request) -> web.Response:
        from tasktui.services.intake.metrics import database_answers

        try:
            await asyncio.wait_for(intake.read(database_answers), HEALTH_TIMEOUT_S)
        except TimeoutError:
            return web.Response(status=503, text="database does not answer\n")
        except Exception as e:
            return web.Response(status=503, text=f"database unavailable: {failure_of(e).message}\n")
        return web.Response(text="ok\n")

    async def metrics(request: web.Request) -> web.Response:
        try:
            text = await intake.read(_metrics, bearer_token(request), not metrics_open)
        except Exception as e:
            return _failure_reply(request, failure_of(e))
        return web.Response(body=text.encode("utf-8"), headers={"Content-Type": "text/plain; version=0.0.4"})

    if not metrics_open:
        app.router.add_post("/intake/alertmanager", alertmanager)
        app.router.add_post("/v2/enqueue", pagerduty)
        app.router.add_post("/intake/json", generic)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


@web.middleware
async def _logging(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    """One line per request on stderr: time, peer, method, path, status, duration,
    source (never a token, a query string or a body)."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as e:  # 404, 405, 413 from aiohttp itself
        status = e.status
        raise
    finally:
        elapsed = (time.perf_counter() - started) * 1000
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        peer = request.remote or "-"
        path = request.path if len(request.path) <= 200 else request.path[:200] + "..."
        source = request.get(SOURCE_KEY, "-")
        log_line(f"{stamp}Z {peer} {request.method} {_printable(path)} {status} {elapsed:.1f}ms source={source}")


def _printable(text: str) -> str:
    from tasktui.text_safety import visible_line

    return visible_line(text)


async def serve(
    listen: tuple[str, int],
    metrics_listen: tuple[str, int] | None = None,
    *,
    max_body: int = MAX_BODY,
    lock_wait: float = LOCK_WAIT_S,
) -> None:
    """Serve until SIGTERM or SIGINT, then let the requests in flight finish (up to
    SHUTDOWN_TIMEOUT_S) and their database work commit. The database is the one the
    models are bound to (opened by the caller)."""
    from tasktui.db import set_lock_wait

    intake = Intake(max_body=max_body, lock_wait=lock_wait)
    for pool in (intake.writer, intake.reader):
        pool.submit(set_lock_wait, lock_wait).result()
    runners = []
    try:
        apps = [(make_app(intake), listen)]
        if metrics_listen is not None:
            apps.append((make_app(intake, metrics_open=True), metrics_listen))
        for app, (host, port) in apps:
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
            await runner.setup()
            runners.append(runner)
            site = web.TCPSite(runner, host, port)
            await site.start()
            for address in runner.addresses:
                what = "metrics" if app is not apps[0][0] else "intake"
                log_line(f"tasktui intake: {what} listening on http://{_address(address)}")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log_line("tasktui intake: stopping (finishing the requests in flight)")
    finally:
        for runner in runners:
            await runner.cleanup()
        await asyncio.get_running_loop().run_in_executor(None, intake.close)
    log_line("tasktui intake: stopped")


def _address(address: Any) -> str:
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
