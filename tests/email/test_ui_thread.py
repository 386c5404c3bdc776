"""Issue 12, point 6: the settings screen reaches the services only through the
backend (a worker thread). The test drives the screen through its actions while
`sql_on_ui_thread` records any SQL run on the UI thread; the list must stay empty."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, DataTable

from tasktui.services.context import acting_user
from tasktui.services.mail.channels import add_channel, list_channels
from tasktui.services.mail.settings import get_settings
from tasktui.services.tasks.raising import raise_task
from tests.email.test_settings_screen import SettingsHost
from tests.tui.conftest import settle
from tests.tui.ui_thread_guard import sql_on_ui_thread

SIZE = (100, 30)


async def _keys(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, rounds=2)


@pytest.mark.sqlite_only
async def test_settings_screen_reads_and_writes_off_the_ui_thread(team):
    """The first drawing, a save, the default switch, an event switch, a retry, the
    channels (a test send to a closed port, a removal), a live refresh and Escape
    with unsaved edits: no SQL on the UI thread."""
    actor = acting_user("script", "ops", register=True)
    add_channel("closed", "json://127.0.0.1:9/nothing", store_in_db=True, users=["bob"])
    raise_task(actor, "order_import_failed", "to be sent")
    app = SettingsHost(actor)
    with sql_on_ui_thread() as found:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = app.screen
            await _keys(pilot, *"smtp.example.com", "ctrl+s")
            screen.query_one("#email-apply-default", Checkbox).focus()
            await _keys(pilot, "space")
            screen.query_one("#email-events-table", DataTable).focus()
            await _keys(pilot, "space", "enter")
            screen.query_one("#email-outbox-table", DataTable).focus()
            await _keys(pilot, "r", "c", "t", "d", "d")
            screen.data_changed()
            await settle(pilot)
            screen.query_one("#email-host").focus()
            await _keys(pilot, "end", "x", "escape", "d")
            assert app.screen is not screen
    assert found == []
    assert get_settings().host == "smtp.example.com" and get_settings().apply_default is False
    assert list_channels() == []
