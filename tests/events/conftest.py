"""Fixtures of the events tests (`async def` Pilot tests run by the hook in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tasktui.services import people
from tasktui.services.events import definitions as event_service
from tasktui.services.events.manifests import register_catalogue


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
