"""Peewee models: the tables of tasktui and nothing else.

Models are bound to `database_proxy`, which `db.open_database` initialises from the
resolved configuration; nothing is opened at import time. Behaviour lives in
`tasktui.services`; here are only fields, indexes and small properties.
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

database_proxy = pw.DatabaseProxy()


def utcnow() -> dt.datetime:
    """The current time in UTC, naive (the database stores UTC without an offset)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(pw.Model):
    """Every table uses the shared proxy and keeps its own short table name.

    `id` is the integer primary key peewee would add by itself, declared so that type
    checkers know it; each model gets its own copy. The `<name>_id` annotations on the
    models below declare the key columns peewee gives every foreign key `<name>`
    (annotations only: peewee creates those attributes, and ignores annotations)."""

    id = pw.AutoField()

    class Meta:
        database = database_proxy
        legacy_table_names = False


class User(BaseModel):
    """A person who can be assigned tasks; `login` is unique and never reused."""

    login = pw.CharField(unique=True)
    display_name = pw.CharField(default="")
    email = pw.CharField(null=True)
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)

    @property
    def label(self) -> str:
        """The display name, or the login when there is none."""
        return self.display_name or self.login


class Group(BaseModel):
    """A named set of users (e.g. `warehouse`)."""

    name = pw.CharField(unique=True)
    description = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "user_group"


class Membership(BaseModel):
    """A user belongs to a group."""

    user = pw.ForeignKeyField(User, backref="memberships", on_delete="CASCADE", index=False)
    user_id: int
    group = pw.ForeignKeyField(Group, backref="memberships", on_delete="CASCADE", index=False)
    group_id: int

    class Meta:
        indexes = ((("user", "group"), True), (("group", "user"), False))


class UserSetting(BaseModel):
    """A remembered per-user preference (column choice, language, theme...)."""

    user = pw.ForeignKeyField(User, backref="settings", on_delete="CASCADE", index=False)
    user_id: int
    key = pw.CharField()
    value = pw.TextField()

    class Meta:
        indexes = ((("user", "key"), True),)


class AttributeGroup(BaseModel):
    """A display section for attributes in the task detail."""

    key = pw.CharField(unique=True)
    label_en = pw.CharField()
    label_de = pw.CharField(null=True)
    position = pw.IntegerField(default=0)


class AttributeDef(BaseModel):
    """A typed custom field: key, labels, type, required flag, default, choices."""

    key = pw.CharField(unique=True)
    label_en = pw.CharField()
    label_de = pw.CharField(null=True)
    type = pw.CharField()  # text|integer|decimal|boolean|date|datetime|choice|url
    required = pw.BooleanField(default=False)
    default = pw.TextField(null=True)  # stored in canonical text form
    choices = pw.TextField(null=True)  # JSON list, for the choice type
    group = pw.ForeignKeyField(AttributeGroup, null=True, backref="attributes", on_delete="SET NULL")
    group_id: int | None
    position = pw.IntegerField(default=0)


class AttributeSet(BaseModel):
    """Which attributes the tasks of an event carry."""

    key = pw.CharField(unique=True)
    name = pw.CharField(default="")


class AttributeSetItem(BaseModel):
    """An attribute belongs to an attribute set."""

    attribute_set = pw.ForeignKeyField(AttributeSet, backref="items", on_delete="CASCADE", index=False)
    attribute_set_id: int
    attribute = pw.ForeignKeyField(AttributeDef, backref="set_items", on_delete="RESTRICT")
    attribute_id: int
    position = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("attribute_set", "attribute"), True),)


#: How an event without a plugin (created by hand) names its plugin on every screen.
MANUAL_PLUGIN_LABEL = "Manually created"


