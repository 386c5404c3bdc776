"""Loading psycopg 3 on demand and handing it to peewee.

`tasktui/__init__.py` hides the PostgreSQL drivers while peewee is imported (so an
SQLite command never pays for them); peewee then has no driver. This module imports
psycopg when a postgresql:// database is opened and sets the names peewee's psycopg 3
adapter reads, exactly as peewee's own import would have.
"""

from __future__ import annotations

from typing import Any

import peewee as pw

from tasktui.errors import Invalid

#: The optional extra that brings the driver.
EXTRA = "tasktui[postgres]"


def load_driver() -> Any:
    """The psycopg module, made peewee's; Invalid (exit 2) naming the extra when it is
    not installed."""
    try:
        import psycopg
        from psycopg.pq import TransactionStatus
        from psycopg.types.json import Json, Jsonb
    except ImportError:
        raise Invalid(
            f"a postgresql:// database needs the PostgreSQL driver: install the extra, pip install '{EXTRA}'"
        ) from None
    if getattr(pw, "psycopg", None) is not psycopg:
        pw.psycopg = psycopg  # type: ignore[attr-defined]
        pw.TransactionStatus = TransactionStatus  # type: ignore[attr-defined]
        pw.Json_pg3 = Json  # type: ignore[attr-defined]
        pw.Jsonb_pg3 = Jsonb  # type: ignore[attr-defined]
        adapter: Any = pw.Psycopg3Adapter
        adapter.txn_idle = TransactionStatus.IDLE
        adapter.txn_inerror = TransactionStatus.INERROR
        adapter.txn_unknown = TransactionStatus.UNKNOWN
    return psycopg
