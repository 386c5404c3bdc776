"""The outbox is written with the task: recipients, content, per-event switches."""

from __future__ import annotations

import pytest

from tasktui.errors import NotFound, Refused
from tasktui.models import OutboxMessage, Task
from tasktui.services.context import acting_user, set_setting
from tasktui.services.mail import outbox as notify
from tasktui.services.mail.settings import set_apply_default, set_event_sending, update_settings
from tasktui.services.tasks.raising import raise_task


@pytest.fixture
def configured(team):
    """Email configured (no server needed: nothing is sent here)."""
    update_settings(host="smtp.example.com", security="starttls", from_address="tasks@example.com")
    return acting_user("script", "ops", register=True)


def outbox() -> list[OutboxMessage]:
    return list(OutboxMessage.select().order_by(OutboxMessage.id))


def test_one_message_per_recipient_each_address_once(configured):
    """The responsible user and the active group members with an address, each
    address once (erin shares alice's address in another case), carol (no email)
    and dave (inactive) skipped."""
    result = raise_task(configured, "stock_diff", "Stock differs for SKU 42")
    assert result.outcome == "created"
    messages = outbox()
    assert [m.recipient for m in messages] == ["alice@example.com", "bob@example.com"]
    assert {m.state for m in messages} == {"pending"}
    assert {m.task_id for m in messages} == {result.task_id}
    assert [m.user_id for m in messages] == [
        people_id("alice"),
        people_id("bob"),
    ]


def people_id(login: str) -> int:
    from tasktui.services.people import get_user

    return get_user(login).id


def test_content_names_event_title_and_has_description_link_assignee_group_command(configured):
    result = raise_task(
        configured,
        "stock_diff",
        "Stock differs for SKU 42",
        description="Counted 7, expected 9.\nShelf B-12.",
        link="https://erp.example.com/stock/42",
    )
    message = outbox()[0]
    assert message.subject == "[tasktui] Difference in stock: Stock differs for SKU 42"
    body = message.body
    assert "Counted 7, expected 9." in body and "Shelf B-12." in body
    assert "Link: https://erp.example.com/stock/42" in body
    assert "Assignee: Alice Smith (alice)" in body
    assert "Group: warehouse" in body
    assert f"tasktui task show {result.task_id}" in body
    assert '"Difference in stock" (stock_diff)' in body


def test_recipient_language_is_used(configured):
    bob = acting_user("bob", "ops", register=True)
    set_setting(bob, "lang", "de")
    raise_task(configured, "stock_diff", "Bestand falsch")
    by_address = {m.recipient: m for m in outbox()}
    assert by_address["alice@example.com"].subject.startswith("[tasktui] Difference in stock:")
    german = by_address["bob@example.com"]
    assert german.subject == "[tasktui] Bestandsdifferenz: Bestand falsch"
    assert "Zuständig: Alice Smith (alice)" in german.body and "Gruppe: warehouse" in german.body


def test_unassigned_task_says_so(configured):
    raise_task(configured, "order_import_failed", "Import of order 7 failed", assignee=None)
    message = outbox()[0]
    assert message.recipient == "bob@example.com"
    assert "Assignee: Bob (bob)" in message.body
    assert "Group: none" in message.body and "Link: none" in message.body


def test_deduplicated_raise_sends_nothing_new(configured):
    first = raise_task(configured, "stock_diff", "SKU 42", dedup_key="sku-42")
    again = raise_task(configured, "stock_diff", "SKU 42", dedup_key="sku-42")
    assert again.outcome == "deduplicated" and again.task_id == first.task_id
    assert len(outbox()) == 2


def test_default_on_every_event_sends(configured):
    raise_task(configured, "stock_diff", "a")
    raise_task(configured, "order_import_failed", "b")
    assert len(outbox()) == 3


def test_default_off_only_events_switched_on_send(configured):
    set_apply_default(False)
    raise_task(configured, "stock_diff", "never switched: nothing")
    assert outbox() == []
    set_event_sending("stock_diff", True)
    set_event_sending("order_import_failed", False)
    raise_task(configured, "stock_diff", "switched on")
    raise_task(configured, "order_import_failed", "switched off")
    assert [m.subject for m in outbox()] == ["[tasktui] Difference in stock: switched on"] * 2
    set_event_sending("stock_diff", False)
    raise_task(configured, "stock_diff", "switched off again")
    assert len(outbox()) == 2
    set_apply_default(True)
    raise_task(configured, "order_import_failed", "default applies again")
    assert len(outbox()) == 3


def test_switch_for_unknown_event_is_not_found(configured):
    with pytest.raises(NotFound):
        set_event_sending("no_such_event", True)


def test_nothing_is_enqueued_until_email_is_configured(team):
    actor = acting_user("script", "ops", register=True)
    raise_task(actor, "stock_diff", "no settings at all")
    update_settings(host="smtp.example.com")  # still no From address
    raise_task(actor, "stock_diff", "no From yet")
    assert outbox() == []


def test_outbox_rows_share_the_task_transaction(configured, monkeypatch):
    """When writing the outbox fails, the task is not created either (one transaction)."""

    def broken(rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(notify.OutboxMessage, "insert_many", broken)
    before = Task.select().count()
    with pytest.raises(RuntimeError):
        raise_task(configured, "stock_diff", "lost together")
    assert Task.select().count() == before


def test_refused_raise_writes_nothing(configured):
    from tasktui.services.events.definitions import set_obsolete

    set_obsolete("stock_diff")
    with pytest.raises(Refused):
        raise_task(configured, "stock_diff", "obsolete")
    assert outbox() == []


def test_retry_delays_grow_and_are_capped():
    delays = [notify.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:4] == [60, 120, 240, 480]
    assert max(delays) == notify.RETRY_CAP_S
    assert delays == sorted(delays)


def test_a_version_1_database_gets_the_email_tables(tmp_path):
    """Migration 2 adds the email tables to a database made before them."""
    from tasktui import db as dbmod
    from tasktui.models import database_proxy

    path = tmp_path / "old.db"
    dbmod.create_private_file(path)
    old = dbmod.TaskDatabase(str(path))
    old.connect()
    database_proxy.initialize(old)
    dbmod.apply_migrations(old, target=1)
    assert "outbox_message" not in old.get_tables()
    old.close()
    database = dbmod.open_database(path)
    try:
        assert dbmod.schema_version(database) == dbmod.SCHEMA_VERSION
        assert {"email_settings", "event_email_switch", "outbox_message"} <= set(database.get_tables())
        assert notify.outbox_counts() == {"pending": 0, "sending": 0, "sent": 0, "failed": 0}
    finally:
        database.close()
