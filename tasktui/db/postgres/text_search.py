"""Text search on PostgreSQL: one search document per task (`task_search.doc`: title,
description, link and attribute values, kept by triggers of migrations 1 and 12, in a
table of its own so that bulk changes of task rows leave it alone) and a trigram GIN
index (pg_trgm) on it that answers `ILIKE '%text%'` for any substring of three
characters or more; shorter texts are the same condition, read by a scan.

The same tasks as SQLite's FTS5 trigram index find: substrings, case-insensitively,
over the same four texts. Values are peewee parameters, never placeholders by hand.
"""

from __future__ import annotations

import peewee as pw


def indexed_text(text: str) -> bool:
    """True when the trigram index answers a search for `text` (three characters or
    more, as on SQLite)."""
    return len(text) >= 3


def _pattern(text: str) -> pw.Value:
    """`%text%` for ILIKE, its wildcards and the escape character escaped."""
    return pw.Value("%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")


def _matching(text: str) -> pw.Node:
    """`"doc" ILIKE '%text%'`: a row of task_search whose document contains `text`."""
    return pw.NodeList((pw.SQL('"doc" ILIKE '), _pattern(text)), glue="")


def _matching_ids(text: str) -> pw.Node:
    """`SELECT "task_id" FROM "task_search" WHERE "doc" ILIKE …`: the matching tasks."""
    return pw.NodeList((pw.SQL('SELECT "task_id" FROM "task_search" WHERE '), _matching(text)), glue="")


def text_condition(task_model: type[pw.Model], text: str) -> pw.Expression:
    """The task's search document contains `text` (case-insensitive): its id is
    among those of the matching documents (a semi-join the planner may drive from
    the trigram index or from the task's own order)."""
    ids = pw.NodeList((_matching_ids(text),), parens=True)
    return pw.Expression(task_model._meta.primary_key, pw.OP.IN, ids)


def text_matches(text: str) -> pw.Node:
    """A FROM-clause source `text_match` with one row (`id`) per matching task."""
    return pw.NodeList(
        (pw.SQL('(SELECT "task_id" AS "id" FROM "task_search" WHERE '), _matching(text), pw.SQL(") AS text_match")),
        glue="",
    )


def text_match_ids(text: str, limit: int, db: pw.Database | pw.DatabaseProxy) -> list[int] | None:
    """The ids of the tasks containing `text` when at most `limit`, else None."""
    query = (
        pw.Select([pw.Table("task_search")], [pw.SQL('"task_id"')])
        .where(_matching(text))
        .order_by(pw.SQL('"task_id"'))
        .limit(limit + 1)
        .bind(db)
    )
    rows = list(query.tuples())
    return None if len(rows) > limit else [row[0] for row in rows]
