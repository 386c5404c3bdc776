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
thread, so a busy writer never makes /healthz wait. Requests that arrive while the
writer is busy wait in a bounded queue (`--max-queue`; full: 503 with `Retry-After`,
so the sender retries) and the next write takes all of them (up to MAX_BATCH) in one
transaction: one read of the sources for their tokens, and per source one plan and
one write of their raises (`signals.apply_bodies`, the one raise path). Each request
still gets its own answer: a request refused by the rules (or with a bad token or
body) gets its own error and writes nothing, the others go through; when the batch
fails as a whole, its requests are applied again one by one, each in its own
transaction, so each gets its own answer (but a database that is busy or unusable
answers 503 to all at once: retrying them one by one would only wait longer). Every
body is written whole or not at all, so a 503 can be retried by the sender, and a
replayed body finds its tasks already there.

Status codes: 200/202 done, 400 not JSON or not the shape (the problem named), 401
no valid token, 413 body over the limit, 415 not `application/json`, 422 refused by
the rules (e.g. the source's default event was made obsolete), 503 database busy or
unavailable (`Retry-After`), 500 a bug (one line in the log, never a traceback in a
reply). One line per request goes to stderr; no token or body is ever logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import peewee as pw
from aiohttp import web

from tasktui import strict_json
from tasktui.errors import Invalid, NotFound, Refused, TaskTuiError, Unavailable
from tasktui.limits import MAX_INTAKE_BODY, MAX_INTAKE_QUEUE
from tasktui.services.intake.sources import Unauthorized

#: The default limit of a request body.
MAX_BODY = MAX_INTAKE_BODY
#: How long a write waits for another process's lock before the reply is 503.
LOCK_WAIT_S = 5.0
#: How long /healthz waits for the database.
HEALTH_TIMEOUT_S = 5.0
#: How long in-flight requests may take to finish after SIGTERM.
SHUTDOWN_TIMEOUT_S = 30.0
#: Requests that may wait for the writer (`--max-queue`); more: 503.
MAX_QUEUE = MAX_INTAKE_QUEUE
#: Bytes of bodies that may wait for the writer (with the first one always admitted).
MAX_QUEUED_BYTES = 64 * 1024 * 1024
#: Requests, and bytes of their bodies, that one write transaction takes at most.
MAX_BATCH = 200
MAX_BATCH_BYTES = 4 * 1024 * 1024

SOURCE_KEY: web.AppKey[str] = web.AppKey("source", str)
#: How many requests shared the write transaction of this one (the request log says).
BATCH_KEY: web.AppKey[int] = web.AppKey("batch", int)
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


@dataclass
class Job:
    """A request waiting for the writer: its endpoint's `kind`, token, body and size,
    and the future its handler awaits."""

    kind: str
    token: str | None
    body: Any
    size: int
    future: asyncio.Future
    #: How many requests its write transaction took (0 until it is taken).
    batch: int = 0


class Intake:
    """The server's state: the database threads, the writer's queue and the limits."""

    def __init__(self, max_body: int = MAX_BODY, lock_wait: float = LOCK_WAIT_S, max_queue: int = MAX_QUEUE) -> None:
        self.max_body = max_body
        self.lock_wait = lock_wait
        self.max_queue = max_queue
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="intake-write")
        self.reader = ThreadPoolExecutor(1, thread_name_prefix="intake-read")
        self.queue: deque[Job] = deque()
        self.queued_bytes = 0
        self._wakeup = asyncio.Event()
        self._batcher: asyncio.Task | None = None

    async def read(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run `fn(*args)` in the reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self.reader, fn, *args)

    async def submit(
        self, request: web.Request, kind: str, token: str | None, body: Any, size: int
    ) -> tuple[str, dict]:
        """Queue a request for the writer and wait for its answer: (source name, reply
        data), or its error. Failure 503 when the queue is full."""
        if len(self.queue) >= self.max_queue or (self.queue and self.queued_bytes + size > MAX_QUEUED_BYTES):
            raise Failure(503, f"the intake is busy ({len(self.queue)} requests wait for the database): retry later")
        job = Job(kind, token, body, size, asyncio.get_running_loop().create_future())
        self.queue.append(job)
        self.queued_bytes += size
        if self._batcher is None:
            self._batcher = asyncio.create_task(self._batches())
        self._wakeup.set()
        try:
            return await job.future
        finally:
            request[BATCH_KEY] = job.batch

    def _take(self) -> list[Job]:
        """The next batch: the oldest waiting requests, up to MAX_BATCH and MAX_BATCH_BYTES."""
        jobs = [self.queue.popleft()]
        size = jobs[0].size
        while self.queue and len(jobs) < MAX_BATCH and size + self.queue[0].size <= MAX_BATCH_BYTES:
            jobs.append(self.queue.popleft())
            size += jobs[-1].size
        self.queued_bytes -= size
        return jobs

    async def _batches(self) -> None:
        """The writer's loop: take what waits, apply it in the writer thread, answer."""
        loop = asyncio.get_running_loop()
        while True:
            while not self.queue:
                self._wakeup.clear()
                await self._wakeup.wait()
            jobs = self._take()
            for job in jobs:
                job.batch = len(jobs)
            try:
                work = [(job.kind, job.token, job.body) for job in jobs]
                answers = await loop.run_in_executor(self.writer, apply_batch, work)
            except Exception as e:  # the thread itself failed: every request gets it
                answers = [e] * len(jobs)
            for job, answer in zip(jobs, answers):
                if job.future.done():  # its handler was cancelled
                    continue
                if isinstance(answer, BaseException):
                    job.future.set_exception(answer)
                else:
                    job.future.set_result(answer)

    async def stop(self) -> None:
        """Stop the writer's loop (after the handlers finished: nothing waits)."""
        if self._batcher is not None:
            self._batcher.cancel()
            try:
                await self._batcher
            except asyncio.CancelledError:
                pass
            self._batcher = None
        for job in self.queue:  # only when handlers were cancelled after the shutdown timeout
            if not job.future.done():
                job.future.set_exception(Failure(503, "the intake is stopping: retry later"))
        self.queue.clear()

    def close(self) -> None:
        """Wait for the database work in progress, then stop the threads."""
        for pool in (self.writer, self.reader):
            pool.submit(_close_connection).result()
            pool.shutdown(wait=True)

    # ------------------------------------------------------------ request bodies

    async def body(self, request: web.Request) -> tuple[Any, int]:
        """The request's JSON body, read bounded, and its size; Failure 415, 413 or 400."""
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
        return decode_json(bytes(data)), len(data)


