"""Events: identifier rules, create, edit (with the locks), delete, obsolete."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, cast, overload

import peewee as pw

from tasktui.db import lock_keys, write_transaction
from tasktui.errors import Invalid, NotFound, Refused
from tasktui.limits import MAX_IDENTIFIER, MAX_NAME
from tasktui.models import MANUAL_PLUGIN_LABEL, OPEN, AttributeSet, Event, Group, Task, User
from tasktui.services.audit import record, record_changes, summary
from tasktui.services.context import Actor
from tasktui.services.lookups import get_event, get_group, get_user
from tasktui.services.severity import DEFAULT as DEFAULT_SEVERITY
from tasktui.services.severity import name_of as severity_name
from tasktui.services.severity import rank_of
from tasktui.text_safety import clean_line, clean_name

#: Fields that may change after an event is created; the others are locked.
EDITABLE = (
    "name_en",
    "name_de",
    "responsible_user",
    "responsible_group",
    "severity",
    "subject_template",
    "body_template",
)
LOCKED = ("identifier", "plugin", "attribute_set")


def identifier_problem(identifier: str) -> str | None:
    """The first identifier rule that `identifier` breaks, or None when it is valid.

    The five rules of PRODUCT.md: only A-Z a-z 0-9 _; not empty; must not start with
    a digit; no double underscore; must not end with an underscore."""
    if not identifier:
        return "must not be empty"
    bad = sorted({c for c in identifier if not (c.isascii() and (c.isalnum() or c == "_"))})
    if bad:
        return "may only contain A-Z, a-z, 0-9 and _ (found " + " ".join(repr(c) for c in bad) + ")"
    if identifier[0].isdigit():
        return "must not start with a digit"
    if "__" in identifier:
        return "must not contain a double underscore __"
    if identifier.endswith("_"):
        return "must not end with _"
    if len(identifier) > MAX_IDENTIFIER:
        return f"must be at most {MAX_IDENTIFIER} characters"
    return None


def check_identifier(identifier: str) -> str:
    """The identifier, or Invalid naming the rule it breaks."""
    problem = identifier_problem(identifier)
    if problem:
        raise Invalid(f"invalid identifier {identifier!r}: {problem}")
    return identifier


@overload
def _check_name(name: str | None, lang: str, required: Literal[True]) -> str: ...
@overload
def _check_name(name: str | None, lang: str, required: bool) -> str | None: ...
def _check_name(name: str | None, lang: str, required: bool) -> str | None:
    name = clean_name(name)  # a newline stays, refused below
    if not name:
        if required:
            raise Invalid(f"the {'English' if lang == 'en' else 'German'} name is required")
        return None
    if len(name) > MAX_NAME or "\n" in name:
        raise Invalid(f"the {lang} name must be one line of at most {MAX_NAME} characters")
    return name


def check_name(name: str | None, lang: str, required: bool) -> str | None:
    """An event name stripped (None when empty and optional), or Invalid: the English
    name is required, names are one line of at most MAX_NAME characters."""
    return _check_name(name, lang, required)


@dataclass(frozen=True)
class EventInfo:
    """An event as listings and screens show it."""

    id: int
    identifier: str
    name_en: str
    name_de: str | None
    name: str
    plugin: str | None
    responsible_user: str | None
    responsible_group: str | None
    attribute_set: str | None
    obsolete: bool
    task_count: int | None = None
    warnings: list[str] = field(default_factory=list)
    #: With `list_events(with_activity=True)`: its open tasks, and when one of its
    #: tasks was last raised (created or raised again; None: never).
    open_count: int | None = None
    last_raised: dt.datetime | None = None
    #: The severity its tasks get unless the raise names one.
    severity: str = "normal"
    #: Its own subject and body of its tasks' notifications (None: the default text).
    subject_template: str | None = None
    body_template: str | None = None

    @property
    def plugin_label(self) -> str:
        """The plugin, or "Manually created"."""
        return self.plugin or MANUAL_PLUGIN_LABEL

    @property
    def state(self) -> str:
        """ "Active" or "Obsolete"."""
        return "Obsolete" if self.obsolete else "Active"


def _responsibility_warnings(event: Event) -> list[str]:
    if event.responsible_user_id is None and event.responsible_group_id is None:
        return [f"event {event.identifier!r} has no responsible user or group: its tasks will be unassigned"]
    return []


def event_info(event: Event, lang: str = "en", with_count: bool = False) -> EventInfo:
    """The plain view of an event; `with_count`: with its number of tasks, of open
    tasks and its last raise."""
    user = User.get_by_id(event.responsible_user_id) if event.responsible_user_id else None
    group = Group.get_by_id(event.responsible_group_id) if event.responsible_group_id else None
    aset = AttributeSet.get_by_id(event.attribute_set_id) if event.attribute_set_id else None
    return EventInfo(
        id=event.id,
        identifier=event.identifier,
        name_en=event.name_en,
        name_de=event.name_de,
        name=event.name(lang),
        plugin=event.plugin,
        responsible_user=user.login if user else None,
        responsible_group=group.name if group else None,
        attribute_set=aset.key if aset else None,
        obsolete=event.obsolete,
        **(_activity(event.id) if with_count else {}),
        warnings=_responsibility_warnings(event),
        severity=severity_name(event.severity),
        subject_template=event.subject_template,
        body_template=event.body_template,
    )


def _activity(event_id: int) -> dict[str, Any]:
    """task_count, open_count and last_raised of one event (one query)."""
    row = (
        Task.select(
            pw.fn.COUNT(Task.id), pw.fn.SUM(pw.Case(None, [(Task.status == OPEN, 1)], 0)), pw.fn.MAX(Task.last_seen_at)
        )
        .where(Task.event == event_id)
        .tuples()
        .get()
    )
    count, open_count, last = cast("tuple[int, int | None, object]", row)
    return {
        "task_count": count,
        "open_count": int(open_count or 0),
        "last_raised": Task.last_seen_at.python_value(last),
    }


def audited_fields(event: Event) -> dict[str, object]:
    """The fields of an event the audit log follows (users and groups by name)."""
    user = User.get_by_id(event.responsible_user_id) if event.responsible_user_id else None
    group = Group.get_by_id(event.responsible_group_id) if event.responsible_group_id else None
    aset = AttributeSet.get_by_id(event.attribute_set_id) if event.attribute_set_id else None
    return {
        "name_en": event.name_en,
        "name_de": event.name_de,
        "plugin": event.plugin,
        "responsible_user": user.login if user else None,
        "responsible_group": group.name if group else None,
        "attribute_set": aset.key if aset else None,
        "severity": severity_name(event.severity),
        "subject_template": event.subject_template,
        "body_template": event.body_template,
    }


def _templates(subject_template: str | None, body_template: str | None) -> dict[str, str | None]:
    """The templates given (None: not given), checked and cleaned ('' clears one)."""
    from tasktui.services.message_template import BODY, SUBJECT, check_template

    given: dict[str, str | None] = {}
    if subject_template is not None:
        given["subject_template"] = check_template(subject_template, SUBJECT)
    if body_template is not None:
        given["body_template"] = check_template(body_template, BODY)
    return given


def create_event(
    identifier: str,
    name_en: str,
    name_de: str | None = None,
    plugin: str | None = None,
    responsible_user: str | None = None,
    responsible_group: str | None = None,
    attribute_set: str | None = None,
    lang: str = "en",
    *,
    actor: Actor | None = None,
    severity: str | None = None,
    subject_template: str | None = None,
    body_template: str | None = None,
) -> EventInfo:
    """Create an event (recorded in the audit log). Having neither a responsible user
    nor group is allowed, with a warning in the result. `severity` is the default of
    its tasks (None: normal); the templates are its own notification text
    (`services.message_template`; None or '': the default text)."""
    check_identifier(identifier)
    rank = rank_of(severity) if severity else DEFAULT_SEVERITY
    templates = _templates(subject_template, body_template)
    name_en = _check_name(name_en, "en", required=True)
    name_de = _check_name(name_de, "de", required=False)
    with write_transaction():
        lock_keys([f"event:{identifier}"])  # concurrent creators of one name take turns (PostgreSQL)
        if Event.select().where(Event.identifier == identifier).exists():
            raise Refused(f"event {identifier!r} already exists")
        user = get_user(responsible_user) if responsible_user else None
        group = get_group(responsible_group) if responsible_group else None
        aset = None
        if attribute_set:
            aset = AttributeSet.get_or_none(AttributeSet.key == attribute_set)
            if aset is None:
                raise NotFound(f"unknown attribute set {attribute_set!r}")
        event = Event.create(
            identifier=identifier,
            name_en=name_en,
            name_de=name_de,
            plugin=clean_line(plugin).strip() or None,
            responsible_user=user,
            responsible_group=group,
            attribute_set=aset,
            severity=rank,
            **templates,
        )
        record(actor, "event", identifier, "create", new=summary(audited_fields(event)))
    return event_info(event, lang)


_UNSET = object()


def edit_event(
    identifier: str,
    /,
    *,
    name_en: str | None = None,
    name_de: str | object | None = _UNSET,
    responsible_user: str | object | None = _UNSET,
    responsible_group: str | object | None = _UNSET,
    severity: str | None = None,
    subject_template: str | None = None,
    body_template: str | None = None,
    lang: str = "en",
    actor: Actor | None = None,
    **locked: object,
) -> EventInfo:
    """Change the editable fields of an event. `None` (or "") for name_de, the user or
    the group clears it; any other keyword (identifier, plugin, attribute_set) is
    refused because those fields are locked after creation. Changes affect only
    tasks raised later. A template given replaces the event's own (checked when it is
    saved: an unknown placeholder is Invalid); '' clears it. Each changed field is
    recorded in the audit log."""
    for key in locked:
        if key in LOCKED:
            raise Refused(f"the {key.replace('_', ' ')} of an event cannot be changed after creation")
        raise Invalid(f"unknown event field {key!r}")
    templates = _templates(subject_template, body_template)
    with write_transaction():
        event = get_event(identifier)
        before = audited_fields(event)
        if name_en is not None:
            event.name_en = _check_name(name_en, "en", required=True)
        if name_de is not _UNSET:
            event.name_de = _check_name(name_de, "de", required=False)  # type: ignore[arg-type]
        if responsible_user is not _UNSET:
            event.responsible_user = get_user(responsible_user) if responsible_user else None  # type: ignore[arg-type]
        if responsible_group is not _UNSET:
            event.responsible_group = get_group(responsible_group) if responsible_group else None  # type: ignore[arg-type]
        if severity is not None:
            event.severity = rank_of(severity)
        for key, value in templates.items():
            setattr(event, key, value)
        event.save()
        record_changes(actor, "event", event.identifier, before, audited_fields(event))
    return event_info(event, lang)


def delete_event(identifier: str, *, actor: Actor | None = None) -> EventInfo:
    """Delete an event that has no tasks; one with tasks can only be marked obsolete."""
    with write_transaction():
        event = get_event(identifier)
        count = Task.select().where(Task.event == event.id).count()
        if count:
            raise Refused(
                f"event {event.identifier!r} has {count} task{'s' if count != 1 else ''} and cannot be "
                "deleted; mark it obsolete instead"
            )
        info = event_info(event)
        record(actor, "event", event.identifier, "delete", old=summary(audited_fields(event)))
        event.delete_instance()
    return info


def set_obsolete(identifier: str, obsolete: bool = True, lang: str = "en", *, actor: Actor | None = None) -> EventInfo:
    """Mark an event obsolete (it raises no new tasks) or active again; a change of
    state is recorded in the audit log."""
    with write_transaction():
        event = get_event(identifier)
        if bool(event.obsolete) != obsolete:
            old, new = event.state, "obsolete" if obsolete else "active"
            record(actor, "event", event.identifier, "obsolete" if obsolete else "activate", "state", old, new)
        event.obsolete = obsolete
        event.save()
    return event_info(event, lang)


def list_events(
    search: str = "", lang: str = "en", include_obsolete: bool = True, with_activity: bool = False
) -> list[EventInfo]:
    """Events sorted by identifier; `search` matches identifier, names and plugin.
    `with_activity` adds each event's open-task count and last raise (one grouped
    query over the tasks, for the events screen)."""
    query = Event.select().order_by(Event.identifier)
    if search:
        query = query.where(
            Event.identifier.contains(search)
            | Event.name_en.contains(search)
            | Event.name_de.contains(search)
            | Event.plugin.contains(search)
        )
    if not include_obsolete:
        query = query.where(Event.obsolete == False)  # noqa: E712
    infos = [event_info(e, lang) for e in query]
    if with_activity:
        rows = cast(  # peewee's .tuples() is untyped
            "Iterable[tuple[int, int | None, object]]",
            Task.select(
                Task.event,
                pw.fn.SUM(pw.Case(None, [(Task.status == OPEN, 1)], 0)),
                pw.fn.MAX(Task.last_seen_at),
            )
            .group_by(Task.event)
            .tuples(),
        )
        activity = {event_id: (open_count or 0, last) for event_id, open_count, last in rows}
        infos = [
            dataclasses.replace(
                info,
                open_count=int(activity.get(info.id, (0, None))[0] or 0),
                last_raised=Task.last_seen_at.python_value(activity.get(info.id, (0, None))[1]),
            )
            for info in infos
        ]
    return infos
