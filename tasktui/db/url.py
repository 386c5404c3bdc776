"""Where the database is: a URL, or a plain path meaning an SQLite file.

`--db`, `TASKTUI_DB` and the config file's `db = ...` all take either. A plain path
and `sqlite:///relative/path` or `sqlite:////absolute/path` are SQLite; any other
`scheme://...` names a backend of `tasktui.db.registry`.
"""

from __future__ import annotations

import os
from pathlib import Path

from tasktui.errors import Invalid

SQLITE = "sqlite"


class DatabaseUrl:
    """A parsed database location: the engine's `scheme` and the rest of the URL.

    For SQLite, `path` is the file (what messages name and `db backup` reads); for a
    server it is None and `str()` is the URL without its password. A plain class (no
    dataclass): `import tasktui.db` must stay as light as it was."""

    __slots__ = ("path", "rest", "scheme")

    def __init__(self, scheme: str, rest: str, path: Path | None = None) -> None:
        self.scheme = scheme
        self.rest = rest
        self.path = path

    @classmethod
    def for_file(cls, path: str | os.PathLike[str]) -> DatabaseUrl:
        """The SQLite database in the file `path` (`~` expanded)."""
        p = Path(path).expanduser()
        return cls(SQLITE, f"/{p}", p)

    @property
    def is_file(self) -> bool:
        """True for an embedded database in one file (SQLite)."""
        return self.path is not None

    def file(self, purpose: str) -> Path:
        """The database file, or Invalid when the database is not one file: `purpose`
        says what needed a file (e.g. "db backup")."""
        if self.path is None:
            raise Invalid(f"{purpose} works on an SQLite file; {self} is a {self.scheme} database")
        return self.path

    def __str__(self) -> str:
        if self.path is not None:
            return str(self.path)
        return f"{self.scheme}://{_without_password(self.rest)}"

    def __repr__(self) -> str:
        return f"DatabaseUrl({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatabaseUrl) and (self.scheme, self.rest) == (other.scheme, other.rest)

    def __hash__(self) -> int:
        return hash((self.scheme, self.rest))


def _without_password(rest: str) -> str:
    """`user:secret@host/db` as `user:***@host/db` (messages never show a password)."""
    credentials, at, host = rest.partition("@")
    if not at or ":" not in credentials.split("/")[0]:
        return rest
    return f"{credentials.split(':')[0]}:***@{host}"


def parse_database_url(text: str | os.PathLike[str] | DatabaseUrl) -> DatabaseUrl:
    """The location `text` names: a path (SQLite), `sqlite:///path` or another
    `scheme://...`. Whether that scheme has a backend is `registry.dialect_for`'s
    question, not this one's."""
    if isinstance(text, DatabaseUrl):
        return text
    if not isinstance(text, str):
        return DatabaseUrl.for_file(text)
    scheme, sep, rest = text.partition("://")
    if not sep or not scheme or "/" in scheme:
        return DatabaseUrl.for_file(text)
    scheme = scheme.lower()
    if scheme != SQLITE:
        return DatabaseUrl(scheme, rest)
    if not rest.startswith("/") or rest == "/":
        raise Invalid(f"an SQLite URL names a file: sqlite:///relative/path or sqlite:////absolute/path, not {text!r}")
    return DatabaseUrl.for_file(rest[1:])
