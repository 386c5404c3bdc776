"""Plugin manifests: a plugin registers its events from a TOML file.

Format (one file per plugin; see `data/catalogue/*.toml` for the shipped ones)::

    plugin = "Warehouse"              # required: the owning plugin, shown per event

    [[event]]                         # one table per event, at least one
    identifier = "stock_diff"         # required: the identifier rules of PRODUCT.md
    name.en = "Difference in stock"   # required: English name
    name.de = "Bestandsdifferenz"     # optional: German name
    responsible_user = ""             # optional: a login that exists
    responsible_group = ""            # optional: a group that exists
    attribute_set = ""                # optional: an attribute set key that exists
    severity = "high"                 # optional: critical, high, normal (default) or low
    subject_template = "[{severity}] {title}"   # optional: its own notification subject
    body_template = "{title}\n{show_hint}"      # optional: and body (placeholders: message_template)

Only these keys are accepted (`name = { en = "...", de = "..." }` is the same as the
dotted form); an empty string means "none".

Registering (`register_manifests`) is all or nothing and idempotent:

- Every manifest is read and checked first; then, in one write transaction, every
  referenced user, group and attribute set is looked up and every event checked
  against the database, and only when nothing is wrong is anything written.
- A new identifier is created with the manifest's names, plugin, responsibility and
  attribute set.
- An identifier the same plugin registered before is *updated*: its names follow the
  manifest (the plugin owns them, so a re-registration after an upgrade brings new
  wording — and overwrites local edits of those names). Its responsibility and its
  active/obsolete state (and its severity and templates) are left alone: the manifest only gives the
  defaults for a new event, each site then sets its own. The attribute set is locked: a manifest
  that names a different one is refused.
- Registering the same manifest again changes nothing (all events "unchanged").
- Events of the plugin that a manifest no longer lists are kept as they are.

Errors are one line, `FILE[:LINE]: [event #N 'identifier': ]problem`, with the exit
code of their kind: `Invalid` (2) for TOML syntax, an unknown or missing key, a wrong
type, a bad identifier or name, a duplicate identifier; `NotFound` (3) for an unknown
user, group or attribute set; `Refused` (1) when the identifier belongs to another
plugin or was created by hand, or the attribute set differs from the registered one.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import NoReturn, TypeVar

import peewee as pw

from tasktui.db import write_transaction
from tasktui.errors import Invalid, NotFound, Refused, TaskTuiError
from tasktui.limits import MAX_MANIFEST, MAX_PLUGIN
from tasktui.models import AttributeSet, BaseModel, Event, Group, User
from tasktui.services.audit import record, record_changes, summary
from tasktui.services.context import Actor
from tasktui.services.events.definitions import MANUAL_PLUGIN_LABEL, audited_fields, check_name, identifier_problem
from tasktui.services.message_template import BODY, SUBJECT, check_template
from tasktui.services.severity import DEFAULT as DEFAULT_SEVERITY
from tasktui.services.severity import rank_of
from tasktui.text_safety import clean_line

TOP_KEYS = ("plugin", "event")
EVENT_KEYS = (
    "identifier", "name", "responsible_user", "responsible_group", "attribute_set", "severity", "subject_template",
    "body_template",
)  # fmt: skip
NAME_KEYS = ("en", "de")


@dataclass(frozen=True)
class ManifestEvent:
    """One event of a manifest, checked for syntax (not yet against the database)."""

    identifier: str
    name_en: str
    name_de: str | None
    responsible_user: str | None
    responsible_group: str | None
    attribute_set: str | None
    index: int
    line: int | None
    severity: int = 2
    subject_template: str | None = None
    body_template: str | None = None


@dataclass(frozen=True)
class Manifest:
    """A parsed manifest: the plugin and its events, and where it came from."""

    path: Path
    plugin: str
    events: list[ManifestEvent]


@dataclass
class RegisterResult:
    """What registering changed, by identifier."""

    plugins: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the command line."""
        return (
            f"registered {', '.join(self.plugins)}: {len(self.created)} created, "
            f"{len(self.updated)} updated, {len(self.unchanged)} unchanged"
        )


class _Locator:
    """Best-effort line numbers: tomllib reports none for valid documents, so the
    line of an `[[event]]` table and of a key in it are found in the text."""

    HEADER = re.compile(r"^\s*\[\[\s*event\s*\]\]")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers = [i for i, line in enumerate(self.lines) if self.HEADER.match(line)]

    def line(self, index: int | None = None, key: str | None = None) -> int | None:
        """The 1-based line of `key` in the `index`-th event table (or at the top when
        `index` is None), of the table itself when the key is not found, else None."""
        if index is None:
            start, end = 0, self.headers[0] if self.headers else len(self.lines)
        elif index < len(self.headers):
            start = self.headers[index]
            end = self.headers[index + 1] if index + 1 < len(self.headers) else len(self.lines)
        else:
            return None
        if key is not None:
            pattern = re.compile(rf"^\s*{re.escape(key)}\s*[.=]")
            for i in range(start, end):
                if pattern.match(self.lines[i]):
                    return i + 1
        return start + 1 if index is not None else None


