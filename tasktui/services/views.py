"""Saved views (issue 17): a name plus filters, sort and visible columns, per user.

A view's `spec` is stored as JSON with names, not ids (users, groups and events by
login, name and identifier), so a view survives `export`/`import` thinking and names
what it means. A view that names an event, user or group that was removed is kept:
turning it into a filter (`view_filter`) is NotFound naming the view and the name, so
a tab shows an error and nothing crashes.

Views are per user; a `shared` view is listed for everyone and only its owner may
change, rename or delete it. A user's own view hides a shared one of the same name.
The first time a user's views are listed, the defaults are made for them: "Mine"
(assigned to them directly or via groups, open, not snoozed), "Unassigned",
"Critical" and "All open" (a user who deletes them all keeps none).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from tasktui.db import write_transaction
from tasktui.errors import Invalid, NotFound, Refused
from tasktui.models import SavedView, User, UserSetting, utcnow
from tasktui.services.context import Actor
from tasktui.services.tasks.filters import ACK_MODES, ASSIGNEE_MODES, SNOOZE_MODES, STATUSES, TaskFilter
from tasktui.text_safety import clean_line

MAX_VIEW_NAME = 40
MAX_VIEWS = 50
#: Marks a user whose default views were made (so deleting them all is kept).
SEEDED_SETTING = "views.seeded"


@dataclass(frozen=True)
class ViewSpec:
    """What a view shows: filters by name, sort, descending, visible columns."""

    assignee: str = "all"
    user: str | None = None  # whose tasks the assignee mode means (None: the viewer)
    group: str | None = None
    event: str | None = None
    severity: str = ""  # as `--severity` takes it: "high+", "critical,low"
    status: str = "open"
    acknowledged: str = "any"
    snoozed: str = "awake"
    text: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    sort: str = "created"
    descending: bool = True
    columns: tuple[str, ...] = ()  # empty: the viewer's own column choice

    def check(self) -> ViewSpec:
        """This spec, when every choice is a known one; Invalid names the first that is not."""
        from tasktui.services.severity import parse_level_filter
        from tasktui.services.tasks.listing import SORT_KEYS

        if self.assignee not in ASSIGNEE_MODES:
            raise Invalid(f"unknown assignee filter {self.assignee!r}: use {', '.join(ASSIGNEE_MODES)}")
        for value, choices, what in ((self.status, STATUSES, "status"), (self.acknowledged, ACK_MODES, "acknowledged"),
                                     (self.snoozed, SNOOZE_MODES, "snoozed")):  # fmt: skip
            if value not in choices:
                raise Invalid(f"unknown {what} filter {value!r}: use {', '.join(choices)}")
        if self.severity:
            parse_level_filter(self.severity)
        if self.sort not in SORT_KEYS:
            raise Invalid(f"unknown sort column {self.sort!r}")
        return self

    def to_json(self) -> str:
        """The stored form."""
        data = dataclasses.asdict(self)
        data["attributes"] = [list(pair) for pair in self.attributes]
        data["columns"] = list(self.columns)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ViewSpec:
        """A stored spec; unknown keys (a newer tasktui) are ignored, bad ones give defaults."""
        try:
            data = json.loads(text)
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        known = {f.name for f in dataclasses.fields(cls)}
        kept = {k: v for k, v in data.items() if k in known}
        kept["attributes"] = tuple(
            tuple(p) for p in kept.get("attributes") or () if isinstance(p, list) and len(p) == 2
        )
        kept["columns"] = tuple(c for c in kept.get("columns") or () if isinstance(c, str))
        try:
            return cls(**kept)
        except TypeError:
            return cls()


@dataclass(frozen=True)
class ViewInfo:
    """A view as `view list` and the tabs show it."""

    id: int
    name: str
    owner: str
    shared: bool
    spec: ViewSpec = field(default_factory=ViewSpec)
    mine: bool = True


DEFAULT_VIEWS: tuple[tuple[str, ViewSpec], ...] = (
    ("Mine", ViewSpec(assignee="direct_or_groups")),
    ("Unassigned", ViewSpec(assignee="unassigned")),
    ("Critical", ViewSpec(severity="critical")),
    ("All open", ViewSpec()),
)


def check_view_name(name: str) -> str:
    """A view name: one line, cleaned, 1 to MAX_VIEW_NAME characters."""
    cleaned = clean_line(name or "").strip()
    if not cleaned:
        raise Invalid("a view needs a name")
    if len(cleaned) > MAX_VIEW_NAME:
        raise Invalid(f"a view name is at most {MAX_VIEW_NAME} characters")
    return cleaned


def _info(row: SavedView, actor: Actor, owners: dict[int, str]) -> ViewInfo:
    return ViewInfo(row.id, row.name, owners.get(row.owner_id, "?"), row.shared, ViewSpec.from_json(row.spec),
                    row.owner_id == actor.user_id)  # fmt: skip


def _seed(actor: Actor) -> None:
    """Make the default views for a user who never had any (once)."""
    seeded = UserSetting.select().where((UserSetting.user == actor.user_id) & (UserSetting.key == SEEDED_SETTING))
    if seeded.exists():
        return
    with write_transaction():
        if seeded.exists():
            return
        now = utcnow()
        for position, (name, spec) in enumerate(DEFAULT_VIEWS):
            if not SavedView.select().where((SavedView.owner == actor.user_id) & (SavedView.name == name)).exists():
                SavedView.create(owner=actor.user_id, name=name, shared=False, spec=spec.to_json(),
                                 position=position, created_at=now, updated_at=now)  # fmt: skip
        UserSetting.create(user=actor.user_id, key=SEEDED_SETTING, value="1")


def list_views(actor: Actor, *, seed: bool = True) -> list[ViewInfo]:
    """The views `actor` sees, in tab order: their own, then others' shared ones
    (a shared view named like one of their own is left out)."""
    from tasktui.db import is_read_only

    if seed and not is_read_only():
        _seed(actor)
    rows = list(
        SavedView.select()
        .where((SavedView.owner == actor.user_id) | (SavedView.shared == True))  # noqa: E712 (SQL, not Python)
        .order_by(SavedView.owner != actor.user_id, SavedView.position, SavedView.id)
    )
    owners = {u.id: u.login for u in User.select(User.id, User.login).where(User.id.in_({r.owner_id for r in rows}))}
    mine = {r.name for r in rows if r.owner_id == actor.user_id}
    return [_info(r, actor, owners) for r in rows if r.owner_id == actor.user_id or r.name not in mine]


def get_view(actor: Actor, name: str) -> ViewInfo:
    """The view `actor` sees under `name` (their own first), or NotFound."""
    for view in list_views(actor):
        if view.name == name:
            return view
    raise NotFound(f"unknown view {name!r} (tasktui view list shows them)")


def _own(actor: Actor, name: str) -> SavedView:
    row = SavedView.get_or_none((SavedView.owner == actor.user_id) & (SavedView.name == name))
    if row is None:
        shared = SavedView.get_or_none((SavedView.shared == True) & (SavedView.name == name))  # noqa: E712
        if shared is not None:
            raise Refused(f"view {name!r} is shared by another user: only its owner can change it")
        raise NotFound(f"unknown view {name!r}")
    return row


def save_view(actor: Actor, name: str, spec: ViewSpec, *, shared: bool | None = None) -> ViewInfo:
    """Save `spec` as the actor's view `name` (a new one, or theirs replaced);
    `shared` None keeps what an existing view had (new: not shared)."""
    name = check_view_name(name)
    spec.check()
    _seed(actor)
    with write_transaction():
        row = SavedView.get_or_none((SavedView.owner == actor.user_id) & (SavedView.name == name))
        now = utcnow()
        if row is None:
            count = SavedView.select().where(SavedView.owner == actor.user_id).count()
            if count >= MAX_VIEWS:
                raise Refused(f"at most {MAX_VIEWS} views per user: delete one first")
            row = SavedView.create(owner=actor.user_id, name=name, shared=bool(shared), spec=spec.to_json(),
                                   position=count, created_at=now, updated_at=now)  # fmt: skip
        else:
            row.spec, row.updated_at = spec.to_json(), now
            if shared is not None:
                row.shared = shared
            row.save()
    return _info(row, actor, {actor.user_id: actor.login})


def delete_view(actor: Actor, name: str) -> None:
    """Delete one of the actor's views (a shared one of another user is Refused)."""
    with write_transaction():
        _own(actor, name).delete_instance()