class Event(BaseModel):
    """A kind of occurrence that creates tasks; see PRODUCT.md section 1."""

    identifier = pw.CharField(unique=True)
    name_en = pw.CharField()
    name_de = pw.CharField(null=True)
    plugin = pw.CharField(null=True)  # None: manually created
    responsible_user = pw.ForeignKeyField(User, null=True, backref="events", on_delete="RESTRICT")
    responsible_user_id: int | None
    responsible_group = pw.ForeignKeyField(Group, null=True, backref="events", on_delete="RESTRICT")
    responsible_group_id: int | None
    attribute_set = pw.ForeignKeyField(AttributeSet, null=True, backref="events", on_delete="RESTRICT")
    attribute_set_id: int | None
    obsolete = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    #: Schema version 9: the severity rank its tasks get unless the raise names one
    #: (see SEVERITIES).
    severity = pw.IntegerField(default=2)
    #: Schema version 11: the event's own subject and body of its tasks' notifications
    #: (placeholders: `services.message_template`); None: the default text.
    subject_template = pw.TextField(null=True)
    body_template = pw.TextField(null=True)

    def name(self, lang: str = "en") -> str:
        """The name in `lang`, falling back to English."""
        if lang == "de" and self.name_de:
            return self.name_de
        return self.name_en

    @property
    def state(self) -> str:
        """`active` or `obsolete`."""
        return "obsolete" if self.obsolete else "active"


OPEN = "open"
DONE = "done"

#: Severity ranks, lowest first: a higher rank is more severe, so sorting descending
#: lists critical first (`services.tasks.severity` names and parses them).
SEVERITIES: dict[str, int] = {"low": 1, "normal": 2, "high": 3, "critical": 4}
NORMAL = SEVERITIES["normal"]


class Task(BaseModel):
    """One thing to handle. `status` is `open` or `done`."""

    created_at = pw.DateTimeField(default=utcnow)
    status = pw.CharField(default=OPEN)
    title = pw.CharField()
    description = pw.TextField(default="")
    link = pw.TextField(default="")
    event = pw.ForeignKeyField(Event, backref="tasks", on_delete="RESTRICT", index=False)
    event_id: int
    plugin = pw.CharField(null=True)
    assignee = pw.ForeignKeyField(User, null=True, backref="assigned_tasks", on_delete="RESTRICT", index=False)
    assignee_id: int | None
    group = pw.ForeignKeyField(Group, null=True, backref="tasks", on_delete="RESTRICT", index=False)
    group_id: int | None
    done_at = pw.DateTimeField(null=True)
    done_by = pw.ForeignKeyField(User, null=True, backref="done_tasks", on_delete="RESTRICT")
    done_by_id: int | None
    dedup_key = pw.CharField(null=True)
    occurrences = pw.IntegerField(default=1)
    last_seen_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    #: Schema version 6: the episode the task last counted as an occurrence (an alert's
    #: start time, from the intake), so a resend of the same episode counts once.
    episode = pw.CharField(null=True)
    #: Schema version 9: triage. `severity` is a rank of SEVERITIES; an open task may be
    #: acknowledged (someone is on it) and snoozed until a time (hidden until then:
    #: awake again once the time passed, computed at query time).
    severity = pw.IntegerField(default=NORMAL)
    acknowledged_by = pw.ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT", index=False)
    acknowledged_by_id: int | None
    acknowledged_at = pw.DateTimeField(null=True)
    snoozed_until = pw.DateTimeField(null=True)

    class Meta:
        indexes = (
            # Every filter of the tasks screen, each together with the sort key (id,
            # which follows creation order), so a first page never sorts.
            (("status", "id"), False),
            (("assignee", "status", "id"), False),
            (("group", "status", "id"), False),
            (("event", "status", "id"), False),
            (("event", "dedup_key", "status"), False),
            # Schema version 3: filters without a status, and counts from the index.
            (("assignee", "id"), False),
            (("group", "id"), False),
            (("event", "id"), False),
            (("status", "assignee", "group", "event"), False),
            # Schema version 4: counts without a status (or of done tasks) per assignee
            # or group, with or without an event, from index ranges.
            (("assignee", "event", "status", "group"), False),
            (("assignee", "group", "event", "status"), False),
            (("group", "event", "status", "assignee"), False),
            # Schema version 9: severity filters and the severity sort, newest first
            # within a level; the few snoozed tasks found by their wake-up time.
            (("status", "severity", "id"), False),
            (("severity", "id"), False),
            (("snoozed_until",), False),
            # Schema version 10: the stats' periods (raised / done since a day).
            (("created_at",), False),
            (("done_at",), False),
        )


