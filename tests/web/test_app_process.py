"""The app-process side of the server, without a browser: links the app may open,
and the export a browser session downloads instead of a file on the server."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import require_or_skip


async def test_only_http_https_and_mailto_links_reach_the_browser():
    """A task link is a script's text: `javascript:` opened from the page would run
    as the page's origin, so the server drops it (and `data:`, `file:`, ...)."""
    import importlib.util

    require_or_skip(importlib.util.find_spec("textual_serve") is not None, "the extra 'web' is not installed")
    from textual_serve.download_manager import DownloadManager

    from tasktui.web.addresses import parse_listen
    from tasktui.web.server import Session, SessionApp, WebConfig

    sent: list[str] = []

    async def write_str(text: str) -> None:
        sent.append(text)

    async def nothing(*args) -> None:
        return None

    app = SessionApp(
        Session("sid", 1, "alice", "127.0.0.1"),
        WebConfig("db", parse_listen("127.0.0.1:1")),
        write_bytes=nothing,
        write_str=write_str,
        close=nothing,
        download_manager=DownloadManager(),
    )
    for url in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "file:///etc/passwd", "vbscript:x"):
        await app.on_meta(json.dumps({"type": "open_url", "url": url, "new_tab": True}).encode())
    assert sent == []
    for url in ("https://shop.example/order/1", "http://127.0.0.1:9/x", "mailto:ops@example.com"):
        await app.on_meta(json.dumps({"type": "open_url", "url": url, "new_tab": True}).encode())
    assert [json.loads(s)[1]["url"] for s in sent] == [
        "https://shop.example/order/1",
        "http://127.0.0.1:9/x",
        "mailto:ops@example.com",
    ]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_browser_export_holds_what_the_file_export_holds(world, database, tmp_path, fmt):
    from tasktui.services.tasks.filters import TaskFilter
    from tasktui.services.transfer.export import export_tasks, export_to_file_object

    flt = TaskFilter(status="open")
    on_disk = export_tasks(flt, tmp_path / f"x.{fmt}", fmt)
    file, count = export_to_file_object(flt, fmt)
    with file:
        data = file.read()
    assert count == on_disk.count == 3
    assert data == (tmp_path / f"x.{fmt}").read_bytes()
    if fmt == "csv":
        assert len(list(csv.reader(io.StringIO(data.decode())))) == 4


def test_download_names_are_plain():
    from tasktui.tui.screens.export import download_name

    assert download_name("tasks-1.csv", "csv") == "tasks-1.csv"
    assert download_name("/etc/../x/report.json", "csv") == "report.csv"
    assert download_name("..\\..\\evil\x1b[31m.csv", "json") == "evil__31m.json"
    assert download_name("", "csv").startswith("tasks-")
