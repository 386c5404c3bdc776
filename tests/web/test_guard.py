"""The guard of `tasktui web`, tested with a plain HTTP/WebSocket client against the
real server (a subprocess on a free 127.0.0.1 port): who may come in (401, the token
swapped for a cookie, revocation), Host (421) and Origin (403) checks, the session
cap (503), the page built from the request (SSH tunnels), the access log without
secrets, and SIGTERM ending every app process."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time
from pathlib import Path

import aiohttp
import pytest

from tests.web.conftest import WebServer, alive, children_of, session_cookie, start_server

NO_REDIRECT = {"allow_redirects": False}


def _cookie_header(cookie: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookie.items())


async def _get(url: str, **headers: str) -> aiohttp.ClientResponse:
    async with aiohttp.ClientSession() as client, client.get(url, headers=headers, **NO_REDIRECT) as response:
        await response.read()
        return response


async def _ws_status(server: WebServer, origin: str | None, cookie: dict | None, host: str | None = None) -> int:
    """The status a WebSocket handshake gets (101 when accepted)."""
    headers = {}
    if origin is not None:
        headers["Origin"] = origin
    if cookie is not None:
        headers["Cookie"] = _cookie_header(cookie)
    if host is not None:
        headers["Host"] = host
    async with aiohttp.ClientSession() as client:
        try:
            async with client.ws_connect(f"{server.url}/ws?width=80&height=24", headers=headers) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as e:
            return e.status


async def _screen(ws: aiohttp.ClientWebSocketResponse, needle: str, timeout: float = 30) -> str:
    """Read the app's frames until `needle` was drawn."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            break
        if message.type == aiohttp.WSMsgType.BINARY:
            seen += message.data
            if needle.encode() in seen:
                return seen.decode("utf-8", "replace")
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            break
    raise AssertionError(f"{needle!r} never arrived: {seen[-500:]!r}")


async def test_without_a_session_everything_is_401(server):
    for path in ("/", "/ws", "/download/abc", "/static/js/textual.js", "/assets/page.css"):
        response = await _get(server.url + path)
        assert response.status == 401, path
    assert (await _get(f"{server.url}/?token=tt_web_wrong")).status == 401
    assert await _ws_status(server, server.url, None) == 401


