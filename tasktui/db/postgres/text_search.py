"""Text search on PostgreSQL: one search document per task (`task_search.doc`: title,
description, link and attribute values, kept by triggers of migrations 1 and 12, in a
table of its own so that bulk changes of task rows leave it alone) and a trigram GIN
index (pg_trgm) that answers `ILIKE '%text%'` for any substring of three characters
or more; shorter texts are the same condition, read by a scan.

The index is on the document's search key (`task_search.key`, migration 13): the
document with ASCII punctuation and spaces turned into `q`, so that pg_trgm, which
takes trigrams from words only, has trigrams across them (`nightly-sync-7` is one
word `nightlyqsyncq7`, not three common ones). A text is looked up by its own key;
when that differs from the text or holds a `q`, the document itself is checked too
(a `q` in the key may have been punctuation), so only real matches are found.

The same tasks as SQLite's FTS5 trigram index find: substrings, case-insensitively,
over the same four texts. Values are peewee parameters, never placeholders by hand.
"""

from __future__ import annotations

import string

import peewee as pw

#: What the search key turns into `q` (the frozen SQL of migration 13 has the same).
KEY_PUNCTUATION = string.punctuation + " "
_KEY = str.maketrans(KEY_PUNCTUATION, "q" * len(KEY_PUNCTUATION))


def search_key(text: str) -> str:
    """`text` as the search key has it (the same translation as migration 13's)."""
    return text.translate(_KEY)


def indexed_text(text: str) -> bool:
    """True when the trigram index answers a search for `text` (three characters or
    more, as on SQLite)."""
    return len(text) >= 3


def _pattern(text: str) -> pw.Value:
    """`%text%` for ILIKE, its wildcards and the escape character escaped."""
    return pw.Value("%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")


def _matching(text: str) -> pw.Node:
    """A row of task_search whose document contains `text`: `"key" ILIKE '%key%'`,
    the indexed condition, and `"doc" ILIKE '%text%'` unless the key's match is
    exact (a text without punctuation and without q matches the key only where it
    matches the document)."""
    key = search_key(text)
    on_key = pw.NodeList((pw.SQL('"key" ILIKE '), _pattern(key)), glue="")
    if key == text and "q" not in text.casefold():
        return on_key
    on_doc = pw.NodeList((pw.SQL('"doc" ILIKE '), _pattern(text)), glue="")
    return pw.NodeList((on_key, pw.SQL(" AND "), on_doc), glue="", parens=True)


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