class TaskAttribute(BaseModel):
    """A custom attribute value of a task, in canonical text form."""

    task = pw.ForeignKeyField(Task, backref="attribute_values", on_delete="CASCADE", index=False)
    task_id: int
    attribute = pw.ForeignKeyField(AttributeDef, backref="values", on_delete="RESTRICT", index=False)
    attribute_id: int
    value = pw.TextField(null=True)

    class Meta:
        indexes = ((("task", "attribute"), True), (("attribute", "value"), False))


class TaskHistory(BaseModel):
    """One change of a task: who (acting user and OS login), when, what, old -> new."""

    task = pw.ForeignKeyField(Task, backref="history", on_delete="CASCADE", index=False)
    task_id: int
    at = pw.DateTimeField(default=utcnow)
    actor = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    actor_id: int
    os_login = pw.CharField()
    action = pw.CharField()
    field = pw.CharField(null=True)
    old = pw.TextField(null=True)
    new = pw.TextField(null=True)

    class Meta:
        indexes = ((("task", "id"), False),)


class Comment(BaseModel):
    """A comment on a task."""

    task = pw.ForeignKeyField(Task, backref="comments", on_delete="CASCADE", index=False)
    task_id: int
    at = pw.DateTimeField(default=utcnow)
    author = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    author_id: int
    os_login = pw.CharField()
    body = pw.TextField()

    class Meta:
        indexes = ((("task", "id"), False),)


class TaskDependency(BaseModel):
    """`task` depends on (waits for) `depends_on`."""

    task = pw.ForeignKeyField(Task, backref="dependencies", on_delete="CASCADE", index=False)
    task_id: int
    depends_on = pw.ForeignKeyField(Task, backref="dependents", on_delete="CASCADE")
    depends_on_id: int

    class Meta:
        indexes = ((("task", "depends_on"), True),)


class RelatedProcess(BaseModel):
    """An external run that produced a task (the original's "ETL processes" tab)."""

    task = pw.ForeignKeyField(Task, backref="processes", on_delete="CASCADE")
    task_id: int
    process_id = pw.CharField()
    source = pw.CharField(default="")
    started_at = pw.DateTimeField(null=True)
    exit_code = pw.IntegerField(null=True)


class EmailSettings(BaseModel):
    """The SMTP settings (one row, id 1). The password itself is never stored: only
    where to read it from (an environment variable name or a password file path)."""

    host = pw.CharField(default="")
    port = pw.IntegerField(null=True)  # None: the default port of `security`
    security = pw.CharField(default="starttls")  # none|starttls|tls
    login = pw.CharField(default="")
    from_address = pw.CharField(default="")
    password_env = pw.CharField(null=True)
    password_file = pw.TextField(null=True)
    ca_file = pw.TextField(null=True)  # extra CA certificates to trust (self-made certificates)
    apply_default = pw.BooleanField(default=True)  # True: every event sends
    updated_at = pw.DateTimeField(default=utcnow)


class EventEmailSwitch(BaseModel):
    """Whether an event sends email when the default is not applied."""

    event = pw.ForeignKeyField(Event, backref="+", on_delete="CASCADE", unique=True)
    event_id: int
    enabled = pw.BooleanField(default=False)


class NotifyChannel(BaseModel):
    """A chat or push channel (an apprise URL or a plain webhook). The URL is a secret:
    it is kept here (`url`) only when the user asked for it, otherwise the row names an
    environment variable (`url_env`) or a 0600 file (`url_file`) holding it.
    `digest` ("daily", at local `digest_at` "HH:MM") sends one list instead of one
    message per task; `digest_task_id` is the last task a digest covered."""

    name = pw.CharField(unique=True)
    url = pw.TextField(null=True)
    url_env = pw.CharField(null=True)
    url_file = pw.TextField(null=True)
    digest = pw.CharField(null=True)  # None: one message per task; "daily"
    digest_at = pw.CharField(null=True)  # "HH:MM", local time
    digest_task_id = pw.IntegerField(default=0)
    digest_sent_at = pw.DateTimeField(null=True)  # the (UTC) slot of the last digest
    created_at = pw.DateTimeField(default=utcnow)


