"""`tasktui import` a chunk at a time: the checks and the writer read the spooled
records back in chunks (2 records here, to cross many chunk boundaries), and every
rule holds across them exactly as for one chunk: ids in created_at order (ties by old
id, then file order), each target task matching one record only, one open task per
dedup key, problems listed in file order; the spool is closed in every case. On both
engines (the database fixtures)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tasktui.db import scratch
from tasktui.models import ChangeSet, ChangeSetTask, Task, TaskHistory
from tasktui.services import people
from tasktui.services.events import definitions as events
from tasktui.services.tasks.raising import raise_task
from tasktui.services.transfer import import_spool
from tasktui.services.transfer import importing as task_import
from tasktui.services.transfer.import_records import ImportRejected

SECOND = dt.datetime(2024, 5, 1, 10, 0, 0)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(scratch, "CHUNK", 2)  # the spool reads back 2 records at a time


@pytest.fixture
def world(actor):
    people.add_user("bob")
    events.create_event("plain", "Plain")
    events.create_event("other", "Other")
    return actor


def _record(record_id, title="alike", created=SECOND, event="plain", **changes) -> dict:
    stamp = created.isoformat() + "Z"
    base = {"id": record_id, "created_at": stamp, "status": "open", "title": title, "event": event,
            "last_seen_at": stamp}  # fmt: skip
    base.update(changes)
    return base


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def _target_task(actor, title: str, created: dt.datetime, event: str = "plain") -> int:
    task_id = raise_task(actor, event, title).task_id
    Task.update(created_at=created, last_seen_at=created).where(Task.id == task_id).execute()
    return task_id


def test_each_target_task_matches_one_record_across_chunks(world, tmp_path):
    """Three target tasks alike (microseconds apart, as raised) and five records alike,
    among records of another event and of the next second: the first three records
    (file order) are the three tasks, oldest first; the others are imported."""
    there = [_target_task(world, "alike", SECOND + dt.timedelta(microseconds=m)) for m in (5, 900, 1)]
    later = _target_task(world, "later", SECOND + dt.timedelta(seconds=1))
    records = [
        _record(1), _record(2, event="other"), _record(3), _record(4, "later", SECOND + dt.timedelta(seconds=1)),
        _record(5), _record(6), _record(7), _record(8, "later", SECOND + dt.timedelta(seconds=1)),
    ]  # fmt: skip
    path = _write(tmp_path / "alike.json", records)
    with pytest.raises(ImportRejected) as refused:
        task_import.import_tasks(world, path)
    assert refused.value.exit_code == 1
    assert [p.record for p in refused.value.problems] == ["record 1 (id 1)", "record 3 (id 3)", "record 4 (id 4)",
                                                          "record 5 (id 5)"]  # fmt: skip
    assert str(refused.value).startswith("alike.json: 4 of 8 tasks are already in this database")
    result = task_import.import_tasks(world, path, skip_existing=True)
    outcomes = [(t.record, t.outcome, t.new_id) for t in result.tasks]
    assert [o[:2] for o in outcomes] == [(1, "existing"), (2, "imported"), (3, "existing"), (4, "existing"),
                                         (5, "existing"), (6, "imported"), (7, "imported"), (8, "imported")]  # fmt: skip
    assert [outcomes[i][2] for i in (0, 2, 4)] == there and outcomes[3][2] == later
    assert (result.imported, result.existing) == (4, 4)
    assert Task.select().count() == 8


def test_new_ids_follow_created_at_then_old_id_then_file_order(world, tmp_path):
    early, late = SECOND - dt.timedelta(days=1), SECOND + dt.timedelta(days=1)
    records = [_record(9, "c", late), _record(7, "b", SECOND), _record(None, "a0", SECOND), _record(3, "x", early),
               _record(7, "b2", SECOND), _record(2, "a", SECOND)]  # fmt: skip
    result = task_import.import_tasks(world, _write(tmp_path / "order.json", records))
    new_ids = {t.record: t.new_id for t in result.tasks}
    by_id = [Task.get_by_id(new_ids[i]).title for i in sorted(new_ids, key=new_ids.__getitem__)]
    assert by_id == ["x", "a0", "a", "b", "b2", "c"]
    assert [t.record for t in result.tasks] == [1, 2, 3, 4, 5, 6]
    # one history entry each, naming the file and the old id; one change set of all six
    assert TaskHistory.select().where(TaskHistory.action == "imported").count() == 6
    change_set = ChangeSet.get(ChangeSet.action == "import")
    assert change_set.task_count == 6
    rows = list(ChangeSetTask.select().where(ChangeSetTask.change_set == change_set).order_by(ChangeSetTask.id))
    assert [r.task_id for r in rows] == sorted(new_ids.values())
    assert all(r.before is None and json.loads(r.after)["title"] == Task.get_by_id(r.task_id).title for r in rows)


def test_one_open_task_per_dedup_key_across_chunks(world, tmp_path):
    there = raise_task(world, "plain", "sync failed", dedup_key="sync").task_id
    records = [_record(1, "a", dedup_key="k"), _record(2, "b", event="other", dedup_key="k"),
               _record(3, "c", dedup_key="sync"), _record(4, "d", status="done", done_at="2024-05-02T00:00:00Z",
                                                          dedup_key="k"),
               _record(5, "e", dedup_key="k"), _record(6, "f", dedup_key="j"), _record(7, "g", dedup_key="k")]  # fmt: skip
    with pytest.raises(ImportRejected) as refused:
        task_import.import_tasks(world, _write(tmp_path / "keys.json", records))
    assert refused.value.exit_code == 1
    assert [str(p) for p in refused.value.problems] == [
        f"record 3 (id 3): open with dedup key 'sync' of event 'plain', like task {there} of this database "
        "(one must be done first)",
        "record 5 (id 5): open with dedup key 'k' of event 'plain', like record 1 (id 1) (one must be done first)",
        "record 7 (id 7): open with dedup key 'k' of event 'plain', like record 1 (id 1) (one must be done first)",
    ]
    assert Task.select().count() == 1
    del records[6], records[4], records[2]
    result = task_import.import_tasks(world, _write(tmp_path / "keys.json", records))
    assert result.imported == 4


def test_problems_are_listed_in_file_order_and_the_spool_is_always_closed(world, tmp_path, monkeypatch):
    closed: list[bool] = []
    real_close = import_spool.ImportSpool.close

    def close(self):
        closed.append(True)
        real_close(self)

    monkeypatch.setattr(import_spool.ImportSpool, "close", close)
    records = [_record(1, event="zz"), _record(2, assignee="nobody"), _record(3, event="aa"), _record(4),
               _record(5, event="other", group="night"), _record(6, event="aa")]  # fmt: skip
    with pytest.raises(ImportRejected) as refused:
        task_import.import_tasks(world, _write(tmp_path / "names.json", records))
    assert refused.value.exit_code == 3
    assert [p.record for p in refused.value.problems] == [
        "record 1 (id 1)", "record 2 (id 2)", "record 3 (id 3)", "record 5 (id 5)", "record 6 (id 6)"]  # fmt: skip
    assert closed == [True]
    with pytest.raises(ImportRejected):  # a bad shape: refused while reading
        task_import.import_tasks(world, _write(tmp_path / "shape.json", [_record(1), _record(2, status="x")]))
    assert closed == [True, True]
    assert task_import.import_tasks(world, _write(tmp_path / "ok.json", [_record(1)])).imported == 1
    assert closed == [True, True, True]
