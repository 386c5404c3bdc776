"""Many rows into one table fast: one prepared INSERT run once per row (the driver's
`executemany`), for the writes of a bulk action on 100,000 tasks.

What for: peewee's `insert_many` renders every value of every row into SQL in Python;
at 100,000 history entries that alone took seconds. Here each value is only converted
by its field (`db_value`, as peewee does) and the driver binds it, with the engine's
own parameter style (`?` or `%s`), so nothing above the storage floor writes a
placeholder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import peewee as pw


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
    marks = ", ".join([database.param] * len(fields))
    values = [[field.db_value(row[name]) for field, name in zip(fields, names)] for row in rows]
    cursor = database.cursor()
    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)


def _key(model: type[pw.Model]) -> pw.Field:
    key = model._meta.primary_key
    if not isinstance(key, pw.Field):
        raise ValueError(f"{model.__name__} has no single primary key")
    return key


def _names(model: type[pw.Model], fields: Sequence[pw.Field]) -> tuple[str, list[str]]:
    quote = model._meta.database.quote
    table = f"{quote[0]}{model._meta.table_name}{quote[-1]}"
    return table, [f"{quote[0]}{f.column_name}{quote[-1]}" for f in fields]


def insert_rows_returning_ids(model: type[pw.Model], rows: Sequence[Mapping[str, Any]], chunk: int = 500) -> list[int]:
    """Insert `rows` (dicts with the same keys) into the table of `model`, `chunk` rows
    per multi-row INSERT ... RETURNING (both engines have it), values bound by the
    driver; the new primary keys in row order. Ids follow insertion order within the
    caller's write transaction, so each statement's returned ids, sorted, are its
    rows' ids (as peewee's `insert_many().returning()` gave them)."""
    if not rows:
        return []
    names = list(rows[0])
    fields = [model._meta.fields[name] for name in names]
    database = model._meta.database
    table, columns = _names(model, fields)
    key = _names(model, [_key(model)])[1][0]
    one = "(" + ", ".join([database.param] * len(fields)) + ")"
    converters = [(field.db_value, name) for field, name in zip(fields, names)]
    ids: list[int] = []
    cursor = database.cursor()
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        values = [convert(row[name]) for row in part for convert, name in converters]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(part))} RETURNING {key}"
        cursor.execute(sql, values)
        returned = sorted(row[0] for row in cursor.fetchall())
        if len(returned) != len(part):
            raise RuntimeError(f"inserted {len(part)} rows but got {len(returned)} ids back")
        ids.extend(returned)
    return ids


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
