"""Email settings: the SMTP server, where the password comes from, and which events send.

The settings are one row (`EmailSettings`, id 1). The SMTP password is never stored:
the settings name an environment variable (`password_env`) or a password file
(`password_file`) that the sender reads when it connects. Anything that looks like a
password given in place of a variable name is refused.

Per-event sending: with `apply_default` on (the default) every event sends; with it
off, only the events whose switch is on send (an event without a switch does not).
Email is only written to the outbox once a host and a From address are set.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import asdict, dataclass
from pathlib import Path

from tasktui.db import write_transaction
from tasktui.errors import Invalid
from tasktui.models import EmailSettings, Event, EventEmailSwitch, utcnow
from tasktui.services.audit import record, record_changes
from tasktui.services.context import Actor
from tasktui.services.events.definitions import get_event
from tasktui.services.people import check_email

SECURITY_MODES = ("none", "starttls", "tls")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
SETTINGS_ID = 1
#: An environment variable NAME: upper-case letters, digits and `_`. Passwords rarely
#: look like this, so a password typed by mistake is refused rather than stored.
ENV_NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")
HOST_RE = re.compile(r"^[A-Za-z0-9.\-:\[\]]{1,253}$")
LOGIN_MAX = 254


@dataclass(frozen=True)
class SmtpSettings:
    """The email settings as the CLI, the TUI and the sender use them."""

    host: str = ""
    port: int | None = None
    security: str = "starttls"
    login: str = ""
    from_address: str = ""
    password_env: str | None = None
    password_file: str | None = None
    ca_file: str | None = None
    apply_default: bool = True

    @property
    def effective_port(self) -> int:
        """The port set, or the usual port of the security mode (25, 587, 465)."""
        return self.port or DEFAULT_PORTS[self.security]

    @property
    def configured(self) -> bool:
        """True when a host and a From address are set (email can be sent)."""
        return bool(self.host and self.from_address)

    @property
    def password_source(self) -> str:
        """Where the password comes from, for display (never the password)."""
        if self.password_env:
            return f"environment variable {self.password_env}"
        if self.password_file:
            return f"file {self.password_file}"
        return "none"

    def as_dict(self) -> dict[str, object]:
        """The settings as plain values (for JSON output and the settings form)."""
        return {
            "host": self.host,
            "port": self.effective_port,
            "security": self.security,
            "login": self.login,
            "from_address": self.from_address,
            "password_env": self.password_env,
            "password_file": self.password_file,
            "ca_file": self.ca_file,
            "apply_default": self.apply_default,
            "configured": self.configured,
        }


def _from_row(row: EmailSettings | None) -> SmtpSettings:
    if row is None:
        return SmtpSettings()
    return SmtpSettings(
        host=row.host,
        port=row.port,
        security=row.security,
        login=row.login,
        from_address=row.from_address,
        password_env=row.password_env,
        password_file=row.password_file,
        ca_file=row.ca_file,
        apply_default=bool(row.apply_default),
    )


def get_settings() -> SmtpSettings:
    """The current email settings (defaults when none were ever saved)."""
    return _from_row(EmailSettings.get_or_none(EmailSettings.id == SETTINGS_ID))


def check_password_env(name: str) -> str:
    """An environment variable name; anything else (a password, say) is refused."""
    name = name.strip()
    if not ENV_NAME_RE.match(name):
        raise Invalid(
            "--password-env takes the NAME of an environment variable (A-Z, 0-9, _), and the value "
            "given is not one: give the NAME of the variable that holds the password, never the password itself"
        )
    return name


def check_password_file(path: str) -> str:
    """An absolute path (or one starting with ~) to a password file, stored expanded."""
    text = path.strip()
    if not text or "\n" in text:
        raise Invalid("the password file must be a path")
    expanded = Path(text).expanduser()
    if not expanded.is_absolute():
        raise Invalid(
            "the password file must be an absolute path (or start with ~): "
            "give the path of a file holding the password, never the password itself"
        )
    return str(expanded)


def _check_host(host: str) -> str:
    host = host.strip()
    if host and not HOST_RE.match(host):
        raise Invalid(f"SMTP host {host!r} is not a host name or address")
    return host


def _check_port(port: int | None) -> int | None:
    if port is not None and not 1 <= port <= 65535:
        raise Invalid(f"SMTP port {port} must be between 1 and 65535")
    return port


def _check_security(security: str) -> str:
    security = security.strip().lower()
    if security not in SECURITY_MODES:
        raise Invalid(f"unknown security {security!r}: use one of {', '.join(SECURITY_MODES)}")
    return security


def _check_login(login: str) -> str:
    login = login.strip()
    if len(login) > LOGIN_MAX or any(c.isspace() or not c.isprintable() for c in login):
        raise Invalid("the SMTP login must be one word of at most 254 printable characters")
    return login


def _check_ca_file(path: str) -> str | None:
    if not path.strip():
        return None
    expanded = Path(path.strip()).expanduser()
    if not expanded.is_file():
        raise Invalid(f"CA file {expanded} does not exist")
    return str(expanded.resolve())


def update_settings(
    *,
    host: str | None = None,
    port: int | None = None,
    default_port: bool = False,
    security: str | None = None,
    login: str | None = None,
    from_address: str | None = None,
    password_env: str | None = None,
    password_file: str | None = None,
    no_password: bool = False,
    ca_file: str | None = None,
    actor: Actor | None = None,
) -> SmtpSettings:
    """Change the given settings (None leaves a setting as it is) and return them all.
    Each changed setting is recorded in the audit log; the password is never stored,
    so only its source (a variable name or a file path) can be recorded.

    `default_port` goes back to the usual port of the security mode; a password
    source replaces the other one; `no_password` removes both; an empty `ca_file`
    removes it. Every value is checked before anything is written."""
    sources = [password_env is not None, password_file is not None, no_password]
    if sum(sources) > 1:
        raise Invalid("give only one of --password-env, --password-file and --no-password")
    if port is not None and default_port:
        raise Invalid("give either a port or --default-port, not both")
    changes: dict[str, object] = {}
    if host is not None:
        changes["host"] = _check_host(host)
    if port is not None or default_port:
        changes["port"] = _check_port(port)
    if security is not None:
        changes["security"] = _check_security(security)
    if login is not None:
        changes["login"] = _check_login(login)
    if from_address is not None:
        changes["from_address"] = check_email(from_address) or ""
    if password_env is not None:
        changes.update(password_env=check_password_env(password_env), password_file=None)
    if password_file is not None:
        changes.update(password_file=check_password_file(password_file), password_env=None)
    if no_password:
        changes.update(password_env=None, password_file=None)
    if ca_file is not None:
        changes["ca_file"] = _check_ca_file(ca_file)
    with write_transaction():
        before = asdict(get_settings())
        EmailSettings.insert(id=SETTINGS_ID).on_conflict_ignore().execute()
        if changes:
            record_changes(actor, "email_settings", "smtp", before, changes)
            changes["updated_at"] = utcnow()
            EmailSettings.update(changes).where(EmailSettings.id == SETTINGS_ID).execute()
    return get_settings()


def settings_warnings(settings: SmtpSettings) -> list[str]:
    """Things that will likely stop sending, said before a message is lost on them."""
    warnings: list[str] = []
    if not settings.host:
        warnings.append("no SMTP host set: no email is written to the outbox")
    if not settings.from_address:
        warnings.append("no From address set: no email is written to the outbox")
    if settings.login and settings.password_source == "none":
        warnings.append("a login is set but no password source (--password-env or --password-file)")
    if settings.password_env and settings.password_env not in os.environ:
        warnings.append(f"environment variable {settings.password_env} is not set in this shell")
    if settings.password_file:
        path = Path(settings.password_file)
        if not path.is_file():
            warnings.append(f"password file {path} does not exist")
        elif path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            warnings.append(f"password file {path} is readable by others: chmod 600 it")
    if settings.login and settings.security == "none":
        warnings.append("security is none: the password would cross the network unencrypted")
    return warnings


def read_password(settings: SmtpSettings) -> str | None:
    """The SMTP password from its source (None when no source is set), or Invalid
    with a clear reason. A trailing newline of a password file is dropped."""
    if settings.password_env:
        value = os.environ.get(settings.password_env)
        if not value:
            raise Invalid(f"the password variable {settings.password_env} is not set or empty")
        return value
    if settings.password_file:
        try:
            text = Path(settings.password_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise Invalid(
                f"cannot read the password file {settings.password_file}: {getattr(e, 'strerror', e)}"
            ) from None
        value = text.rstrip("\r\n")
        if not value:
            raise Invalid(f"the password file {settings.password_file} is empty")
        return value
    return None


def require_configured(settings: SmtpSettings) -> SmtpSettings:
    """The settings, or Invalid telling what to set before email can be sent."""
    if not settings.configured:
        raise Invalid("email is not configured: set a host and a From address with `tasktui email settings set`")
    return settings


# --------------------------------------------------------------------------- per event


@dataclass(frozen=True)
class EventSending:
    """Whether one event sends email: its own switch (None: never set) and the
    outcome with the default applied or not."""

    identifier: str
    name: str
    switch: bool | None
    sends: bool
    obsolete: bool


def set_apply_default(on: bool, *, actor: Actor | None = None) -> SmtpSettings:
    """Turn "apply the default" (every event sends) on or off (audited when it changes)."""
    with write_transaction():
        record_changes(
            actor, "email_settings", "smtp", {"apply_default": get_settings().apply_default}, {"apply_default": on}
        )
        EmailSettings.insert(id=SETTINGS_ID).on_conflict_ignore().execute()
        EmailSettings.update(apply_default=on, updated_at=utcnow()).where(EmailSettings.id == SETTINGS_ID).execute()
    return get_settings()


def set_event_sending(identifier: str, on: bool, *, actor: Actor | None = None) -> EventSending:
    """Switch email on or off for one event (it counts when the default is not
    applied); a change of the switch is recorded in the audit log."""
    with write_transaction():
        event = get_event(identifier)
        row = EventEmailSwitch.get_or_none(EventEmailSwitch.event == event.id)
        old = bool(row.enabled) if row else None
        if old != on:
            record(actor, "event_email", event.identifier, "edit", "enabled", old, on)
        (
            EventEmailSwitch.insert(event=event.id, enabled=on)
            .on_conflict(conflict_target=[EventEmailSwitch.event], update={EventEmailSwitch.enabled: on})
            .execute()
        )
    return next(e for e in list_event_sending() if e.identifier == event.identifier)


def list_event_sending(lang: str = "en") -> list[EventSending]:
    """Every event with its switch and whether it sends, sorted by identifier."""
    apply_default = get_settings().apply_default
    switches = {row.event_id: bool(row.enabled) for row in EventEmailSwitch.select()}
    result = []
    for event in Event.select().order_by(Event.identifier):
        switch = switches.get(event.id)
        result.append(
            EventSending(
                identifier=event.identifier,
                name=event.name(lang),
                switch=switch,
                sends=apply_default or bool(switch),
                obsolete=bool(event.obsolete),
            )
        )
    return result


def event_sends(event_id: int, settings: SmtpSettings | None = None) -> bool:
    """Whether a task of this event is emailed (ignores whether email is configured)."""
    settings = settings or get_settings()
    if settings.apply_default:
        return True
    row = EventEmailSwitch.get_or_none(EventEmailSwitch.event == event_id)
    return bool(row and row.enabled)
