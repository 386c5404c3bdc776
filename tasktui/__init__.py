"""tasktui: a terminal task tracker for the work machines could not finish."""

import sys as _sys

__version__ = "0.1.0"

# Peewee imports every PostgreSQL driver it finds when it is imported (psycopg alone
# costs some 100 ms), and every tasktui command imports peewee. The drivers are hidden
# while peewee loads; `tasktui.db.postgres.driver` imports psycopg and hands it to
# peewee only when a postgresql:// URL is opened. The standard modules peewee imports
# but tasktui never uses are loaded on first use (`tasktui.deferred`).
if "peewee" not in _sys.modules:
    from tasktui.deferred import PEEWEE_UNUSED, defer, end_import

    defer(PEEWEE_UNUSED)
    _hidden = [name for name in ("psycopg", "psycopg2", "psycopg2cffi") if name not in _sys.modules]
    for _name in _hidden:
        _sys.modules[_name] = None  # type: ignore[assignment]  # "import psycopg" now raises ImportError
    try:
        import peewee  # noqa: F401
    finally:
        end_import()
        for _name in _hidden:
            if _sys.modules.get(_name, False) is None:
                del _sys.modules[_name]
