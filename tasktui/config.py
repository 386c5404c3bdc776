"""Resolved settings: database location, acting user, OS login and language.

Precedence: command-line flags > environment (`TASKTUI_DB`, `TASKTUI_USER`,
`TASKTUI_LANG`) > the config file (`config.toml` in the user config directory, keys
`db`, `user`, `lang`) > defaults (a SQLite file in the user data directory, the OS
login, English).

The database is a URL or a path: a plain path, `sqlite:///relative/path` and
`sqlite:////absolute/path` are SQLite files; any other `scheme://...` must name a
backend of `tasktui.db.registry` (an unknown scheme is Invalid, exit 2)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tasktui.errors import Invalid
from tasktui.lazy_typing import TYPE_CHECKING
from tasktui.records import Record

if TYPE_CHECKING:
    from tasktui.db.url import DatabaseUrl

LANGUAGES = ("en", "de")
APP_NAME = "tasktui"


class Settings(Record):
    """What a command or the TUI runs with. `lang` is None when nothing chose one,
    so the acting user's remembered language applies. `db` is where the database
    is (`str(db)` names it in messages: the path of an SQLite file)."""

    db: DatabaseUrl
    login: str
    os_login: str
    lang: str | None
    db_is_default: bool = False

    @property
    def db_path(self) -> Path:
        """The SQLite file of `db` (for `db check|backup|migrate`), or Invalid when the
        database is not a file."""
        return self.db.file("this command")


def os_login() -> str:
    """The login of the OS user running this process."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"


def config_dir() -> Path:
    """The user config directory. On Linux this is the XDG rule, computed directly:
    importing platformdirs costs ~4 ms on every `tasktui raise`."""
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_CONFIG_HOME", "").strip()
        return (Path(base) if base else Path.home() / ".config") / APP_NAME
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def _config_file() -> dict[str, str]:
    path = config_dir() / "config.toml"
    if not path.is_file():
        return {}
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise Invalid(f"{path}: {e}") from None
    return {k: str(v) for k, v in data.items() if k in ("db", "user", "lang")}


def default_db_path() -> Path:
    """The default database: `tasktui.db` in the user data directory."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME)) / "tasktui.db"


def check_lang(lang: str) -> str:
    """A supported UI language code, or Invalid."""
    if lang not in LANGUAGES:
        raise Invalid(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    return lang


def resolve(db: str | None = None, user: str | None = None, lang: str | None = None) -> Settings:
    """Resolve settings from flags, environment, config file and defaults."""
    env = os.environ
    db = db or env.get("TASKTUI_DB") or None
    user = user or env.get("TASKTUI_USER") or None
    lang = lang or env.get("TASKTUI_LANG") or None
    if db is None or user is None or lang is None:
        file = _config_file()
        db = db or file.get("db")
        user = user or file.get("user")
        lang = lang or file.get("lang")
    from tasktui.db.registry import check_scheme
    from tasktui.db.url import DatabaseUrl, parse_database_url

    is_default = db is None
    if db is None:
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        location = DatabaseUrl.for_file(path)
    else:
        location = parse_database_url(db)
        check_scheme(location.scheme)
    login = os_login()
    return Settings(
        db=location,
        login=(user or login).strip(),
        os_login=login,
        lang=check_lang(lang) if lang else None,
        db_is_default=is_default,
    )
