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


def _wait_done(tab: Tab, db_path, title: str) -> None:
    for _ in range(150):
        if _task(db_path, title)[0] == "done":
            return
        tab.page.wait_for_timeout(100)


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


def test_two_users_in_two_tabs_export_downloads_and_a_link_opens_a_new_tab(server, browser, tmp_path_factory):
    """alice and bob in two tabs act as themselves; Export (x, Enter) downloads the
    CSV to the browser and writes nothing where the server runs; `l` on a task's
    detail opens its link in a new tab."""
    link = f"{server.url}/static/css/xterm.css"
    assert server.cli("raise", "disk_full", "--title", "linked task", "--link", link).exit_code == 0
    contexts = [browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True) for _ in range(2)]
    try:
        alice, bob = (Tab(c, server.token(login)["url"]) for c, login in zip(contexts, ("alice", "bob")))
        for tab in (alice, bob):
            tab.wait_for("linked task")
        alice.press("ArrowDown")
        alice.press("d")  # alice: the second task, "sdc3 at 95%"
        _wait_done(alice, server.cli.db_path, "sdc3 at 95%")
        bob.press("d")  # bob: the newest task, "linked task" (first whatever the live refresh removed)
        _wait_done(bob, server.cli.db_path, "linked task")
        assert _task(server.cli.db_path, "linked task") == ("done", "bob", "web:127.0.0.1")
        assert _task(server.cli.db_path, "sdc3 at 95%") == ("done", "alice", "web:127.0.0.1")

        before = {p.name for p in server.log_path.parent.iterdir()}
        alice.press("t")  # open and done: all four tasks
        alice.press("x")
        alice.wait_for("Export the current view")
        downloads: list = []
        # textual.js opens /download/KEY in a new tab; Chromium reports the download on either page
        contexts[0].on("page", lambda popup: popup.on("download", lambda d: downloads.append(d)))
        alice.page.on("download", lambda d: downloads.append(d))
        alice.press("Enter")
        for _ in range(300):
            if downloads:
                break
            alice.page.wait_for_timeout(100)
        assert downloads, alice.text()[-1000:]
        download = downloads[0]
        saved = tmp_path_factory.mktemp("browser-side") / "downloaded.csv"  # not the server's folder
        download.save_as(saved)
        lines = saved.read_text().splitlines()
        assert lines[0].startswith("id,created_at,status,title")
        assert len(lines) == 5 and download.suggested_filename.endswith(".csv")
        assert {p.name for p in server.log_path.parent.iterdir()} == before  # nothing written where the server runs

        bob.press("t")  # open and done: the newest task, bob's done "linked task", first
        bob.page.wait_for_timeout(500)
        bob.press("Home")
        bob.press("Enter")
        bob.wait_for("Open link")
        with contexts[1].expect_page() as new_tab:
            bob.press("l")
        assert new_tab.value.url == link
    finally:
        for context in contexts:
            context.close()
