"""Many rows into one table fast, for the writes of a bulk action on 100,000 tasks:
a prepared multi-row INSERT (`BATCH` rows each), run by the driver's `executemany`,
plus one INSERT for the remainder.

What for: peewee's `insert_many` renders every value of every row into SQL in Python;
at 100,000 history entries that alone took seconds. One single-row statement per row
is no better on PostgreSQL: every statement is a round of the protocol and fires the
table's statement-level notify trigger. Here each value is only converted by its field
(`db_value`, as peewee does; skipped for an int into an integer column or a str into a
text column, which it would return unchanged) and the driver binds it, with the
engine's own parameter style (`?` or `%s`), so nothing above the storage floor writes
a placeholder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import peewee as pw

#: Rows per INSERT statement (at most 8 columns x 250 rows = 2,000 parameters: well
#: within SQLite's and PostgreSQL's limits).
BATCH = 250
#: At most this many parameters in one statement.
MAX_PARAMETERS = 2000


def _converter(field: pw.Field) -> Callable[[Any], Any]:
    """`field.db_value`, skipped for values it would return unchanged."""
    convert = field.db_value
    target = field.rel_field if isinstance(field, pw.ForeignKeyField) else field
    same: type | None = None
    if isinstance(target, (pw.IntegerField, pw.AutoField)) and not isinstance(target, pw.BooleanField):
        same = int
    elif isinstance(target, (pw.CharField, pw.TextField)):
        same = str
    if same is None:
        return convert
    return lambda value: value if value is None or type(value) is same else convert(value)


def insert_rows(model: type[pw.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts of field name -> value, all with the same keys) into the
    table of `model`, inside the current transaction."""
    if not rows:
        return
    names = list(rows[0])
    fields = [model._meta.fields[name] for name in names]
    database = model._meta.database
    quote = database.quote  # the two quote characters, e.g. '""'
    table = f"{quote[0]}{model._meta.table_name}{quote[-1]}"
    columns = ", ".join(f"{quote[0]}{f.column_name}{quote[-1]}" for f in fields)
    row_marks = "(" + ", ".join([database.param] * len(fields)) + ")"
    converters = [(name, _converter(field)) for field, name in zip(fields, names)]
    values = [[convert(row[name]) for name, convert in converters] for row in rows]
    batch = max(1, min(BATCH, MAX_PARAMETERS // len(fields)))
    whole = len(values) - len(values) % batch
    cursor = database.cursor()
    if whole:
        statement = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_marks] * batch)}"
        cursor.executemany(
            statement,
            [[v for row in values[start : start + batch] for v in row] for start in range(0, whole, batch)],
        )
    if whole < len(values):
        rest = values[whole:]
        statement = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_marks] * len(rest))}"
        cursor.execute(statement, [v for row in rest for v in row])
