"""Fixtures of the events tests, and a tiny runner for `async def` tests (Pilot)
so no asyncio plugin is needed: each coroutine test runs in its own event loop."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from tasktui.services import events as event_service
from tasktui.services import people
from tasktui.services.manifest import register_catalogue


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests of this folder with `asyncio.run`."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


@pytest.fixture
def catalogue(actor):
    """The shipped catalogue; bob and the group warehouse run stock_diff; one event
    made by hand; channel_connection_failed is obsolete."""
    register_catalogue()
    people.add_user("bob", "Bob Baker")
    people.add_group("warehouse")
    event_service.edit_event("stock_diff", responsible_user="bob", responsible_group="warehouse")
    event_service.create_event("parcel_lost", "Parcel lost", "Paket verloren", responsible_group="warehouse")
    event_service.set_obsolete("channel_connection_failed")
    return actor