def decode_json(data: bytes) -> Any:
    """A body as JSON, or Failure 400 saying why not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Failure(400, f"the body is not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})") from None
    try:
        return strict_json.loads(text)  # a key twice refused, lone surrogates replaced
    except Invalid as e:
        raise Failure(400, f"the body is not valid JSON for tasktui ({e})") from None
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


#: A request for the writer: (kind: the endpoint, token, body).
Work = tuple[str, "str | None", Any]
#: What finishes a request's reply from its results.
Finish = Callable[[list], dict]


def _prepare(kind: str, token: str | None, body: Any, rows: Sequence[Any]) -> tuple[Any, list, Finish]:
    """A request's source (by its token, among `rows`), its signals and what makes its
    reply of their results; Unauthorized or Invalid."""
    from tasktui.services.intake.alertmanager import parse_alertmanager
    from tasktui.services.intake.generic import parse_json_signal
    from tasktui.services.intake.pagerduty import parse_pagerduty, reply, routing_key
    from tasktui.services.intake.sources import authenticate

    if kind == "alertmanager":
        source = authenticate(token, ["alertmanager"], rows)
        signals = parse_alertmanager(body)
        return source, signals, lambda results: {"status": "ok", "results": [r.as_dict() for r in results]}
    if kind == "pagerduty":
        source = authenticate(routing_key(body), ["pagerduty"], rows)
        signal_ = parse_pagerduty(body)

        def pagerduty_reply(results: list) -> dict:
            (result,) = results
            message = "Event processed" if not result.warning else f"Event processed ({result.warning})"
            return reply(signal_.dedup_key, message)

        return source, [signal_], pagerduty_reply
    if kind == "json":
        source = authenticate(token, ["json"], rows)
        signals = [parse_json_signal(body, source.default_event)]
        return source, signals, lambda results: {"status": "ok", "result": results[0].as_dict()}
    raise ValueError(f"unknown intake endpoint {kind!r}")


def apply_batch(work: Sequence[Work]) -> list[tuple[str, dict] | Exception]:
    """Apply requests (in the writer thread): for each, in order, (source name, reply
    data) or its error. One read of the sources checks every token; the requests with
    a valid token and body are applied in one write transaction, the consecutive ones
    of one source through one plan (`apply_bodies`); a refused request gets its own
    error. When the transaction fails as a whole, the requests are applied one by
    one, each in its own transaction (all answered at once when the database is busy
    or unusable: see the module docstring)."""
    from tasktui.db import write_transaction
    from tasktui.models import IntakeSource
    from tasktui.services.intake.signals import apply_bodies, apply_signals

    answers: list[tuple[str, dict] | Exception | None] = []
    try:
        rows = list(IntakeSource.select())
    except Exception as e:
        return [e] * len(work)
    prepared: list[tuple[int, Any, list, Finish]] = []  # (index, source, signals, finish)
    for index, (kind, token, body) in enumerate(work):
        try:
            source, signals, finish = _prepare(kind, token, body, rows)
        except Exception as e:
            answers.append(e)
        else:
            answers.append(None)  # answered below
            prepared.append((index, source, signals, finish))
    if not prepared:
        return _answered(answers)
    groups: list[list[tuple[int, Any, list, Finish]]] = []
    for item in prepared:
        if groups and groups[-1][0][1].id == item[1].id:
            groups[-1].append(item)
        else:
            groups.append([item])
    try:
        done: dict[int, tuple[str, dict] | Exception] = {}
        # one source: apply_bodies' own transaction is the batch's (no savepoint)
        with write_transaction() if len(groups) > 1 else contextlib.nullcontext():
            for group in groups:
                source = group[0][1]
                outcomes = apply_bodies(source, [signals for _i, _s, signals, _f in group])
                for (index, _s, _signals, finish), outcome in zip(group, outcomes):
                    done[index] = (
                        _of_source(outcome, source.name)
                        if isinstance(outcome, Exception)
                        else (source.name, finish(outcome))
                    )
    except Exception as e:
        if len(prepared) == 1 or isinstance(e, Unavailable | pw.OperationalError | pw.InterfaceError):
            for index, *_rest in prepared:  # busy or unusable: the senders retry them all
                answers[index] = e
            return _answered(answers)
        for index, source, signals, finish in prepared:  # one by one, each its own answer
            try:
                answers[index] = (source.name, finish(apply_signals(source, signals)))
            except Exception as one:
                answers[index] = _of_source(one, source.name)
        return _answered(answers)
    for index, answer in done.items():
        answers[index] = answer
    return _answered(answers)


def _of_source(error: Exception, name: str) -> Exception:
    """`error`, marked with the source it was refused for (the request log names it)."""
    error.intake_source = name  # type: ignore[attr-defined]
    return error


def _answered(answers: list[tuple[str, dict] | Exception | None]) -> list[tuple[str, dict] | Exception]:
    if any(answer is None for answer in answers):
        raise ValueError("a request of the batch was not answered")
    return [answer for answer in answers if answer is not None]


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

    async def handle(
        request: web.Request, work: Callable[[Any, int], Awaitable[tuple[str, dict]]], pd: bool = False
    ) -> web.Response:
        try:
            body, size = await intake.body(request)
            source, data = await work(body, size)
        except Exception as e:  # every error becomes a reply, never a traceback
            if os.environ.get("TASKTUI_DEBUG"):
                traceback.print_exc()
            request[SOURCE_KEY] = getattr(e, "intake_source", "-")  # known once its token was
            return _failure_reply(request, failure_of(e), pagerduty=pd)
        request[SOURCE_KEY] = source
        return _reply(202 if pd else 200, data)

    async def alertmanager(request: web.Request) -> web.Response:
        token = bearer_token(request)
        return await handle(request, lambda body, size: intake.submit(request, "alertmanager", token, body, size))

    async def pagerduty(request: web.Request) -> web.Response:
        return await handle(request, lambda body, size: intake.submit(request, "pagerduty", None, body, size), pd=True)

    async def generic(request: web.Request) -> web.Response:
        token = bearer_token(request)
        return await handle(request, lambda body, size: intake.submit(request, "json", token, body, size))

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
    source, and for a write how many requests its transaction took (never a token, a
    query string or a body)."""
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
        batch = f" batch={request[BATCH_KEY]}" if request.get(BATCH_KEY) else ""
        log_line(f"{stamp}Z {peer} {request.method} {_printable(path)} {status} {elapsed:.1f}ms source={source}{batch}")


