"""Text search on PostgreSQL: one search document per task (`task.search_doc`: title,
description, link and attribute values, kept by triggers of migration 1) and a
trigram GIN index (pg_trgm) that answers `ILIKE '%text%'` for any substring of three
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


def text_condition(text: str) -> pw.Expression:
    """The task's search document contains `text` (case-insensitive)."""
    node = pw.NodeList((pw.SQL('"search_doc" ILIKE '), _pattern(text)), glue="")
    return pw.NodeList((node,), glue="", parens=True)  # type: ignore[return-value]  # a condition, as rendered


def text_matches(text: str) -> pw.Node:
    """A FROM-clause source `text_match` with one row (`id`) per matching task."""
    return pw.NodeList(
        (pw.SQL('(SELECT "id" FROM "task" WHERE "search_doc" ILIKE '), _pattern(text), pw.SQL(") AS text_match")),
        glue="",
    )


def text_match_ids(text: str, limit: int, db: pw.Database | pw.DatabaseProxy) -> list[int] | None:
    """The ids of the tasks containing `text` when at most `limit`, else None."""
    query = (
        pw.Select([pw.Table("task")], [pw.SQL('"id"')])
        .where(text_condition(text))
        .order_by(pw.SQL('"id"'))
        .limit(limit + 1)
        .bind(db)
    )
    rows = list(query.tuples())
    return None if len(rows) > limit else [row[0] for row in rows]