def _where(path: Path, line: int | None) -> str:
    return f"{path}:{line}" if line else str(path)


def _optional_text(value: object, what: str, fail: Callable[[str], NoReturn]) -> str | None:
    if not isinstance(value, str):
        fail(f"{what} must be a string, not {type(value).__name__}")
    return value.strip() or None


def _parse_event(raw: object, index: int, path: Path, locate: _Locator) -> ManifestEvent:
    ident = raw.get("identifier") if isinstance(raw, dict) else None
    label = f"event #{index + 1}" + (f" {ident!r}" if isinstance(ident, str) else "")

    def fail(problem: str, key: str | None = None) -> NoReturn:
        raise Invalid(f"{_where(path, locate.line(index, key))}: {label}: {problem}")

    if not isinstance(raw, dict):
        fail("must be a table ([[event]])")
    for key in raw:
        if key not in EVENT_KEYS:
            fail(f"unknown key {key!r} (allowed: {', '.join(EVENT_KEYS)})", key)
    if "identifier" not in raw:
        fail("missing key 'identifier'")
    if not isinstance(ident, str):
        fail("identifier must be a string", "identifier")
    problem = identifier_problem(ident)
    if problem:
        fail(f"invalid identifier {ident!r}: {problem}", "identifier")
    names = raw.get("name")
    if names is None:
        fail("missing key 'name.en' (the English name is required)")
    if not isinstance(names, dict):
        fail('name must be a table: name.en = "...", name.de = "..."', "name")
    for key in names:
        if key not in NAME_KEYS:
            fail(f"unknown key 'name.{key}' (allowed: name.en, name.de)", "name")
    checked: dict[str, str | None] = {}
    for lang in NAME_KEYS:
        value = names.get(lang)
        if lang == "en" and value is None:
            fail("missing key 'name.en' (the English name is required)", "name")
        if value is not None and not isinstance(value, str):
            fail(f"name.{lang} must be a string", "name")
        try:
            checked[lang] = check_name(value, lang, required=lang == "en")
        except Invalid as e:
            fail(f"name.{lang}: {e}", "name")
    optional = {
        key: _optional_text(raw.get(key, ""), key, functools.partial(fail, key=key))
        for key in ("responsible_user", "responsible_group", "attribute_set")
    }
    severity = _optional_text(raw.get("severity", ""), "severity", functools.partial(fail, key="severity"))
    try:
        rank = rank_of(severity) if severity else DEFAULT_SEVERITY
    except Invalid as e:
        fail(str(e), "severity")
    templates: dict[str, str | None] = {}
    for key, which in (("subject_template", SUBJECT), ("body_template", BODY)):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            fail(f"{key} must be a string", key)
        try:
            templates[key] = check_template(value, which)
        except Invalid as e:
            fail(str(e), key)
    return ManifestEvent(
        identifier=ident,
        name_en=checked["en"] or "",
        name_de=checked["de"],
        index=index,
        line=locate.line(index, None),
        severity=rank,
        **templates,
        **optional,
    )


