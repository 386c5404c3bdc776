"""Issue 12, point 6: the screens and widgets reach the services only through the
backend (a worker thread). Each test drives a screen through its actions while
`sql_on_ui_thread` records any SQL run on the UI thread; the list must stay empty."""

from __future__ import annotations

from tests.tui.ui_thread_guard import sql_on_ui_thread


def test_the_guard_sees_a_service_called_on_the_ui_thread(database, actor):
    """The guard itself: a service called on this thread is recorded (the test can fail)."""
    from tasktui.services.events.definitions import list_events

    with sql_on_ui_thread() as found:
        list_events()
    assert found and found[0].startswith("SELECT")
