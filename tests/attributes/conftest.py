"""Fixtures: a database with a few typed attributes, a group, a set and an event
using it. `async def` (Pilot) tests run through the hook in tests/conftest.py."""

from __future__ import annotations

import pytest

from tasktui.services.attributes import definitions as attrs
from tasktui.services.attributes import groups as attr_groups
from tasktui.services.attributes import sets as attr_sets
from tasktui.services.events.definitions import create_event


@pytest.fixture
def catalogue(actor):
    """Attributes qty (integer, required), price (decimal), ok (boolean, default
    false), colour (choice), site (url), note (text), due (date), seen (datetime);
    group `stock`; set `stock_set` with all of them; event `stock_diff` using it."""
    attr_groups.create_attribute_group("stock", "Stock", label_de="Bestand")
    attrs.create_attribute("qty", "Quantity", "integer", required=True, group="stock", label_de="Menge")
    attrs.create_attribute("price", "Price", "decimal", group="stock")
    attrs.create_attribute("ok", "Checked", "boolean", default="no")
    attrs.create_attribute("colour", "Colour", "choice", choices=["red", "green", "Light Blue"])
    attrs.create_attribute("site", "Site", "url")
    attrs.create_attribute("note", "Note", "text")
    attrs.create_attribute("due", "Due", "date")
    attrs.create_attribute("seen", "Seen at", "datetime")
    attr_sets.create_attribute_set(
        "stock_set", "Stock checks", ["qty", "price", "ok", "colour", "site", "note", "due", "seen"]
    )
    create_event("stock_diff", "Difference in stock", attribute_set="stock_set")
    create_event("plain", "No attributes")
    return actor
