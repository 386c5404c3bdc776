"""Issue 19, point 2 (the TUI part): the settings screen's channels panel and the
outbox's channel rows, against a real HTTP receiver on 127.0.0.1; snapshots at 80x24
and 100x30. And the service behind the panel (`channel_statuses`), on both engines."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from textual.widgets import DataTable, Static, Tab

from tasktui.models import OutboxMessage
from tasktui.services.mail.channel_delivery import deliver_channels
from tasktui.services.mail.channels import add_channel, channel_statuses, list_channels
from tasktui.services.tasks.raising import raise_task
from tasktui.tui.screens.confirm import ChoiceScreen
from tasktui.tui.screens.settings import CHANNELS, SettingsScreen
from tests.email.test_settings_screen import SettingsHost
from tests.tui.conftest import settle

SIZES = [pytest.param((100, 30), id="100x30"), pytest.param((80, 24), id="80x24")]
#: A token that must never be drawn.
SECRET = "Sup3rSecretToken42"


@pytest.fixture
def channels(team, receiver, monkeypatch):
    """Three channels: one that works, one answering 404 (its message failed), one
    reading its URL from an unset variable (with a digest); two tasks raised and the
    outbox delivered once."""
    monkeypatch.delenv("QUIET_URL", raising=False)
    add_channel("ops-chat", receiver.url("json", f"/ops?token={SECRET}"), store_in_db=True, groups=["ops"])
    add_channel("broken", receiver.url("json", f"/code/404?token={SECRET}"), store_in_db=True, events=["stock_diff"])
    add_channel("quiet", url_env="QUIET_URL", users=["carol"], digest="daily 08:00")
    raise_task(team, "disk_full", "Disk /var is full")
    raise_task(team, "stock_diff", "Counts differ")
    deliver_channels()
    return team


def test_channel_statuses_count_and_give_the_newest_error(channels):
    by_name = {s.channel.name: s for s in channel_statuses()}
    assert list(by_name) == ["broken", "ops-chat", "quiet"]
    assert (by_name["ops-chat"].waiting, by_name["ops-chat"].failed, by_name["ops-chat"].last_error) == (0, 0, None)
    broken = by_name["broken"]
    assert broken.failed == 1 and "404" in (broken.last_error or "")
    assert SECRET not in (broken.last_error or "") and SECRET not in broken.channel.url
    assert by_name["quiet"].channel.digest == "daily 08:00"


async def _open_channels(pilot) -> SettingsScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    screen.query_one("#email-outbox-table", DataTable).focus()
    await pilot.press("c")
    await settle(pilot)
    return screen


def _cells(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.sqlite_only
async def test_the_panel_lists_channels_masked_with_routes_digest_and_last_error(channels, receiver):
    # a row of an older database, written before input was cleaned: drawn visibly
    OutboxMessage.update(subject="Counts differ\x1b]52;c;aGk=\x07").where(OutboxMessage.recipient == "broken").execute()
    app = SettingsHost(channels)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_channels(pilot)
        assert screen.panel == CHANNELS
        table = screen.query_one("#email-channels-table", DataTable)
        assert screen.focused is table
        rows = {row[0]: row for row in _cells(table)}
        assert rows["ops-chat"][1].startswith(f"json://127.0.0.1:{receiver.port}/ops?token=*")  # cut to 36 cells
        assert rows["ops-chat"][2] == "group ops" and rows["ops-chat"][4] == ""
        assert (
            rows["broken"][1].startswith(f"json://127.0.0.1:{receiver.port}/code/404?") and "404" in rows["broken"][4]
        )
        assert rows["quiet"][1] == "(unreadable)" and rows["quiet"][2] == "user carol"
        assert rows["quiet"][3] == "daily 08:00"
        assert all(SECRET not in cell for row in rows.values() for cell in row)
        assert str(screen.query_one("#email-channels-tab", Tab).label) == "Channels · 3 (1 failing)"
        table.move_cursor(row=2)  # quiet: why its URL cannot be read now
        await pilot.pause()
        detail = str(screen.query_one("#email-channels-detail", Static).render())
        assert "URL from environment variable QUIET_URL" in detail and "QUIET_URL is not set" in detail
        # the outbox (c again) lists the channel rows with their kind
        await pilot.press("c")
        await settle(pilot)
        outbox = screen.query_one("#email-outbox-table", DataTable)
        assert screen.focused is outbox
        assert [(row[2], row[3], row[4]) for row in _cells(outbox)] == [("channel", "broken", "failed")]
        shown = str(screen.query_one("#email-outbox-detail", Static).render())
        assert "Counts differ␛]52;c;aGk=␇" in shown and "\x1b" not in shown


@pytest.mark.sqlite_only
async def test_test_send_reaches_the_receiver_and_a_refusal_is_shown(channels, receiver):
    app = SettingsHost(channels)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_channels(pilot)
        table = screen.query_one("#email-channels-table", DataTable)
        detail = screen.query_one("#email-channels-detail", Static)
        table.move_cursor(row=1)  # ops-chat
        await pilot.press("t")
        await settle(pilot)
        assert "✓ ops-chat answered" in str(detail.render())
        accepted = receiver.accepted("/ops")
        assert len(accepted) == 2 and "test" in json.dumps(accepted[-1].json()).lower()  # the raise's, then the test
        table.move_cursor(row=0)  # broken: 404
        await pilot.press("t")
        await settle(pilot)
        assert "✗ not sent" in str(detail.render()) and "404" in str(detail.render())
        assert SECRET not in str(detail.render())


@pytest.mark.sqlite_only
async def test_remove_asks_then_removes_the_channel(channels):
    app = SettingsHost(channels)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_channels(pilot)
        table = screen.query_one("#email-channels-table", DataTable)
        table.move_cursor(row=1)  # ops-chat
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("n")  # cancel
        await settle(pilot)
        assert [c.name for c in list_channels()] == ["broken", "ops-chat", "quiet"]
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert app.screen is screen
        assert [c.name for c in list_channels()] == ["broken", "quiet"]
        assert [row[0] for row in _cells(table)] == ["broken", "quiet"]
        assert screen.focused is table


@pytest.mark.sqlite_only
async def test_r_retries_in_the_outbox_and_t_d_act_only_in_the_channels(channels):
    """The keys of the panel not shown do nothing (and the key bar leaves them out)."""
    app = SettingsHost(channels)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.query_one("#email-outbox-table", DataTable).focus()
        await pilot.press("d")
        await settle(pilot)
        assert app.screen is screen and len(list_channels()) == 3
        await pilot.press("r")
        await settle(pilot)
        assert OutboxMessage.get(OutboxMessage.recipient == "broken").state == "pending"


@pytest.fixture
def fixed_channels(team, monkeypatch, tmp_path):
    """Channels with fixed URLs (no receiver: its port changes) and fixed outbox rows:
    one delivered, one failed with the server's answer, one waiting."""
    monkeypatch.delenv("QUIET_URL", raising=False)
    add_channel("ops-chat", f"ntfy://bot:{SECRET}@ntfy.example.com/ops-alerts", store_in_db=True, groups=["ops"])
    add_channel(
        "team-hook", f"https://hooks.example.com/services/T0001/B0002/{SECRET}", store_in_db=True,
        events=["stock_diff"], users=["bob"],
    )  # fmt: skip
    add_channel("quiet", url_env="QUIET_URL", users=["carol"], digest="daily 08:00")
    raise_task(team, "disk_full", "Disk /var is full")
    raise_task(team, "stock_diff", "Counts differ")
    fixed = dt.datetime(2026, 1, 5, 9, 30)
    OutboxMessage.update(created_at=fixed, next_attempt_at=fixed).execute()
    OutboxMessage.update(state="failed", attempts=1, last_error='HTTP 404 Not Found: {"error": "no such hook"}').where(
        OutboxMessage.recipient == "team-hook"
    ).execute()
    return team


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_channels_panel(snap_compare, fixed_channels, size, monkeypatch):
    """Open the settings, press `c`: the channels with masked URLs, their routes, a
    digest, the last error of the one that failed; the list has the focus (its tab
    drawn in reverse)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()

    async def run_before(pilot) -> None:
        await _open_channels(pilot)
        await pilot.pause(0.1)

    assert snap_compare(SettingsHost(fixed_channels), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_outbox_with_channel_rows(snap_compare, fixed_channels, size, monkeypatch):
    """Open the settings and go to the outbox (Tab from the form's last button, then
    the per-event list): channel rows say `channel`, the failed one first."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.query_one("#email-outbox-table", DataTable).focus()
        await pilot.pause(0.1)

    assert snap_compare(SettingsHost(fixed_channels), run_before=run_before, terminal_size=size)
