"""Text search on SQLite: an FTS5 trigram index over title, description, link and
attribute values (table `task_fts`, kept by triggers), LIKE for shorter texts.

Values are always peewee parameters (`pw.Value`): the placeholder is peewee's, never
written here by hand.
"""

from __future__ import annotations

import peewee as pw

from tasktui.lazy_typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

#: The id of a matching task in a query made by `text_driven` (order by it: the index
#: hands out matches in id order, so a first page stops after a page of rows).
TEXT_MATCH_ID = pw.SQL("text_match.id")


def indexed_text(text: str) -> bool:
    """True when the full-text index answers a search for `text`: the trigram index
    holds every substring of three characters; shorter texts are searched with LIKE."""
    return len(text) >= 3


def _phrase(text: str) -> pw.Value:
    """`text` as one FTS5 phrase (quotes doubled), a parameter of the MATCH."""
    return pw.Value('"' + text.replace('"', '""') + '"')


def text_condition(task_model: type[pw.Model], text: str) -> pw.Expression:
    """A condition matching tasks whose title, description, link or attribute values
    contain `text` (case-insensitive). FTS5 trigram for three characters or more.

    It reads every match of the index before the first row (an IN list): where a
    query can be driven by the matches instead, `text_driven` is much faster."""
    if indexed_text(text):
        return _id(task_model).in_(
            pw.NodeList(
                (pw.SQL("(SELECT rowid FROM task_fts WHERE task_fts MATCH "), _phrase(text), pw.SQL(")")), glue=""
            )
        )
    pattern = pw.Value("%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    parts = (
        pw.SQL("(title LIKE "), pattern, pw.SQL(" ESCAPE '\\' OR description LIKE "), pattern,
        pw.SQL(" ESCAPE '\\' OR link LIKE "), pattern,
        pw.SQL(" ESCAPE '\\' OR id IN (SELECT task_id FROM task_attribute WHERE value LIKE "), pattern,
        pw.SQL(" ESCAPE '\\'))"),
    )  # fmt: skip
    return pw.NodeList(parts, glue="")  # type: ignore[return-value]  # a condition, as peewee renders it


def text_matches(text: str) -> pw.Node:
    """A FROM-clause source `text_match` with one row (`id`) per task whose title,
    description, link or attribute values contain `text` (see `indexed_text`), read
    from the full-text index alone: `SELECT count(*)` of it counts matches without
    reading a task row (every task has its one row in the index)."""
    return pw.NodeList(
        (pw.SQL("(SELECT rowid AS id FROM task_fts WHERE task_fts MATCH "), _phrase(text), pw.SQL(") AS text_match")),
        glue="",
    )


def text_match_ids(text: str, limit: int, db: pw.Database | pw.DatabaseProxy) -> list[int] | None:
    """The ids of the tasks containing `text` (see `indexed_text`) when there are at
    most `limit` of them, else None (reading stops after `limit` + 1).

    The index is read in ascending id order, its fast direction: for a phrase of
    common trigrams (`SKU-00042`, `order #48291`) reading every match takes about
    half as long as in descending order, which a newest-first `text_driven` page of a
    rare text must do to the end."""
    match = pw.NodeList((pw.SQL("task_fts MATCH "), _phrase(text)), glue="")
    query = pw.Select([pw.SQL("task_fts")], [pw.SQL("rowid")]).where(match).limit(limit + 1).bind(db)
    rows = list(query.tuples())
    return None if len(rows) > limit else [row[0] for row in rows]


def text_driven(query: pw.Select, task_model: type[pw.Model], text: str) -> pw.Select:
    """`query`, a select from the task table (no joins), driven by the full-text
    matches of `text` (see `text_matches`): the index yields the ids of matching tasks
    and each is joined to its task row, where the rest of the WHERE clause filters it.

    Ordered by `TEXT_MATCH_ID` (ascending or descending), matches come in id order
    straight from the index: a page newest first reads a page of matches (plus those
    the other filters reject), where an IN list (`text_condition`) reads every match
    first (220 ms for a common word at a million tasks). A keyset on `TEXT_MATCH_ID`
    becomes a rowid range of the index. CROSS JOIN keeps the index the outer loop."""
    return query.from_(text_matches(text)).join(task_model, pw.JOIN.CROSS).where(_id(task_model) == TEXT_MATCH_ID)


def _id(task_model: type[pw.Model]) -> Any:
    """The task model's primary key column (peewee's stubs do not type `Model.id`)."""
    return task_model._meta.primary_key