def rename_view(actor: Actor, name: str, new_name: str) -> ViewInfo:
    """Rename one of the actor's views (the new name must be free among theirs)."""
    new_name = check_view_name(new_name)
    with write_transaction():
        row = _own(actor, name)
        if (
            new_name != name
            and SavedView.select().where((SavedView.owner == actor.user_id) & (SavedView.name == new_name)).exists()
        ):
            raise Refused(f"you have a view named {new_name!r} already")
        row.name, row.updated_at = new_name, utcnow()
        row.save()
    return _info(row, actor, {actor.user_id: actor.login})


def view_filter(actor: Actor, view: ViewInfo) -> TaskFilter:
    """The TaskFilter a view means for `actor`; NotFound names the view and what it
    names that no longer exists (a removed event, user or group)."""
    from tasktui.services.events.definitions import get_event
    from tasktui.services.people import get_group, get_user
    from tasktui.services.severity import parse_level_filter

    spec = view.spec
    try:
        user_id = get_user(spec.user).id if spec.user else actor.user_id
        event_id = get_event(spec.event).id if spec.event else None
        group_id = get_group(spec.group).id if spec.group else None
    except NotFound as e:
        raise NotFound(f"view {view.name!r}: {e}") from None
    return TaskFilter(
        assignee_mode=spec.assignee, user_id=user_id, event_id=event_id, group_id=group_id, status=spec.status,
        text=spec.text, attributes=spec.attributes,
        severities=parse_level_filter(spec.severity) if spec.severity else (),
        acknowledged=spec.acknowledged, snoozed=spec.snoozed,
    )  # fmt: skip


def view_counts(actor: Actor, views: list[ViewInfo], cap: int = 10_000) -> dict[int, str]:
    """The live count of each view's tab ("1,234", "10,000+"), or its error ("!
    unknown event 'x'") for a view naming something removed."""
    from tasktui.services.tasks.counts import count_up_to

    counts: dict[int, str] = {}
    for view in views:
        try:
            counts[view.id] = str(count_up_to(view_filter(actor, view), cap))
        except (NotFound, Invalid) as e:
            counts[view.id] = "! " + str(e).removeprefix(f"view {view.name!r}: ")
    return counts
