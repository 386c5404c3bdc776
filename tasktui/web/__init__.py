"""Browser mode (`tasktui web`): the TUI served to a browser, behind a guard.

One app process per browser tab, started with textual-serve's app-process protocol
(`textual_serve.app_service.AppService`), in front of it a small aiohttp server of
our own (`server.py`): login tokens swapped for a session cookie, a Host check
against DNS rebinding, an Origin check on the WebSocket, a cap on sessions, an
access log without secrets, and a page that loads nothing from the internet.

`addresses` and `session_process` need neither aiohttp nor textual-serve: the CLI
imports the server only when `tasktui web` serves (the optional extra `web`).
"""