class ChannelRoute(BaseModel):
    """Which new tasks a channel hears about: those assigned to `user`, in `group`, or
    of `event` (exactly one of the three is set per route)."""

    channel = pw.ForeignKeyField(NotifyChannel, backref="routes", on_delete="CASCADE", index=False)
    channel_id: int
    user = pw.ForeignKeyField(User, null=True, backref="+", on_delete="CASCADE", index=False)
    user_id: int | None
    group = pw.ForeignKeyField(Group, null=True, backref="+", on_delete="CASCADE", index=False)
    group_id: int | None
    event = pw.ForeignKeyField(Event, null=True, backref="+", on_delete="CASCADE", index=False)
    event_id: int | None

    class Meta:
        indexes = ((("channel",), False),)


class EscalationRule(BaseModel):
    """One step of escalation: an open task of `event` (None: of any event without
    rules of its own) still not done `after_minutes` after it was raised is sent to
    `user` or `group`, through `channel` when one is named."""

    event = pw.ForeignKeyField(Event, null=True, backref="+", on_delete="CASCADE", index=False)
    event_id: int | None
    after_minutes = pw.IntegerField()
    user = pw.ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT", index=False)
    user_id: int | None
    group = pw.ForeignKeyField(Group, null=True, backref="+", on_delete="RESTRICT", index=False)
    group_id: int | None
    channel = pw.ForeignKeyField(NotifyChannel, null=True, backref="+", on_delete="RESTRICT", index=False)
    channel_id: int | None
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("event", "after_minutes"), False),)


class EscalationSent(BaseModel):
    """A task was escalated by a rule (once: the unique index is the guarantee)."""

    task = pw.ForeignKeyField(Task, backref="+", on_delete="CASCADE", index=False)
    task_id: int
    rule = pw.ForeignKeyField(EscalationRule, backref="+", on_delete="CASCADE", index=False)
    rule_id: int
    at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("task", "rule"), True), (("rule",), False))


class OutboxMessage(BaseModel):
    """One notification to one recipient, written in the transaction that created the
    task (or escalated it, or made a digest) and delivered later by `tasktui notify`.
    `kind`: email (recipient is an address) or channel (`channel`, recipient is its
    name); `reason`: raised, escalation, digest. `state`: pending, sending, sent, failed."""

    created_at = pw.DateTimeField(default=utcnow)
    task = pw.ForeignKeyField(Task, null=True, backref="+", on_delete="SET NULL", index=False)
    task_id: int | None
    event = pw.ForeignKeyField(Event, null=True, backref="+", on_delete="SET NULL", index=False)
    event_id: int | None
    user = pw.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL", index=False)
    user_id: int | None
    recipient = pw.CharField()
    subject = pw.TextField()
    body = pw.TextField()
    state = pw.CharField(default="pending")
    attempts = pw.IntegerField(default=0)
    next_attempt_at = pw.DateTimeField(default=utcnow)
    claimed_by = pw.CharField(null=True)
    claimed_at = pw.DateTimeField(null=True)
    last_error = pw.TextField(null=True)
    server_reply = pw.TextField(null=True)
    sent_at = pw.DateTimeField(null=True)
    kind = pw.CharField(default="email")
    channel = pw.ForeignKeyField(NotifyChannel, null=True, backref="+", on_delete="SET NULL", index=False)
    channel_id: int | None
    reason = pw.CharField(default="raised")
    payload = pw.TextField(null=True)  # JSON of the task for plain webhooks

    class Meta:
        indexes = (
            (("state", "next_attempt_at"), False),
            (("task",), False),
            (("kind", "state", "next_attempt_at"), False),
        )


class AuditEntry(BaseModel):
    """One change to an event, user, group, attribute definition or the email
    settings: who (acting user's login and OS login), when, what, old -> new.

    `actor` is the login as text, not a key of `user`, so an entry outlives anything
    later done to that user; it is None for a change made without an acting user."""

    at = pw.DateTimeField(default=utcnow)
    actor = pw.CharField(null=True)
    os_login = pw.CharField()
    entity = pw.CharField()  # event, user, group, attribute, attribute_group, attribute_set, ...
    entity_key = pw.CharField()  # identifier, login, name or key
    action = pw.CharField()  # create, edit, delete, obsolete, activate, add_member, ...
    field = pw.CharField(null=True)
    old = pw.TextField(null=True)
    new = pw.TextField(null=True)

    class Meta:
        indexes = ((("at",), False), (("entity", "id"), False))


INTAKE_KINDS = ("alertmanager", "pagerduty", "json")
ON_RESOLVE = ("done", "comment", "ignore")


