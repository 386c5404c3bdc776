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

import peewee as pw

from tasktui.lazy_typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

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


def _key(model: type[pw.Model]) -> pw.Field:
    key = model._meta.primary_key
    if not isinstance(key, pw.Field):
        raise ValueError(f"{model.__name__} has no single primary key")
    return key


def _names(model: type[pw.Model], fields: Sequence[pw.Field]) -> tuple[str, list[str]]:
    """The quoted table name of `model` and the quoted column names of `fields`."""
    quote = model._meta.database.quote  # the two quote characters, e.g. '""'
    table = f"{quote[0]}{model._meta.table_name}{quote[-1]}"
    return table, [f"{quote[0]}{f.column_name}{quote[-1]}" for f in fields]


def insert_rows(model: type[pw.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts of field name -> value, all with the same keys) into the
    table of `model`, inside the current transaction."""
    if not rows:
        return
    names = list(rows[0])
    fields = [model._meta.fields[name] for name in names]
    database = model._meta.database
    table, quoted = _names(model, fields)
    columns = ", ".join(quoted)
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


def insert_values(model: type[pw.Model], rows: Sequence[Mapping[str, Any]], returning_ids: bool = False) -> list[int]:
    """Insert `rows` (dicts of field name -> value, all with the same keys) into the
    table of `model` as one multi-row INSERT (the caller keeps within the drivers'
    limit on parameters, see `bulk_insert.CHUNK`), inside the current transaction;
    with `returning_ids`, the new rows' ids (in the order the engine returns them).

    What for: the same statement as peewee's `insert_many`, without rendering every
    value into SQL in Python (the intake writes many small plans a second)."""
    if not rows:
        return []
    names = list(rows[0])
    # fields left out get their model default, as with insert_many
    defaulted = [n for n, f in model._meta.fields.items() if n not in names and f.default is not None]
    fields = [model._meta.fields[name] for name in names + defaulted]
    database = model._meta.database
    table, quoted = _names(model, fields)
    columns = ", ".join(quoted)
    marks = "(" + ", ".join([database.param] * len(fields)) + ")"
    converters = [(name, _converter(field)) for field, name in zip(fields, names)]
    defaulted_fields = fields[len(names) :]
    values: list[Any] = []
    for row in rows:
        values += [convert(row[name]) for name, convert in converters]
        if defaulted_fields:
            values += [
                field.db_value(field.default() if callable(field.default) else field.default)
                for field in defaulted_fields
            ]
    returning = f" RETURNING {_names(model, [_key(model)])[1][0]}" if returning_ids else ""
    cursor = database.execute_sql(
        f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(rows))}{returning}", values
    )
    return [row[0] for row in cursor.fetchall()] if returning_ids else []


def update_rows(
    model: type[pw.Model], set_names: Sequence[str], add_names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """One prepared UPDATE run once per row (the driver's `executemany`): each row is
    (values of `set_names`..., amounts added to `add_names`..., primary key), so
    `col = value` for the first and `col = col + amount` for the second."""
    if not rows:
        return
    database = model._meta.database
    set_fields = [model._meta.fields[name] for name in set_names]
    add_fields = [model._meta.fields[name] for name in add_names]
    table, set_columns = _names(model, set_fields)
    add_columns = _names(model, add_fields)[1]
    key = _names(model, [_key(model)])[1][0]
    mark = database.param
    assignments = [f"{c} = {mark}" for c in set_columns] + [f"{c} = {c} + {mark}" for c in add_columns]
    converters = [f.db_value for f in (*set_fields, *add_fields, _key(model))]
    values = [[convert(v) for convert, v in zip(converters, row, strict=True)] for row in rows]
    cursor = database.cursor()
    cursor.executemany(f"UPDATE {table} SET {', '.join(assignments)} WHERE {key} = {mark}", values)
