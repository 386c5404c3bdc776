"""Filters, keyset paging and counts, checked against a reference computed in Python.

The data set has NULLs in every nullable sort column and many ties, so the keyset
cursor (sort key, id) must be exact for every page to line up."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest

from tasktui.errors import Invalid
from tasktui.models import Membership, Task
from tasktui.services import people
from tasktui.services.events import definitions as events
from tasktui.services.tasks import listing
from tasktui.services.tasks.counts import count_tasks
from tasktui.services.tasks.filters import ASSIGNEE_MODES, TaskFilter
from tasktui.services.tasks.listing import SORT_KEYS, iter_tasks, list_tasks, matching_ids
from tasktui.services.tasks.raising import raise_task
from tasktui.services.tasks.transitions import mark_done


@pytest.fixture
def data(database, actor):
    """~90 tasks over 3 events, 3 users (alice in group `ops`), 2 groups, both statuses."""
    rng = random.Random(7)
    for login in ("bob", "carol"):
        people.add_user(login)
    for name in ("ops", "sales"):
        people.add_group(name)
    people.add_member("ops", "alice")
    people.add_member("sales", "bob")
    events.create_event("ev_a", "A", plugin="alpha")
    events.create_event("ev_b", "B")
    events.create_event("ev_c", "C", plugin="gamma")
    users = [None, actor.login, "bob", "carol"]
    groups = [None, "ops", "sales"]
    titles = ["Import failed", "Stock differs", "import FAILED again", "zz", "Refund"]
    base = dt.datetime(2025, 1, 1)
    for _ in range(90):
        r = raise_task(
            actor,
            rng.choice(["ev_a", "ev_b", "ev_c"]),
            rng.choice(titles),
            description=rng.choice(["", "line\nmore", "see order 42"]),
            link=rng.choice(["", "https://shop/1", "ref-9"]),
            assignee=rng.choice(users),
            group=rng.choice(groups),
        )
        seen = base + dt.timedelta(minutes=rng.choice([0, 5, 5, 10]))
        Task.update(
            last_seen_at=seen, occurrences=rng.choice([1, 1, 2, 7]), severity=rng.choice([1, 2, 2, 3, 4])
        ).where(Task.id == r.task_id).execute()
        if r.task_id % 3 == 0:  # nulls and ties in the acknowledged sort
            Task.update(acknowledged_by=rng.choice([actor.user_id, people.get_user("bob").id]),
                        acknowledged_at=base).where(Task.id == r.task_id).execute()  # fmt: skip
        if rng.random() < 0.4:
            mark_done(actor, [r.task_id])
            Task.update(done_at=base + dt.timedelta(hours=rng.choice([1, 2]))).where(Task.id == r.task_id).execute()
    return {
        "actor": actor,
        "alice": actor.user_id,
        "events": {e.identifier: e.id for e in events.list_events()},
        "ops": people.get_group("ops").id,
    }


def _reference_rows(database) -> list[dict]:
    cursor = database.execute_sql(
        "SELECT id, status, title, description, plugin, event_id, link, done_at, assignee_id, group_id,"
        " occurrences, last_seen_at, severity, acknowledged_by_id FROM task"
    )
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


PY_KEYS = {
    "created": lambda r: r["id"],
    "id": lambda r: r["id"],
    "status": lambda r: r["status"],
    "title": lambda r: r["title"],
    "description": lambda r: r["description"],
    "plugin": lambda r: r["plugin"] or "",
    "event": lambda r: r["event_id"],
    "link": lambda r: r["link"],
    "done_at": lambda r: (r["done_at"] is not None, r["done_at"] or ""),  # nulls first, any type
    "assignee": lambda r: r["assignee_id"] or 0,
    "group": lambda r: r["group_id"] or 0,
    "occurrences": lambda r: r["occurrences"],
    "last_seen": lambda r: r["last_seen_at"],
    "severity": lambda r: r["severity"],
    "acknowledged": lambda r: r["acknowledged_by_id"] or 0,
}


def _matches(row: dict, flt: TaskFilter, my_groups: set[int]) -> bool:
    if flt.status != "all" and row["status"] != flt.status:
        return False
    mode = flt.assignee_mode
    direct = row["assignee_id"] == flt.user_id
    via_group = row["group_id"] in my_groups
    if (mode == "direct" and not direct) or (mode == "groups" and not via_group):
        return False
    if (mode == "direct_or_groups" and not (direct or via_group)) or (
        mode == "unassigned" and row["assignee_id"] is not None
    ):
        return False
    if flt.event_id is not None and row["event_id"] != flt.event_id:
        return False
    if flt.group_id is not None and row["group_id"] != flt.group_id:
        return False
    text = flt.text.strip().lower()
    return not text or any(text in (row[c] or "").lower() for c in ("title", "description", "link"))


def _reference(database, flt, sort="created", descending=True) -> list[int]:
    rows = [r for r in _reference_rows(database) if _matches(r, flt, {database_ops_group(database)})]
    rows.sort(key=lambda r: (PY_KEYS[sort](r), r["id"]), reverse=descending)
    return [r["id"] for r in rows]


def database_ops_group(database) -> int:
    return database.execute_sql("SELECT id FROM user_group WHERE name = 'ops'").fetchone()[0]


def _walk(flt, sort, descending, page_size=7) -> list[int]:
    seen, after = [], None
    while True:
        page = list_tasks(flt, sort, descending, after=after, limit=page_size)
        assert len(page) <= page_size
        if not page:
            return seen
        seen += [row.id for row in page]
        after = page[-1].cursor
        assert len(seen) <= 200, "paging does not advance"


def test_sort_keys_are_all_covered():
    assert set(PY_KEYS) == set(SORT_KEYS)


def test_keyset_paging_walks_every_row_once_in_order(data, database):
    """In every sort and direction (one seeded database: the test only reads)."""
    for sort, descending in itertools.product(sorted(SORT_KEYS), (True, False)):
        for flt in (TaskFilter(status="all"), TaskFilter("direct_or_groups", data["alice"], status="open")):
            expected = _reference(database, flt, sort, descending)
            assert len(expected) > 10
            assert _walk(flt, sort, descending) == expected, (sort, descending, flt)
            assert [r.id for r in iter_tasks(flt, sort, descending, batch=11)] == expected, (sort, descending, flt)


def _all_filters(data):
    modes, statuses = list(ASSIGNEE_MODES), ["open", "all", "done"]
    event_ids = [None, data["events"]["ev_a"]]
    for mode, status, event, group, text in itertools.product(
        modes, statuses, event_ids, [None, data["ops"]], ["", "fail", "zz"]
    ):
        yield TaskFilter(mode, data["alice"], event, group, status, text)


def test_every_filter_combination_lists_and_counts_like_the_reference(data, database, few_matches):
    nonempty = 0
    for flt in _all_filters(data):
        expected = _reference(database, flt)
        assert count_tasks(flt) == len(expected), flt
        assert [r.id for r in list_tasks(flt, limit=500)] == expected, flt
        assert matching_ids(flt) == expected, flt
        nonempty += bool(expected)
    assert nonempty > 50


def test_text_search_reaches_attribute_free_fields_case_insensitively(data, database):
    for text in ("IMPORT", "order 42", "shop/1", "ref-9", "zz"):
        flt = TaskFilter(status="all", text=text)
        expected = _reference(database, flt)
        assert expected and [r.id for r in list_tasks(flt, limit=500)] == expected


def test_offset_paging_and_rows(data, database):
    flt = TaskFilter(status="all")
    expected = _reference(database, flt)
    assert [r.id for r in list_tasks(flt, limit=5, offset=10)] == expected[10:15]
    row = list_tasks(flt, limit=1)[0]
    assert row.event in ("ev_a", "ev_b", "ev_c") and row.description_first_line == row.description.split("\n")[0]


@pytest.mark.parametrize(
    "flt",
    [TaskFilter(status="closed"), TaskFilter(assignee_mode="mine"), TaskFilter(assignee_mode="direct")],
)
def test_bad_filters_are_invalid(database, flt):
    with pytest.raises(Invalid):
        count_tasks(flt)


def test_unknown_sort_is_invalid(database):
    with pytest.raises(Invalid, match="unknown sort column 'colour'"):
        list_tasks(TaskFilter(), sort="colour")


def test_language_of_event_names(data, database):
    events.edit_event("ev_a", name_de="A auf Deutsch")
    flt = TaskFilter(status="all", event_id=data["events"]["ev_a"])
    assert {r.event_name for r in list_tasks(flt, lang="de")} == {"A auf Deutsch"}
    assert {r.event_name for r in list_tasks(flt, lang="en")} == {"A"}


# ------------------------------------------------------------------ text search paths
# A text of three characters or more is answered by the full-text index, which drives
# the query (services.tasks.listing.page_query, db.text_driven); shorter texts use LIKE.

TEXT_FILTERS = [
    lambda d, t: TaskFilter(status="all", text=t),
    lambda d, t: TaskFilter("direct_or_groups", d["alice"], status="open", text=t),
    lambda d, t: TaskFilter("unassigned", status="done", text=t),
    lambda d, t: TaskFilter("groups", d["alice"], d["events"]["ev_a"], status="all", text=t),
]


@pytest.fixture(params=[100, 0], ids=["few_matches_by_id", "driven_by_the_index"])
def few_matches(request, monkeypatch):
    """Both ways of a text search: ids read first (few matches), or the text index
    driving the query (FEW_MATCHES = 0: every text has more)."""
    monkeypatch.setattr(listing, "FEW_MATCHES", request.param)
    return request.param


def test_text_search_pages_like_the_reference_in_every_sort(data, database, few_matches):
    """Keyset pages, exports, OFFSET pages from either end (as the tasks table reads
    them) and counts, for texts on every path, in every sort and direction, against
    the Python reference (one seeded database for all of them: the test only reads).
    Each sort meets every filter of TEXT_FILTERS: two of them descending, the other
    two ascending."""
    for k, (sort, descending) in enumerate(itertools.product(sorted(SORT_KEYS), (True, False))):
        checked = 0
        makers = [TEXT_FILTERS[(2 * k) % 4], TEXT_FILTERS[(2 * k + 1) % 4]]
        for make, text in itertools.product(makers, ["fail", "ORE", "ref-9", "e", "zz"]):
            flt = make(data, text)
            where = (sort, descending, flt)
            expected = _reference(database, flt, sort, descending)
            # about eight page boundaries per walk: in the sorts with long runs of equal
            # keys (status, event, plugin...) each lands inside a run of ties anyway
            pages = max(3, -(-len(expected) // 8))
            assert _walk(flt, sort, descending, page_size=pages) == expected, where
            assert [r.id for r in iter_tasks(flt, sort, descending, batch=pages + 1)] == expected, where
            for start in (0, 1, 3, max(0, len(expected) - 2)):
                assert [r.id for r in list_tasks(flt, sort, descending, limit=3, offset=start)] == expected[
                    start : start + 3
                ], (where, start)
                backwards = expected[::-1][start : start + 3]
                assert [r.id for r in list_tasks(flt, sort, not descending, limit=3, offset=start)] == backwards, (
                    where,
                    start,
                )
            assert count_tasks(flt) == len(expected), where
            checked += len(expected) > 3
        assert checked >= 4, (sort, descending)


def test_text_search_pages_continue_across_boundaries_from_any_row(data, database, few_matches):
    """A keyset cursor from any row of the reference (not only page ends) continues
    with exactly the rows after it, in both directions."""
    for make in TEXT_FILTERS:
        flt = make(data, "fail")
        for sort, descending in itertools.product(("created", "title", "assignee"), (True, False)):
            rows = {r.id: r for r in iter_tasks(flt, sort, descending, batch=1000)}
            expected = _reference(database, flt, sort, descending)
            assert list(rows) == expected
            for i, task_id in enumerate(expected):
                after = list_tasks(flt, sort, descending, after=rows[task_id].cursor, limit=4)
                assert [r.id for r in after] == expected[i + 1 : i + 5], (flt, sort, descending, i)


def test_text_with_quotes_percent_and_underscore_is_searched_literally(data, database, few_matches):
    actor = data["actor"]
    odd = [
        raise_task(actor, "ev_a", 'say "hi" to 100%_done').task_id,
        raise_task(actor, "ev_b", "100 percent", link="a_b%c").task_id,
    ]
    for text, wanted in [
        ('"hi"', [odd[0]]),
        ("100%", [odd[0]]),
        ("%_d", [odd[0]]),
        ('i" t', [odd[0]]),
        ("b%c", [odd[1]]),
        ("_b", [odd[1]]),
        ("100", odd[::-1]),
        ('"', [odd[0]]),
    ]:
        flt = TaskFilter(status="all", text=text)
        assert [r.id for r in list_tasks(flt)] == wanted, text
        assert count_tasks(flt) == len(wanted), text
        assert matching_ids(flt) == wanted, text


def test_punctuation_spaces_and_q_are_searched_exactly(data, database, few_matches):
    """PostgreSQL's search key turns punctuation and spaces into q (migration 13): a
    text with punctuation, spaces or a q finds what it finds on SQLite, never a task
    whose key matches only because a q stood for punctuation or the other way round."""
    actor = data["actor"]
    texts = {
        "nightly-sync-7 failed": "",
        "nightly-sync-3 failed": "",
        "nightly sync 7": "",
        "nightlyqsyncq7": "",
        "Quick QA of sync.q": "q-a",
        "order #42/7": "path a.b_c",
    }
    ids = {title: raise_task(actor, "ev_a", title, link=link).task_id for title, link in texts.items()}
    for text in ["nightly-sync-7", "NIGHTLY-SYNC", "sync-7", "ly s", "lyqs", "qsyncq", "y-s", "c.q", "cqq",
                 "q-a", "QA of", "#42/", "42/7", "a.b_c", "a.b-c", "y 7", "7 f", "---", "qqq", "sync"]:  # fmt: skip
        folded = text.casefold()
        wanted = sorted(
            (task_id for title, task_id in ids.items() if folded in title.casefold() or folded in texts[title]),
            reverse=True,
        )
        flt = TaskFilter(status="all", text=text, event_id=data["events"]["ev_a"])
        found = [r.id for r in list_tasks(flt) if r.id in ids.values()]
        assert found == wanted, text
        assert [i for i in matching_ids(flt) if i in ids.values()] == wanted, text


# ------------------------------------------------------------------ counts


def test_counts_up_to_a_cap_like_the_reference(data, database, few_matches):
    from tasktui.services.tasks.counts import TaskCount, count_up_to

    for flt in _all_filters(data):
        n = len(_reference(database, flt))
        for cap in {0, 1, max(0, n - 1), n, n + 1, 1000}:
            expected = TaskCount(n) if n <= cap else TaskCount(cap, exact=False)
            assert count_up_to(flt, cap) == expected, (flt, cap)
    assert str(TaskCount(10_000, exact=False)) == "10,000+" and str(TaskCount(1234)) == "1,234"
    with pytest.raises(ValueError):
        count_up_to(TaskFilter(), -1)


@pytest.fixture
def many_groups(database, actor):
    """Six groups; alice is in the 2nd, 4th and 5th (gaps below, between and above
    her groups). Tasks in every group and in none, each status, some hers."""
    for login in ("bob", "carol"):
        people.add_user(login)
    names = [f"g{i}" for i in range(1, 7)]
    for name in names:
        people.add_group(name)
    for name in ("g2", "g4", "g5"):
        people.add_member(name, "alice")
    people.add_member("g1", "bob")
    events.create_event("ev_a", "A")
    events.create_event("ev_b", "B")
    rng = random.Random(11)
    for i in range(150):
        r = raise_task(
            actor,
            rng.choice(["ev_a", "ev_b"]),
            f"task {i}",
            assignee=rng.choice([None, "alice", "bob", "carol"]),
            group=rng.choice([None, *names]),
        )
        if rng.random() < 0.5:
            mark_done(actor, [r.task_id])
    return {
        "alice": actor.user_id,
        "groups": [people.get_group(n).id for n in names],
        "event": events.get_event("ev_a").id,
    }


def _group_reference(database, flt: TaskFilter) -> int:
    mine = {m.group_id for m in Membership.select().where(Membership.user == flt.user_id)}
    rows = _reference_rows(database)
    return sum(1 for r in rows if _matches(r, flt, mine))


@pytest.mark.parametrize("gaps", [30, 1], ids=["ranges", "not_in"])
def test_counts_of_group_modes_with_gaps_between_my_groups(many_groups, database, monkeypatch, gaps):
    """ "Via groups" and "directly or via groups" are counted as disjoint parts (my
    groups; my tasks in no group or in a gap between my groups): every combination
    with a group filter, an event and a status counts like the reference."""
    from tasktui.services.tasks import counts as task_counts

    monkeypatch.setattr(task_counts, "MAX_GAPS", gaps)
    d = many_groups
    for mode, status, event, group in itertools.product(
        ("groups", "direct_or_groups"), ("open", "all", "done"), (None, d["event"]), (None, *d["groups"])
    ):
        flt = TaskFilter(mode, d["alice"], event, group, status)
        n = _group_reference(database, flt)
        assert count_tasks(flt) == n, flt
        assert task_counts.count_up_to(flt, 5) == (
            task_counts.TaskCount(n) if n <= 5 else task_counts.TaskCount(5, False)
        )
        assert len(matching_ids(flt)) == n


def test_counts_for_a_user_in_no_group(many_groups, database):
    carol = people.get_user("carol").id
    for status in ("open", "all", "done"):
        assert count_tasks(TaskFilter("groups", carol, status=status)) == 0
        flt = TaskFilter("direct_or_groups", carol, status=status)
        assert count_tasks(flt) == _group_reference(database, flt) > 0


def test_count_of_done_tasks_ignores_rows_of_any_other_status(data, database):
    """ "Done" alone is counted as all tasks minus those of other statuses: a row with a
    status written by something else is still not counted as done."""
    before = count_tasks(TaskFilter(status="done"))
    database.execute_sql(
        "UPDATE task SET status = 'archived' WHERE id = (SELECT min(id) FROM task WHERE status = 'done')"
    )
    database.execute_sql(
        "UPDATE task SET status = 'blocked' WHERE id = (SELECT min(id) FROM task WHERE status = 'open')"
    )
    assert count_tasks(TaskFilter(status="done")) == before - 1
    assert count_tasks(TaskFilter(status="all")) == 90