def _printable(text: str) -> str:
    from tasktui.text_safety import visible_line

    return visible_line(text)


#: The loggers aiohttp and asyncio write a failed request or task to (with the raw
#: request line or header, which may hold a token, and a traceback).
_FRAMEWORK_LOGGERS = ("aiohttp.server", "aiohttp.web", "aiohttp.internal", "asyncio")


def _log_framework_errors_redacted() -> None:
    """What aiohttp or asyncio logs goes to stderr as one redacted line (no token, no
    traceback: `log_safety`), in the format of the request lines; once per process."""
    from tasktui.log_safety import log_redacted

    formatter = logging.Formatter("%(asctime)sZ %(name)s: %(message)s", datefmt="%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    log_redacted(_FRAMEWORK_LOGGERS, formatter, one_line=True)


async def serve(
    listen: tuple[str, int],
    metrics_listen: tuple[str, int] | None = None,
    *,
    max_body: int = MAX_BODY,
    lock_wait: float = LOCK_WAIT_S,
    max_queue: int = MAX_QUEUE,
) -> None:
    """Serve until SIGTERM or SIGINT, then let the requests in flight (the queued ones
    too) finish (up to SHUTDOWN_TIMEOUT_S) and their database work commit. The
    database is the one the models are bound to (opened by the caller)."""
    from tasktui.db import set_lock_wait

    _log_framework_errors_redacted()
    intake = Intake(max_body=max_body, lock_wait=lock_wait, max_queue=max_queue)
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
        for runner in runners:  # waits for the handlers, which wait for their queued work
            await runner.cleanup()
        await intake.stop()
        await asyncio.get_running_loop().run_in_executor(None, intake.close)
    log_line("tasktui intake: stopped")


def _address(address: Any) -> str:
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