class IntakeSource(BaseModel):
    """A sender of the HTTP intake (`tasktui intake source add`): its kind (which
    endpoint it may post to), the event it raises by default, its label routes (a
    JSON list of [label, value, event]), what a resolve does, and the SHA-256 of its
    token (the token itself is shown once and never stored). `user` is the acting
    user its raises are recorded as; `raises` and `resolves` count what it did (for
    /metrics)."""

    name = pw.CharField(unique=True)
    kind = pw.CharField()
    default_event = pw.CharField()  # an event identifier (text: deleting the event stays possible)
    routes = pw.TextField(default="[]")
    on_resolve = pw.CharField(default="done")
    token_hash = pw.CharField(unique=True)
    user = pw.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    user_id: int
    raises = pw.IntegerField(default=0)
    resolves = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)
    token_set_at = pw.DateTimeField(default=utcnow)


class SavedView(BaseModel):
    """A named set of filters, a sort and visible columns (`spec`, JSON: see
    `services.views`), owned by a user; a `shared` view is visible to everyone and
    editable by its owner only. `position` orders a user's tabs."""

    owner = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE", index=False)
    owner_id: int
    name = pw.CharField()
    shared = pw.BooleanField(default=False)
    spec = pw.TextField(default="{}")
    position = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("owner", "name"), True), (("shared",), False))


class ChangeSet(BaseModel):
    """One bulk action of one user (done, reopen, assign, unassign, set attribute,
    import, or an undo), kept so that it can be undone: `tasktui undo`, `z` in the TUI.

    `action` is the kind (`done`, `assign`, `undo`, ...) and `label` what the user saw
    ("mark done"). `undoes` is the change set an undo reverted; `undone_by` the undo
    that reverted this one (None: still in force). `history_mark` is the last history
    entry id when the action committed: later entries of a task are someone's change
    since."""

    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE", index=False)
    user_id: int
    os_login = pw.CharField()
    action = pw.CharField()
    label = pw.CharField()
    created_at = pw.DateTimeField(default=utcnow)
    task_count = pw.IntegerField(default=0)
    history_mark = pw.IntegerField(default=0)
    undoes = pw.ForeignKeyField("self", null=True, backref="+", on_delete="SET NULL", index=False)
    undoes_id: int | None
    undone_by = pw.ForeignKeyField("self", null=True, backref="+", on_delete="SET NULL", index=False)
    undone_by_id: int | None

    class Meta:
        indexes = ((("user", "id"), False),)


class ChangeSetTask(BaseModel):
    """One task of a change set: the values the action changed, before and after, as
    JSON objects keyed by Task column name (`status`, `assignee`, ...) or
    `attr:<key>` for an attribute value. A null object means the task did not exist
    (before an import; after an import was undone). `task_id` is no foreign key: the
    undo of an import deletes tasks that a redo brings back with the same id."""

    change_set = pw.ForeignKeyField(ChangeSet, backref="tasks", on_delete="CASCADE", index=False)
    change_set_id: int
    task_id = pw.IntegerField()
    before = pw.TextField(null=True)
    after = pw.TextField(null=True)

    class Meta:
        indexes = ((("change_set", "task_id"), False),)


#: Every table, in creation order (referenced tables first).
ALL_MODELS: list[type[BaseModel]] = [
    User,
    Group,
    Membership,
    UserSetting,
    AttributeGroup,
    AttributeDef,
    AttributeSet,
    AttributeSetItem,
    Event,
    Task,
    TaskAttribute,
    TaskHistory,
    Comment,
    TaskDependency,
    RelatedProcess,
    EmailSettings,
    EventEmailSwitch,
    NotifyChannel,
    ChannelRoute,
    EscalationRule,
    EscalationSent,
    OutboxMessage,
    AuditEntry,
    IntakeSource,
    SavedView,
    ChangeSet,
    ChangeSetTask,
]


class WebToken(BaseModel):
    """A login token of browser mode (`tasktui web token add`): who it lets in, and
    the SHA-256 of the secret (the secret itself is printed once and never stored).
    A revoked token stays listed with the moment it was revoked."""

    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE", index=False)
    user_id: int
    token_hash = pw.CharField(unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.CharField()  # the login that added it
    last_used_at = pw.DateTimeField(null=True)
    revoked_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("user",), False),)
