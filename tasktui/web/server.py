"""The browser server: an aiohttp application in front of one app process per tab.

Routes: `GET /` (with `?token=` the login: the token is swapped for a session cookie
and the browser redirected to `/`), `GET /ws` (the terminal's WebSocket: one app
process as the session's user), `GET /download/{key}` (a file the app delivers,
Export), `/static/*` (textual-serve's script, styles and fonts) and `/assets/*`
(this page's own). Everything but the login needs a session; every request needs a
`Host` naming this server; the WebSocket needs the page's own `Origin`.

The app processes speak textual-serve's protocol (`AppService`); this module adds
what textual-serve leaves out: who the user is, which downloads are whose, links
limited to http(s), and an end for every process on shutdown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from string import Template

from aiohttp import WSMsgType, web
from aiohttp.abc import AbstractAccessLogger
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from tasktui.text_safety import openable_link, visible_line
from tasktui.web.addresses import Listen, PublicUrl, allowed_host, host_name
from tasktui.web.session_process import LOGIN_ENV, REMOTE_ENV, SERVER_PID_ENV

log = logging.getLogger("tasktui.web")

COOKIE = "tasktui_session"
#: A session unused this long is forgotten (the browser must open a token URL again).
SESSION_IDLE_S = 12 * 3600
#: Sessions (cookies) remembered at most; the oldest is forgotten beyond.
MAX_REMEMBERED_SESSIONS = 1000
#: How long an app process may take to quit when told to, before it is terminated.
QUIT_GRACE_S = 3.0
#: How often open app sessions are checked against their token (revoked: closed).
RECHECK_S = 5.0

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass
class Session:
    """One browser's login: whom its token lets in, from where."""

    id: str
    token_id: int
    login: str
    remote: str
    last_seen: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class WebConfig:
    """What `tasktui web` was told: the database, where to listen, the public URL,
    the cap on open sessions."""

    database: str
    listen: Listen
    public: PublicUrl | None = None
    max_sessions: int = 8
    title: str = "tasktui"


class AccessLogger(AbstractAccessLogger):
    """One line per request, without the query string (a login token) and without any
    header (the session cookie); the path is drawn visibly (it is the client's text)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %s %.1fms',
            request.remote,
            request.method,
            visible_line(request.rel_url.path)[:200],
            response.status,
            response.body_length,
            time * 1000,
        )


#: Besides what every server log hides (`log_safety`): the session cookie's value.
COOKIE_SECRET = ((re.compile(rf"({COOKIE}\s*=\s*)[^\s;'\"\\]*", re.IGNORECASE), r"\1…"),)


class SessionApp(AppService):
    """textual-serve's app process, for one session: started without a shell, as the
    session's user, in its own process group, and ended for sure on stop."""

    def __init__(self, session: Session, config: WebConfig, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.session = session
        self.config = config

    def _session_environment(self, width: int, height: int) -> dict[str, str]:
        env = self._build_environment(width=width, height=height)
        for name in ("TASKTUI_USER", "TASKTUI_LANG"):  # the session's user, in their own language
            env.pop(name, None)
        env.update(
            {
                "TASKTUI_DB": self.config.database,
                LOGIN_ENV: self.session.login,
                REMOTE_ENV: self.session.remote,
                SERVER_PID_ENV: str(os.getpid()),
            }
        )
        return env

    async def _open_app_process(self, width: int = 80, height: int = 24):
        self._process = process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tasktui.web.session_process",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._session_environment(width, height),
            start_new_session=True,
        )
        self._stdin = process.stdin
        return process

    @property
    def pid(self) -> int | None:
        """The app process's id (None before it started)."""
        return self._process.pid if self._process is not None else None

    async def on_meta(self, data: bytes) -> None:
        """textual-serve's handling, but a link the app opens must be http(s) or
        mailto: task links come from scripts, and `javascript:` opened from this page
        would run as this origin."""
        try:
            meta = json.loads(data)
        except ValueError:
            return
        if meta.get("type") == "open_url":
            url = str(meta.get("url", ""))
            if not openable_link(url):
                log.warning("refused to open a link that is not http(s) or mailto: %s", visible_line(url)[:100])
                return
        await super().on_meta(data)

    async def stop(self) -> None:
        """Tell the app to quit; terminate it (and its group) if it has not within
        QUIT_GRACE_S, kill it if that does not end it either."""
        process = self._process
        if self._task is not None:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
            try:
                await asyncio.wait_for(asyncio.shield(self._task), QUIT_GRACE_S)
            except (TimeoutError, asyncio.CancelledError):
                pass
        if process is not None and process.returncode is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(process.pid, sig)
                except (ProcessLookupError, PermissionError):
                    break
                try:
                    await asyncio.wait_for(process.wait(), QUIT_GRACE_S)
                    break
                except TimeoutError:
                    continue
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None


def _page_template() -> Template:
    return Template((resources.files("tasktui.web") / "page.html").read_text(encoding="utf-8"))


