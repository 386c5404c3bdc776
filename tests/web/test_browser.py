"""The real thing, few and slow: `tasktui web` as a subprocess, headless Chromium
(Debian's package, through Playwright) opening the token URL, keys typed into the
page. The screen is read from the WebSocket frames (xterm.js draws on a canvas).
Skipped without Chromium or Playwright, except under CI, where that is a failure."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import Tab

pytestmark = pytest.mark.slow


def _task(db_path, title: str) -> tuple:
    con = sqlite3.connect(db_path)
    try:
        return con.execute(
            "SELECT t.status, u.login, h.os_login FROM task t LEFT JOIN user u ON u.id = t.done_by_id "
            "LEFT JOIN task_history h ON h.task_id = t.id AND h.action = 'done' WHERE t.title = ?",
            (title,),
        ).fetchone()
    finally:
        con.close()


def test_token_url_opens_the_tasks_screen_and_d_marks_done_as_the_token_user(server, browser):
    """Open the URL `web token add bob` printed: the token leaves the address bar, the
    tasks screen shows with bob in the header, `d` on the first task marks it done as
    bob (OS login `web:127.0.0.1`), and the page asked nothing of any other host."""
    token = server.token("bob")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        tab = Tab(context, token["url"])
        assert urlsplit(tab.page.url).query == ""  # the 303 to / dropped the token
        tab.wait_for("sdc3 at 95%")
        tab.wait_for("bob")
        assert _task(server.cli.db_path, "sdc3 at 95%")[0] == "open"
        tab.press("d")
        for _ in range(100):
            if _task(server.cli.db_path, "sdc3 at 95%")[0] == "done":
                break
            tab.page.wait_for_timeout(100)
        assert _task(server.cli.db_path, "sdc3 at 95%") == ("done", "bob", "web:127.0.0.1")
        origins = {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in tab.requests}
        assert origins == {server.url}, origins  # fonts and scripts included: nothing from the internet
        assert any(u.endswith(".ttf") for u in tab.requests)  # the shipped font, served here
    finally:
        context.close()
    assert token["token"] not in server.log()