async def test_the_token_is_swapped_for_an_httponly_strict_cookie_and_a_redirect(server):
    token = server.token("alice")["token"]
    response = await _get(f"{server.url}/?token={token}")
    assert response.status == 303 and response.headers["Location"] == "/"
    set_cookie = response.headers["Set-Cookie"]
    name, _, rest = set_cookie.partition("=")
    sid = rest.split(";", 1)[0]
    assert name == "tasktui_session" and len(sid) >= 40 and token not in set_cookie
    attributes = {a.strip().lower() for a in set_cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # plain http on 127.0.0.1: a Secure cookie would never come back
    page = await _get(f"{server.url}/", Cookie=f"tasktui_session={sid}")
    assert page.status == 200
    assert (await _get(f"{server.url}/", Cookie="tasktui_session=forged")).status == 401
    log = server.log()
    assert token not in log and sid not in log and '"GET /" 303' in log


async def test_revoking_a_token_ends_its_sessions(server):
    cookie = session_cookie(server, "alice")
    token_id = json.loads(server.cli("web", "token", "list", "--format", "json").stdout)[0]["id"]
    assert (await _get(f"{server.url}/", Cookie=_cookie_header(cookie))).status == 200
    assert server.cli("web", "token", "revoke", str(token_id)).exit_code == 0
    assert (await _get(f"{server.url}/", Cookie=_cookie_header(cookie))).status == 401


async def test_a_host_that_is_not_loopback_gets_421(server):
    cookie = _cookie_header(session_cookie(server))
    for host in ("evil.example", "evil.example:8765", "127.0.0.1.evil.example", "10.0.0.1", ""):
        assert (await _get(f"{server.url}/", Host=host, Cookie=cookie)).status == 421, host
    for host in ("127.0.0.1:9000", "localhost:1", "LOCALHOST.", "[::1]:9000", "127.0.0.2"):
        assert (await _get(f"{server.url}/", Host=host, Cookie=cookie)).status == 200, host
    token = server.token("alice")["token"]
    assert (await _get(f"{server.url}/?token={token}", Host="evil.example")).status == 421


async def test_a_cross_origin_websocket_gets_403(server):
    cookie = session_cookie(server)
    for origin in ("https://evil.example", "http://127.0.0.1:1", "null", f"{server.url}.evil.example", ""):
        assert await _ws_status(server, origin, cookie) == 403, origin
    assert await _ws_status(server, None, cookie) == 403  # no Origin at all
    assert await _ws_status(server, server.url, cookie) == 101


async def test_the_websocket_runs_the_app_as_the_token_user(server):
    """The app draws the tasks with bob in the header; pings are answered."""
    cookie = session_cookie(server, "bob")
    headers = {"Origin": server.url, "Cookie": _cookie_header(cookie)}
    async with (
        aiohttp.ClientSession() as client,
        client.ws_connect(f"{server.url}/ws?width=100&height=30", headers=headers) as ws,
    ):
        screen = await _screen(ws, "sda1 at 99%")
        if "bob" not in re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", screen):
            await _screen(ws, "bob")
        await ws.send_str(json.dumps(["ping", "x1"]))
        for _ in range(200):
            message = await ws.receive(timeout=10)
            if message.type == aiohttp.WSMsgType.TEXT:
                assert json.loads(message.data) == ["pong", "x1"]
                break
        else:
            raise AssertionError("no pong")


async def test_the_session_cap_answers_503(server):
    """The fixture's server has --max-sessions 2."""
    cookie = session_cookie(server)
    headers = {"Origin": server.url, "Cookie": _cookie_header(cookie)}
    async with aiohttp.ClientSession() as client:
        first = await client.ws_connect(f"{server.url}/ws", headers=headers)
        second = await client.ws_connect(f"{server.url}/ws", headers=headers)
        assert await _ws_status(server, server.url, cookie) == 503
        await first.close()
        await asyncio.sleep(0.5)
        for _ in range(50):  # the closed one's app process has ended: room again
            if await _ws_status(server, server.url, cookie) == 101:
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError("no room after a session closed")
        await second.close()


async def test_the_page_is_built_from_the_request_and_loads_nothing_from_the_internet(server):
    cookie = _cookie_header(session_cookie(server))
    page = await _get(f"{server.url}/", Host="127.0.0.1:9000", Cookie=cookie)
    html = (await _text(f"{server.url}/", Host="127.0.0.1:9000", Cookie=cookie)).lower()
    assert 'data-session-websocket-url="ws://127.0.0.1:9000/ws"' in html
    assert not re.search(r"(https?:)?//(?!127\.0\.0\.1:9000)", html.replace("ws://127.0.0.1:9000/ws", ""))
    assert "connect-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    css = await _text(f"{server.url}/assets/page.css", Cookie=cookie)
    assert "/static/fonts/RobotoMono-VariableFont_wght.ttf" in css and "googleapis" not in css
    font = await _get(f"{server.url}/static/fonts/RobotoMono-VariableFont_wght.ttf", Cookie=cookie)
    assert font.status == 200


async def _text(url: str, **headers: str) -> str:
    async with aiohttp.ClientSession() as client, client.get(url, headers=headers, **NO_REDIRECT) as response:
        return await response.text()


async def test_through_an_ssh_like_tunnel_on_another_local_port(server):
    """A TCP forwarder on another port stands in for `ssh -L`: the token URL, the
    page and the WebSocket all work through it."""

    async def pipe(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def forward(client_reader, client_writer):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        await asyncio.gather(pipe(client_reader, writer), pipe(reader, client_writer))

    tunnel = await asyncio.start_server(forward, "127.0.0.1", 0)
    port = tunnel.sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    try:
        token = server.token("alice")["token"]
        login = await _get(f"{base}/?token={token}")
        assert login.status == 303
        cookie = login.headers["Set-Cookie"].split(";", 1)[0]
        html = await _text(f"{base}/", Cookie=cookie)
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in html
        async with aiohttp.ClientSession() as client:
            headers = {"Origin": base, "Cookie": cookie}
            async with client.ws_connect(f"ws://127.0.0.1:{port}/ws", headers=headers) as ws:
                await _screen(ws, "sdb2 at 97%")
    finally:
        tunnel.close()


async def test_public_url_host_is_accepted_and_its_origin_too(world, tmp_path):
    running = start_server(world, tmp_path / "public.log", "--public-url", "https://tasks.example")
    try:
        cookie = session_cookie(running)
        cookie_header = _cookie_header(cookie)
        page = await _text(f"{running.url}/", Host="tasks.example", Cookie=cookie_header)
        assert 'data-session-websocket-url="wss://tasks.example/ws"' in page
        assert await _ws_status(running, "https://tasks.example", cookie, host="tasks.example") == 101
        assert await _ws_status(running, "http://tasks.example", cookie, host="tasks.example") == 403
        assert (await _get(f"{running.url}/", Host="other.example", Cookie=cookie_header)).status == 421
        token = running.token("alice")["token"]
        login = await _get(f"{running.url}/?token={token}", Host="tasks.example")
        assert "secure" in {a.strip().lower() for a in login.headers["Set-Cookie"].split(";")}
    finally:
        assert running.stop() == 0


async def test_sigterm_ends_the_server_and_every_app_process(server):
    cookie = session_cookie(server)
    headers = {"Origin": server.url, "Cookie": _cookie_header(cookie)}
    async with aiohttp.ClientSession() as client:
        first = await client.ws_connect(f"{server.url}/ws", headers=headers)
        second = await client.ws_connect(f"{server.url}/ws", headers=headers)
        await _screen(first, "sda1 at 99%")
        await _screen(second, "sda1 at 99%")
        apps = children_of(server.proc.pid)
        assert len(apps) == 2, apps
        server.proc.send_signal(signal.SIGTERM)
        code = await asyncio.get_running_loop().run_in_executor(None, server.proc.wait, 20)
        assert code == 0, server.log()[-2000:]
        assert not [pid for pid in apps if alive(pid)]
        await first.close()
        await second.close()
    assert "stopped" in server.log()


def test_binds_to_loopback_by_default(server):
    """The default --listen is 127.0.0.1; the server listens there and nowhere else."""
    from tasktui.cli.web import web
    from tasktui.web.addresses import DEFAULT_LISTEN

    assert DEFAULT_LISTEN.startswith("127.0.0.1:")
    import inspect

    assert inspect.signature(web).parameters["listen"].default.default == DEFAULT_LISTEN
    listening = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A" and int(local.split(":")[1], 16) == server.port:
            listening.append(local.split(":")[0])
    assert listening == ["0100007F"]  # 127.0.0.1, little-endian hex


@pytest.mark.parametrize("module", ["textual_serve", "aiohttp"])
def test_without_the_extra_one_line_naming_it_and_exit_2(world, tmp_path, module):
    blocker = tmp_path / "blocked"
    (blocker / module).mkdir(parents=True)
    (blocker / module / "__init__.py").write_text(f"raise ImportError('{module} is not installed')\n")
    import os

    pythonpath = os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")])
    result = world.run("web", "--listen", "127.0.0.1:1", env={"PYTHONPATH": pythonpath})
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "tasktui: error: browser mode needs the optional extra 'web': pip install 'tasktui[web]' (textual-serve, aiohttp)"
    ]
    tokens = world.run("web", "token", "list", env={"PYTHONPATH": pythonpath})  # tokens need no extra
    assert tokens.exit_code == 0, tokens.stderr


async def test_revoking_a_token_closes_its_open_tabs(server):
    cookie = session_cookie(server, "bob")
    token_id = json.loads(server.cli("web", "token", "list", "--format", "json").stdout)[0]["id"]
    headers = {"Origin": server.url, "Cookie": _cookie_header(cookie)}
    async with aiohttp.ClientSession() as client, client.ws_connect(f"{server.url}/ws", headers=headers) as ws:
        await _screen(ws, "sda1 at 99%")
        apps = children_of(server.proc.pid)
        assert server.cli("web", "token", "revoke", str(token_id)).exit_code == 0
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            message = await ws.receive(timeout=20)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                break
        else:
            raise AssertionError("the revoked token's tab stayed open")
    for _ in range(50):
        if not [pid for pid in apps if alive(pid)]:
            break
        await asyncio.sleep(0.2)
    assert not [pid for pid in apps if alive(pid)]


def test_a_malformed_request_is_logged_without_its_token_or_session_id(server):
    """aiohttp logs a request it cannot parse with its raw line or header: a token URL
    with a stray word after it, a token with a control character, a session cookie
    with one. The server's log still shows neither the token nor the session id."""
    import socket

    token = server.token("alice")["token"]
    sid = session_cookie(server)["tasktui_session"]
    encoded = token.replace("_", "%5F")
    requests = [
        f"GET /?token={token} x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        f"GET /?token={token}\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        f"GET /?token={encoded}\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: tasktui_session={sid}\x7f\r\n\r\n",
        f"GET /{token} x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    ]
    for raw in requests:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
            s.sendall(raw.encode("latin-1"))
            assert s.recv(100).startswith(b"HTTP/1.0 400"), raw
    deadline = time.monotonic() + 5
    while server.log().count("Error handling request") < len(requests) and time.monotonic() < deadline:
        time.sleep(0.05)
    log = server.log()
    assert log.count("Error handling request") == len(requests), log[-3000:]  # logged, with the reason
    assert "Bad status line" in log and "Invalid header value char" in log
    secret_token, secret_sid = token.removeprefix("tt_web_"), sid
    for secret in (secret_token, encoded.split("%5F", 2)[-1], secret_sid, secret_token[:12], secret_sid[:12]):
        assert secret not in log, secret


async def test_an_app_process_ends_when_its_server_is_killed(server):
    """SIGKILL leaves the server no chance to end its app processes: each one sees its
    parent gone and ends by itself within seconds (instead of running on, re-parented,
    with its database connection open)."""
    cookie = session_cookie(server)
    headers = {"Origin": server.url, "Cookie": _cookie_header(cookie)}
    async with aiohttp.ClientSession() as client, client.ws_connect(f"{server.url}/ws", headers=headers) as ws:
        await _screen(ws, "sda1 at 99%")
        apps = children_of(server.proc.pid)
        assert len(apps) == 1, apps
        server.proc.send_signal(signal.SIGKILL)
        await asyncio.get_running_loop().run_in_executor(None, server.proc.wait, 20)
        for _ in range(100):
            if not [pid for pid in apps if alive(pid)]:
                break
            await asyncio.sleep(0.1)
        left = [pid for pid in apps if alive(pid)]
        for pid in left:  # not to leave one behind when the test fails
            os.kill(pid, signal.SIGKILL)
        assert not left, "an app process outlived its killed server by 10 s"