def parse_manifest(path: Path) -> Manifest:
    """Read and check a manifest file (syntax, keys, types, identifiers, names); the
    database is not consulted. Invalid names the file, the line or key, the problem."""
    from tasktui.bounded_read import read_file_limited

    path = Path(path)
    try:
        text = read_file_limited(path, MAX_MANIFEST, f"{path}: the manifest").decode("utf-8")
    except FileNotFoundError:
        raise NotFound(f"{path}: no such manifest file") from None
    except OSError as e:
        raise Invalid(f"{path}: cannot read manifest: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise Invalid(f"{path}: cannot read manifest: not UTF-8 text (byte {e.start + 1})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise Invalid(f"{path}: TOML syntax error: {e}") from None
    except RecursionError:  # arrays or inline tables nested a thousand deep
        raise Invalid(f"{path}: TOML nested too deeply") from None
    locate = _Locator(text)
    for key in data:
        if key not in TOP_KEYS:
            raise Invalid(f"{_where(path, locate.line(None, key))}: unknown key {key!r} (allowed: plugin, [[event]])")
    plugin = data.get("plugin")
    if not isinstance(plugin, str) or not plugin.strip():
        raise Invalid(f"{_where(path, locate.line(None, 'plugin'))}: missing key 'plugin' (a non-empty string)")
    plugin = plugin.strip()
    if "\n" not in plugin:  # refused below; other controls are cleaned (text_safety)
        plugin = clean_line(plugin).strip()
    if len(plugin) > MAX_PLUGIN or "\n" in plugin:
        raise Invalid(f"{path}: plugin must be one line of at most {MAX_PLUGIN} characters")
    if plugin.casefold() == MANUAL_PLUGIN_LABEL.casefold():
        raise Invalid(f"{path}: plugin {plugin!r} is reserved for events created by hand")
    raw_events = data.get("event")
    if not isinstance(raw_events, list) or not raw_events:
        raise Invalid(f"{path}: the manifest lists no events (add [[event]] tables)")
    events = [_parse_event(raw, i, path, locate) for i, raw in enumerate(raw_events)]
    seen: dict[str, int] = {}
    for ev in events:
        if ev.identifier in seen:
            raise Invalid(
                f"{_where(path, ev.line)}: event #{ev.index + 1} {ev.identifier!r}: "
                f"duplicate identifier (also event #{seen[ev.identifier] + 1})"
            )
        seen[ev.identifier] = ev.index
    return Manifest(path=path, plugin=plugin, events=events)


_Row = TypeVar("_Row", bound=BaseModel)


def _lookup(model: type[_Row], column: pw.Field, value: str | None, kind: str, where: str) -> _Row | None:
    if value is None:
        return None
    row = model.get_or_none(column == value)
    if row is None:
        raise NotFound(f"{where}: unknown {kind} {value!r}")
    return row


def _plan(manifest: Manifest, result: RegisterResult) -> list[tuple[str, Event | None, dict]]:
    """Check a manifest against the database; the writes to do, without doing them."""
    writes: list[tuple[str, Event | None, dict]] = []
    for ev in manifest.events:
        where = f"{_where(manifest.path, ev.line)}: event #{ev.index + 1} {ev.identifier!r}"
        user = _lookup(User, User.login, ev.responsible_user, "user", where)
        group = _lookup(Group, Group.name, ev.responsible_group, "group", where)
        aset = _lookup(AttributeSet, AttributeSet.key, ev.attribute_set, "attribute set", where)
        existing = Event.get_or_none(Event.identifier == ev.identifier)
        if existing is None:
            fields = dict(
                identifier=ev.identifier,
                name_en=ev.name_en,
                name_de=ev.name_de,
                plugin=manifest.plugin,
                responsible_user=user,
                responsible_group=group,
                attribute_set=aset,
                severity=ev.severity,
                subject_template=ev.subject_template,
                body_template=ev.body_template,
            )
            writes.append(("create", None, fields))
            result.created.append(ev.identifier)
            continue
        if existing.plugin != manifest.plugin:
            owner = f"plugin {existing.plugin!r}" if existing.plugin else "hand (Manually created)"
            raise Refused(f"{where}: the identifier is already taken by an event created by {owner}")
        if existing.attribute_set_id != (aset.id if aset else None):
            raise Refused(f"{where}: the attribute set of a registered event cannot change")
        changes: dict[str, str | None] = {}
        if existing.name_en != ev.name_en:
            changes["name_en"] = ev.name_en
        if existing.name_de != ev.name_de:
            changes["name_de"] = ev.name_de
        if changes:
            writes.append(("update", existing, changes))
            result.updated.append(ev.identifier)
        else:
            result.unchanged.append(ev.identifier)
    return writes


def register_manifests(paths: list[Path], *, actor: Actor | None = None) -> RegisterResult:
    """Register the events of every manifest in `paths`, all or nothing (see the
    module docstring for the rules). An identifier listed by two of the manifests is
    Invalid. What a registration created or changed is recorded in the audit log
    (action `register`); an unchanged event records nothing."""
    manifests = [parse_manifest(Path(p)) for p in paths]
    owners: dict[str, Path] = {}
    for manifest in manifests:
        for ev in manifest.events:
            if ev.identifier in owners:
                raise Invalid(
                    f"{_where(manifest.path, ev.line)}: event {ev.identifier!r} is also listed in {owners[ev.identifier]}"
                )
            owners[ev.identifier] = manifest.path
    result = RegisterResult()
    with write_transaction():
        plans = []
        for manifest in manifests:
            plans.extend(_plan(manifest, result))
            result.plugins.append(manifest.plugin)
        for action, event, fields in plans:
            if action == "create":
                created = Event.create(**fields)
                record(actor, "event", created.identifier, "register", new=summary(audited_fields(created)))
            else:
                assert event is not None  # an update names the event it changes
                before = audited_fields(event)
                Event.update(**fields).where(Event.id == event.id).execute()
                record_changes(actor, "event", event.identifier, before, fields, action="register")
    return result


def catalogue_dir() -> Path:
    """The shipped catalogue: `tasktui/data/catalogue` inside an installed wheel, or
    `data/catalogue` at the root of a source checkout."""
    packaged = resources.files("tasktui") / "data" / "catalogue"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "data" / "catalogue"  # tasktui/services/events/


def catalogue_manifests() -> list[Path]:
    """The shipped manifest files, sorted by name."""
    directory = catalogue_dir()
    if not directory.is_dir():
        raise TaskTuiError(f"the shipped event catalogue is missing: {directory} is not a directory")
    return sorted(directory.glob("*.toml"))


def register_catalogue(*, actor: Actor | None = None) -> RegisterResult:
    """Register every manifest of the shipped catalogue (what `tasktui init` does)."""
    return register_manifests(catalogue_manifests(), actor=actor)
