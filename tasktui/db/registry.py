"""Which engine serves which URL scheme.

A backend is registered by the module path of its dialect class and imported only
when a URL names it, so SQLite users never import a server driver (and `tasktui
raise` stays light).
"""

from __future__ import annotations

import importlib

from tasktui.db.dialect import Dialect
from tasktui.db.url import SQLITE
from tasktui.errors import Invalid

#: URL scheme -> "module:ClassName" of its Dialect, imported on first use.
_BACKENDS: dict[str, str] = {
    SQLITE: "tasktui.db.sqlite.dialect:SqliteDialect",
    "postgresql": "tasktui.db.postgres.dialect:PostgresDialect",
    "postgres": "tasktui.db.postgres.dialect:PostgresDialect",
}
_LOADED: dict[str, Dialect] = {}


def register(scheme: str, target: str) -> None:
    """Let `scheme://...` URLs open with the Dialect at `target` ("module:Class")."""
    _BACKENDS[scheme.lower()] = target
    _LOADED.pop(scheme.lower(), None)


def known_schemes() -> list[str]:
    """The URL schemes a backend is registered for, sorted."""
    return sorted(_BACKENDS)


def check_scheme(scheme: str) -> None:
    """Invalid (exit 2), naming the known schemes, when no backend serves `scheme`."""
    if scheme.lower() not in _BACKENDS:
        known = ", ".join(f"{name}://" for name in known_schemes())
        raise Invalid(f"unknown database URL scheme {scheme!r}: use a file path or one of {known}")


def dialect_for(scheme: str) -> Dialect:
    """The (one, shared) Dialect serving `scheme`, importing its module on first use."""
    scheme = scheme.lower()
    check_scheme(scheme)
    if scheme not in _LOADED:
        module, _, name = _BACKENDS[scheme].partition(":")
        _LOADED[scheme] = getattr(importlib.import_module(module), name)()
    return _LOADED[scheme]
