"""Hostile task text for the tests of every input and output path (text_safety).

`store_raw_hostile_task` writes the raw sequences straight into the tables, as an
older database (before input cleaning) may hold them: output must be safe on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from tasktui.models import Comment, Event, Group, Task, TaskAttribute, TaskHistory, User
from tasktui.services.attributes import definitions as attributes
from tasktui.services.attributes import sets as attribute_sets
from tasktui.services.context import Actor
from tasktui.services.events.definitions import create_event
from tasktui.services.people import add_group, add_user
from tasktui.services.tasks.detail import add_comment
from tasktui.services.tasks.raising import raise_task

OSC52 = "\x1b]52;c;cHduZWQ=\x07"  # writes "pwned" to the clipboard
OSC0 = "\x1b]0;pwned\x07"  # sets the window title
CSI = "\x1b[31m"  # red
RLO = "\u202e"  # right-to-left override
C1_CSI = "\x9b2J"  # clear screen, 8-bit form
HOSTILE = f"Order {OSC52}1234{OSC0} failed {CSI}red{C1_CSI}\rover{RLO}txt.exe"
HOSTILE_TEXT = f"first {CSI}line\r\nsecond {OSC52}line\n{OSC0}third{RLO} line"
#: Characters a terminal must never receive raw from task text.
RAW = ("\x1b", "\x07", "\r", "\x9b", RLO)


def assert_no_raw(text: str, where: str = "") -> None:
    """Fail when `text` holds a raw control or bidi character of the hostile texts."""
    found = [c for c in RAW if c in text]
    assert not found, f"{where}: raw {found!r} in {text!r}"


def assert_visible(text: str, where: str = "", *shown: str) -> None:
    """No raw control, and the hostile sequences are shown, not lost: by default the
    OSC 52 with ESC as ␛ and BEL as ␇, and the override as <U+202E>."""
    assert_no_raw(text, where)
    for part in shown or ("␛]52;c;cHduZWQ=␇", "<U+202E>"):
        assert part in text, f"{where}: {part!r} not shown in {text!r}"


@dataclass(frozen=True)
class HostileTask:
    """Where the raw texts went."""

    task_id: int
    event: str


def store_raw_hostile_task(actor: Actor) -> HostileTask:
    """A task whose title, description, link, dedup key, event name, attribute value,
    comment, history, assignee display name and group description hold raw
    escape sequences (written past the input cleaners, like an old database)."""
    add_user("mallory", "Mallory")
    add_group("ops_team", "ops")
    attributes.create_attribute("note", "Note", "text")
    attribute_sets.create_attribute_set("noted", "Noted", ["note"])
    create_event(
        "hostile_event", "Hostile", attribute_set="noted", responsible_user="mallory", responsible_group="ops_team"
    )
    result = raise_task(actor, "hostile_event", "placeholder", dedup_key="k", attributes={"note": "x"})
    add_comment(actor, result.task_id, "placeholder")
    Task.update(title=HOSTILE, description=HOSTILE_TEXT, link=f"https://x/{OSC52}{RLO}", dedup_key=HOSTILE).where(
        Task.id == result.task_id
    ).execute()
    Event.update(name_en=f"Event {OSC0}{RLO}name").where(Event.identifier == "hostile_event").execute()
    TaskAttribute.update(value=HOSTILE).where(TaskAttribute.task == result.task_id).execute()
    Comment.update(body=HOSTILE_TEXT).where(Comment.task == result.task_id).execute()
    TaskHistory.update(new=HOSTILE).where(TaskHistory.task == result.task_id).execute()
    User.update(display_name=HOSTILE).where(User.login == "mallory").execute()
    Group.update(description=HOSTILE_TEXT).where(Group.name == "ops_team").execute()
    return HostileTask(result.task_id, "hostile_event")