def _static_dir() -> Path:
    import textual_serve

    return Path(textual_serve.__file__).parent / "static"


class WebServer:
    """The guarded server. `db_call` runs a database function off the event loop (one
    worker thread: one connection)."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.sessions: dict[str, Session] = {}
        self.apps: set[SessionApp] = set()
        self.sockets: set[web.WebSocketResponse] = set()
        self.downloads = DownloadManager()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tasktui-web-db")
        self._page = _page_template()
        self._closing = False
        #: WebSockets past the cap check whose app is not in `apps` yet (they count
        #: against the cap: the check and the app's entry are an await apart).
        self._opening = 0

    async def db_call(self, function: Callable, *args):
        """`function(*args)` on the database thread."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    # ---------------------------------------------------------------- the guard

    @web.middleware
    async def guard(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
        """Host check (421) for every request; a session (401) for all but the login."""
        if not allowed_host(request.headers.get("Host"), self.config.listen, self.config.public):
            return web.Response(status=421, text="421: this server does not answer to that host name\n")
        if request.path == "/" and "token" in request.query:
            return await self.login(request)
        session = await self.current_session(request)
        if session is None:
            return web.Response(
                status=401,
                text="401: not signed in. Open the URL that `tasktui web token add LOGIN` printed.\n",
                headers=SECURITY_HEADERS,
            )
        request["session"] = session
        response = await handler(request)
        if not isinstance(response, web.WebSocketResponse):
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
        return response

    async def current_session(self, request: web.Request) -> Session | None:
        """The request's session, if its cookie names one whose token still lets it in."""
        from tasktui.services.web_tokens import check_token_id

        session = self.sessions.get(request.cookies.get(COOKIE, ""))
        if session is None:
            return None
        now = time.monotonic()
        if now - session.last_seen > SESSION_IDLE_S or await self.db_call(check_token_id, session.token_id) is None:
            self.sessions.pop(session.id, None)
            return None
        session.last_seen = now
        return session

    def _secure(self, request: web.Request) -> bool:
        public = self.config.public
        return public is not None and public.secure and host_name(request.host) == public.host

    async def login(self, request: web.Request) -> web.Response:
        """Swap a valid token for a new session cookie and send the browser to `/`,
        which takes the token out of the address bar (and its history entry)."""
        from tasktui.services.web_tokens import check_token

        user = await self.db_call(lambda: check_token(request.query.get("token", ""), touch=True))
        if user is None:
            return web.Response(status=401, text="401: this token is not valid (revoked or mistyped).\n")
        self._forget_old_sessions()
        sid = secrets.token_urlsafe(32)
        self.sessions[sid] = Session(sid, user.token_id, user.login, request.remote or "")
        log.info("session opened for %s from %s", visible_line(user.login), request.remote)
        response = web.HTTPSeeOther("/", headers=SECURITY_HEADERS)
        response.set_cookie(
            COOKIE, sid, httponly=True, samesite="Strict", secure=self._secure(request), path="/", max_age=None
        )
        return response

    def _forget_old_sessions(self) -> None:
        now = time.monotonic()
        for sid in [sid for sid, s in self.sessions.items() if now - s.last_seen > SESSION_IDLE_S]:
            del self.sessions[sid]
        while len(self.sessions) >= MAX_REMEMBERED_SESSIONS:
            oldest = min(self.sessions.values(), key=lambda s: s.last_seen)
            del self.sessions[oldest.id]

    def page_origins(self, request: web.Request) -> set[str]:
        """The origin the page was loaded from: the public URL's for its host (https
        there means http is someone else), this request's host over http otherwise."""
        public = self.config.public
        if public is not None and host_name(request.host) == public.host:
            return {public.origin.lower()}
        return {f"http://{request.host}".lower()}

    # ---------------------------------------------------------------- the routes

    async def index(self, request: web.Request) -> web.Response:
        """The page: the WebSocket URL is built from the request (or the public URL),
        so a tunnel on another local port works."""
        public = self.config.public
        if public is not None and host_name(request.host) == public.host:
            ws_base = ("wss://" if public.secure else "ws://") + public.origin.split("://", 1)[1]
        else:
            ws_base = f"ws://{request.host}"
        try:
            font_size = min(48, max(8, int(request.query.get("fontsize", "16"))))
        except ValueError:
            font_size = 16
        from html import escape

        html = self._page.substitute(
            title=escape(self.config.title),
            websocket_url=escape(f"{ws_base}/ws"),
            font_size=font_size,
        )
        return web.Response(text=html, content_type="text/html")

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        """The terminal: one app process as the session's user, while the socket is open."""
        origin = request.headers.get("Origin", "").lower()
        if origin not in self.page_origins(request):
            log.warning("refused a WebSocket from origin %s", visible_line(origin)[:100] or "(none)")
            return web.Response(status=403, text="403: cross-origin WebSocket refused\n")
        if len(self.apps) + self._opening >= self.config.max_sessions or self._closing:
            return web.Response(status=503, text="503: too many open sessions; close a tab or try later\n")
        session: Session = request["session"]
        try:
            width = min(500, max(10, int(request.query.get("width", "80"))))
            height = min(200, max(5, int(request.query.get("height", "24"))))
        except ValueError:
            width, height = 80, 24
        self._opening += 1
        try:
            websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=1024 * 1024)
            await websocket.prepare(request)
            app = SessionApp(
                session,
                self.config,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.downloads,
            )
            self.apps.add(app)
        finally:
            self._opening -= 1
        self.sockets.add(websocket)
        try:
            await app.start(width, height)
            log.info("app process %s started for %s", app.pid, visible_line(session.login))
            reader = asyncio.create_task(self._relay(websocket, app))
            assert app._task is not None
            await asyncio.wait({reader, app._task}, return_when=asyncio.FIRST_COMPLETED)
            reader.cancel()
        except asyncio.CancelledError:
            pass
        finally:
            await app.stop()
            self.apps.discard(app)
            self.sockets.discard(websocket)
            await websocket.close()
            log.info("app process %s ended", app.pid)
        return websocket

    async def _relay(self, websocket: web.WebSocketResponse, app: SessionApp) -> None:
        """The browser's messages to the app: keys, sizes, focus, pings."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
                kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            except (ValueError, TypeError, IndexError, KeyError):
                continue
            if kind == "stdin" and isinstance(data, str):
                await app.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                try:
                    await app.set_terminal_size(
                        min(500, max(10, int(data["width"]))), min(200, max(5, int(data["height"])))
                    )
                except (KeyError, TypeError, ValueError):
                    continue
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app.blur()
            elif kind == "focus":
                await app.focus()

    async def download(self, request: web.Request) -> web.StreamResponse:
        """A file one of this session's app processes delivers (404 for anyone else's)."""
        key = request.match_info["key"]
        session: Session = request["session"]
        try:
            meta = await self.downloads.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound(text="404: no such download\n") from None
        if not isinstance(meta.app_service, SessionApp) or meta.app_service.session.id != session.id:
            raise web.HTTPNotFound(text="404: no such download\n")
        name = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in meta.file_name)[:120]
        content_type = "application/octet-stream"
        if meta.mime_type in ("text/csv", "application/json", "text/plain"):
            content_type = meta.mime_type + (f"; charset={meta.encoding}" if meta.encoding else "")
        response = web.StreamResponse(
            headers={
                "Content-Type": content_type,
                "Content-Disposition": f'attachment; filename="{name or "download"}"',
                **SECURITY_HEADERS,
            }
        )
        await response.prepare(request)
        async for chunk in self.downloads.download(key):
            await response.write(chunk)
        await response.write_eof()
        return response

    async def _recheck_sessions(self) -> None:
        """Close the app sessions whose token was revoked (or its user deactivated)."""
        from tasktui.services.web_tokens import check_token_id

        while True:
            await asyncio.sleep(RECHECK_S)
            for app in list(self.apps):
                if await self.db_call(check_token_id, app.session.token_id) is None:
                    log.info("token of %s revoked: closing its session", visible_line(app.session.login))
                    self.sessions.pop(app.session.id, None)
                    await app.stop()

    def application(self) -> web.Application:
        """The aiohttp application with the guard and the routes."""
        app = web.Application(middlewares=[self.guard], client_max_size=64 * 1024)
        app.add_routes(
            [
                web.get("/", self.index),
                web.get("/ws", self.websocket),
                web.get("/download/{key}", self.download),
                web.static("/static", _static_dir(), show_index=False, follow_symlinks=False),
                web.static("/assets", Path(str(resources.files("tasktui.web") / "assets")), show_index=False),
            ]
        )
        return app

    async def shutdown(self) -> None:
        """End every app process and close every socket."""
        self._closing = True
        await asyncio.gather(*(app.stop() for app in list(self.apps)), return_exceptions=True)
        for websocket in list(self.sockets):
            await websocket.close(code=1001, message=b"server shutting down")
        self._executor.shutdown(wait=False)


async def serve(config: WebConfig, ready: Callable[[str], None] | None = None) -> None:
    """Serve until SIGTERM or SIGINT, then end every app process and return."""
    server = WebServer(config)
    runner = web.AppRunner(server.application(), access_log_class=AccessLogger, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, config.listen.host, config.listen.port)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    recheck = asyncio.create_task(server._recheck_sessions())
    sockets = site._server.sockets if site._server is not None else []  # type: ignore[attr-defined]
    port = sockets[0].getsockname()[1] if sockets else config.listen.port
    if ready is not None:
        ready(f"{config.listen.url_host}:{port}")
    try:
        await stop.wait()
    finally:
        log.info("stopping: ending %d app process(es)", len(server.apps))
        recheck.cancel()
        await server.shutdown()
        await runner.cleanup()
        log.info("stopped")
