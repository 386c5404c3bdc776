"""People beyond adding them (issue 18.3): overview counts, delete refused with the
counts while anything refers to a user or group, merge of a duplicate user, group
edit/delete — as services and as `tasktui user delete|merge`, `group edit|delete`."""

from __future__ import annotations

import json

import pytest

from tasktui.errors import Invalid, NotFound, Refused
from tasktui.models import AuditEntry, Group, Membership, Task, TaskHistory, User
from tasktui.services import people
from tasktui.services.context import acting_user
from tasktui.services.events import definitions as events
from tasktui.services.people_admin import (
    delete_group,
    delete_user,
    edit_group,
    group_rows,
    merge_user,
    user_rows,
)
from tasktui.services.tasks.raising import raise_task
from tasktui.services.tasks.transitions import assign, mark_done

pytestmark = pytest.mark.both_backends


@pytest.fixture
def world(database, actor):
    people.add_user("bob", "Bob B")
    people.add_user("bobby", "Bob B (duplicate)")
    people.add_user("typo")
    people.add_group("warehouse", "Stock")
    people.add_group("empty")
    people.add_member("warehouse", "bob")
    people.add_member("warehouse", "bobby")
    events.create_event("stock_diff", "Stock", responsible_user="bobby", responsible_group="warehouse")
    return actor


def test_overview_counts_open_tasks_per_user_and_group(world):
    ids = [raise_task(world, "stock_diff", f"t{i}").task_id for i in range(3)]
    mark_done(world, ids[:1])
    rows = {r.login: r for r in user_rows()}
    assert (rows["bobby"].open_tasks, rows["bobby"].groups, rows["bob"].open_tasks) == (2, ["warehouse"], 0)
    assert rows["alice"].active and rows["alice"].groups == []
    groups = {g.name: g for g in group_rows()}
    assert (groups["warehouse"].open_tasks, groups["warehouse"].members) == (2, ["bob", "bobby"])
    assert groups["empty"].open_tasks == 0


def test_delete_is_refused_with_the_counts_while_anything_refers(world):
    raise_task(world, "stock_diff", "t")
    with pytest.raises(Refused, match=r"1 tasks assigned, 1 events responsible.*deactivate instead"):
        delete_user("bobby", actor=world)
    with pytest.raises(Refused, match=r"group 'warehouse' cannot be deleted: 1 tasks, 1 events responsible"):
        delete_group("warehouse", actor=world)
    with pytest.raises(Refused, match="yourself"):
        delete_user("alice", actor=world)
    assert User.select().where(User.login == "bobby").exists()
    delete_user("typo", actor=world)
    delete_group("empty", actor=world)
    assert not User.select().where(User.login == "typo").exists()
    assert not Group.select().where(Group.name == "empty").exists()
    with pytest.raises(NotFound):
        delete_user("typo", actor=world)
    audited = {(e.entity, e.entity_key, e.action) for e in AuditEntry.select()}
    assert {("user", "typo", "delete"), ("group", "empty", "delete")} <= audited


def test_merge_moves_tasks_and_keeps_history_readable(world):
    bobby = acting_user("bobby", "ops")
    ids = [raise_task(world, "stock_diff", f"t{i}").task_id for i in range(3)]
    mark_done(bobby, ids[:1])
    assign(world, ids[2:], "bob")
    result = merge_user("bobby", "bob", actor=world)
    assert (result.tasks_assigned, result.tasks_done_by, result.events, result.groups) == (2, 1, 1, 1)
    assert {Task.get_by_id(i).assignee.login for i in ids} == {"bob"}
    assert Task.get_by_id(ids[0]).done_by.login == "bob"
    assert events.get_event("stock_diff").responsible_user.login == "bob"
    old = User.get(User.login == "bobby")
    assert not old.active and Membership.select().where(Membership.user == old.id).count() == 0
    # bobby's own history entry still names bobby; the move is recorded too
    rows = TaskHistory.select().where(TaskHistory.task == ids[0]).order_by(TaskHistory.id)
    assert [(h.action, h.actor.login) for h in rows][-3:] == [
        ("done", "bobby"),
        ("merged", "alice"),
        ("merged", "alice"),
    ]
    assert "bobby is inactive" in result.summary()
    with pytest.raises(Invalid):
        merge_user("bob", "bob", actor=world)
    with pytest.raises(Refused, match="inactive"):
        merge_user("bob", "bobby", actor=world)


def test_edit_group_renames_and_describes(world):
    info = edit_group("warehouse", "stock", "Stock counts", actor=world)
    assert (info.name, info.description, info.members) == ("stock", "Stock counts", ["bob", "bobby"])
    with pytest.raises(Refused, match="already exists"):
        edit_group("stock", "empty", actor=world)
    with pytest.raises(Invalid):
        edit_group("stock", "bad name!", actor=world)


def test_cli_user_delete_merge_and_group_edit_delete(cli):
    assert cli("init").exit_code == 0
    for login in ("bob", "bobby", "typo"):
        assert cli("user", "add", login).exit_code == 0
    assert cli("group", "add", "ops").exit_code == 0
    assert cli("event", "create", "disk_full", "--name", "Disk", "--responsible-user", "bobby").exit_code == 0
    refused = cli("user", "delete", "bobby")
    assert refused.exit_code == 1 and "1 events responsible" in refused.stderr and "--inactive" in refused.stderr
    assert cli("user", "delete", "typo").stdout.strip() == "deleted user typo"
    merged = cli("user", "merge", "bobby", "bob")
    assert merged.exit_code == 0 and merged.stdout.startswith("merged bobby into bob: 0 tasks assigned")
    assert cli("group", "edit", "ops", "--name", "operations", "--description", "Ops").exit_code == 0
    assert cli("group", "edit", "operations").exit_code == 2
    assert cli("group", "delete", "operations").stdout.strip() == "deleted group operations"
    assert cli("group", "delete", "operations").exit_code == 3


def test_a_display_name_is_one_line(cli):
    """A newline in a display name is refused, as in a title (README); a tab or CR is
    cleaned to a space."""
    refused = cli("user", "add", "nl", "--name", "a\nb")
    assert refused.exit_code == 2 and "a display name must be one line" in refused.stderr
    assert cli("user", "add", "tab", "--name", "a\tb\rc").exit_code == 0
    assert cli("user", "edit", "tab", "--name", "x\ny").exit_code == 2
    users = {u["login"]: u for u in json.loads(cli("user", "list", "--format", "json").stdout)}
    assert users["tab"]["display_name"] == "a b c" and "nl" not in users  # nothing was added
