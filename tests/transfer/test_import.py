"""`tasktui import`: export -> import round trip, refused files (nothing written),
all or nothing, importing twice, dedup keys, unknown people, history, no email."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tasktui.errors import Invalid
from tasktui.models import OutboxMessage, Task, TaskAttribute, TaskHistory
from tasktui.services.mail.settings import update_settings
from tasktui.services.tasks.raising import raise_task
from tasktui.services.transfer import importing as task_import
from tests.transfer.conftest import export_json, opened, task_list, write_json


def _without_ids(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "id"} for row in rows]


def _counts(path: Path) -> tuple[int, int, int, int]:
    """Tasks, attribute values, history entries and outbox messages in a database."""
    with opened(path):
        return (
            Task.select().count(),
            TaskAttribute.select().count(),
            TaskHistory.select().count(),
            OutboxMessage.select().count(),
        )


def _record(**changes) -> dict:
    """A valid export record of the plain event, with `changes`."""
    base = {"id": 41, "created_at": "2024-05-01T10:00:00Z", "status": "open", "title": "imported task",
            "description": "", "plugin": None, "event": "plain", "event_name": "No attributes", "link": "",
            "done_at": None, "assignee": None, "group": None, "occurrences": 1,
            "last_seen_at": "2024-05-01T10:00:00Z", "dedup_key": None, "attributes": {}}  # fmt: skip
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


# ------------------------------------------------------------------ round trip


def test_round_trip_keeps_every_field(source, target, tmp_path):
    exported = export_json(source, tmp_path / "all.json")
    assert len(exported) == 6 and exported[-1]["attributes"]["price"] == "12345678901234567890.5"
    result = target("import", str(tmp_path / "all.json"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "imported 6 tasks from all.json"
    before, after = task_list(source), task_list(target)
    assert _without_ids(after) == _without_ids(before)
    # new ids follow created_at; the mapping says which is which
    mapping = json.loads(target("import", str(tmp_path / "all.json"), "--skip-existing", "-f", "json").stdout)
    by_title = {r["title"]: r["id"] for r in after}
    assert {m["old_id"]: m["new_id"] for m in mapping} == {r["id"]: by_title[r["title"]] for r in exported}
    assert [r["id"] for r in after] == sorted(r["id"] for r in after)


def test_export_to_stdout_and_import_from_stdin_round_trip(source, target, tmp_path):
    """`tasktui export - -f json | tasktui import -`: the data on stdout, the summary
    on stderr; the same tasks as through a file."""
    refused = source("export", "-")
    assert refused.exit_code == 2 and "needs --format csv or --format json" in refused.stderr
    piped = source("export", "-", "--format", "json", "--status", "all")
    assert piped.exit_code == 0 and piped.stderr.strip() == "exported 6 tasks to stdout (json)"
    assert len(json.loads(piped.stdout)) == 6
    assert not (tmp_path / "-").exists()
    imported = target("import", "-", input=piped.stdout)
    assert imported.exit_code == 0, imported.stderr
    assert imported.stdout.splitlines()[-1] == "imported 6 tasks from stdin"
    assert _without_ids(task_list(target)) == _without_ids(task_list(source))
    csv_out = source("export", "-", "-f", "csv", "--status", "all")
    assert csv_out.exit_code == 0 and csv_out.stdout.startswith("id,created_at,")
    assert len(list(csv.reader(io.StringIO(csv_out.stdout)))) == 7  # the header and 6 tasks


def test_json_mapping_and_history_name_the_file_and_the_actor(source, target, tmp_path):
    export_json(source, tmp_path / "some.json", "--event", "stock_diff")
    result = target("import", str(tmp_path / "some.json"), "--format", "json", user="carol")
    mapping = json.loads(result.stdout)
    assert [(m["record"], m["old_id"], m["outcome"]) for m in mapping] == [(1, 2, "imported"), (2, 1, "imported")]
    shown = json.loads(target("task", "show", str(mapping[0]["new_id"]), "--format", "json").stdout)
    assert [(h["action"], h["actor"], h["new"]) for h in shown["history"]] == [
        ("imported", "carol", "some.json, task 2")
    ]
    assert shown["assignee"] == "carol" and shown["done_at"] is None


def test_import_writes_no_email(source, target, tmp_path):
    export_json(source, tmp_path / "all.json")
    with opened(target.db_path) as actor:
        update_settings(host="smtp.example.com", from_address="tasks@example.com")
        raise_task(actor, "stock_diff", "a real new occurrence", attributes={"qty": "1"})
        assert OutboxMessage.select().count() == 1  # bob, the responsible user, is told
        task_import.import_tasks(actor, tmp_path / "all.json")
        assert Task.select().count() == 7
        assert OutboxMessage.select().count() == 1


def test_import_back_into_the_source_is_refused_as_already_there(source, tmp_path):
    """The source stores microseconds, the file seconds: still the same tasks."""
    export_json(source, tmp_path / "all.json")
    before = _counts(source.db_path)
    result = source("import", str(tmp_path / "all.json"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "tasktui: error: all.json: 6 of 6 tasks are already in this database (same event, created_at and title): "
        "nothing was imported; --skip-existing imports only the others"
    )
    assert _counts(source.db_path) == before


# ------------------------------------------------------------------ twice


def test_second_import_is_refused_and_skip_existing_adds_only_new_tasks(source, target, tmp_path):
    first = export_json(source, tmp_path / "first.json")
    assert target("import", str(tmp_path / "first.json")).exit_code == 0
    mapping = {m["old_id"]: m["new_id"] for m in json.loads(
        target("import", str(tmp_path / "first.json"), "--skip-existing", "-f", "json").stdout)}  # fmt: skip
    counts = _counts(target.db_path)
    again = target("import", str(tmp_path / "first.json"))
    assert again.exit_code == 1 and "--skip-existing" in again.stderr
    assert _counts(target.db_path) == counts
    assert source("raise", "plain", "-t", "raised after the first export").exit_code == 0
    export_json(source, tmp_path / "second.json")
    result = target("import", str(tmp_path / "second.json"), "--skip-existing", "-f", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["outcome"] for r in rows] == ["imported"] + ["existing"] * len(first)
    assert {r["old_id"]: r["new_id"] for r in rows[1:]} == mapping
    assert _counts(target.db_path)[0] == counts[0] + 1


def test_records_alike_each_need_their_own_task(target, tmp_path):
    """Two records with the same event, created_at and title (a batch raise) are two
    tasks: one existing task matches one of them only."""
    twin = write_json(tmp_path / "twins.json", [_record(id=1), _record(id=2)])
    assert target("import", str(write_json(tmp_path / "one.json", [_record(id=1)]))).exit_code == 0
    result = target("import", str(twin), "--skip-existing", "-f", "json")
    assert [r["outcome"] for r in json.loads(result.stdout)] == ["existing", "imported"]
    assert target("task", "list", "--count").stdout.strip() == "2"


def test_a_lone_surrogate_is_imported_as_a_replacement_character(target, tmp_path):
    path = tmp_path / "odd.json"
    text = json.dumps([_record(title="x\udc00y", description="d \ud83d\ude80")])  # ensure_ascii: escapes
    assert "\\udc00" in text and "\\ud83d\\ude80" in text
    path.write_text(text, encoding="utf-8")
    result = target("import", str(path))
    assert result.exit_code == 0, result.stderr
    (task,) = task_list(target)
    assert (task["title"], task["description"]) == ("x\ufffdy", "d \U0001f680")


# ------------------------------------------------------------------ refused files

BAD_FILES = {
    "not JSON": ("{oops", 2, "tasktui: error: bad.json: not JSON (Expecting property name enclosed in double quotes at line 1, column 2)"),
    "an object": ('{"tasks": []}', 2, "expected a JSON array of tasks (as 'tasktui export --format json' writes), not a JSON dict"),
    "not an object": ("[[1, 2]]", 2, "bad.json: record 1: a task must be a JSON object, not list: nothing was imported"),
    "unknown key": ([_record(titel="x")], 2, "record 1 (id 41): unknown key 'titel'"),
    "no title": ([_record(title=...)], 2, "record 1 (id 41): 'title' is required"),
    "bad status": ([_record(status="closed")], 2, "'status' must be 'open' or 'done', not 'closed'"),
    "done without done_at": ([_record(status="done")], 2, "a done task needs 'done_at'"),
    "bad datetime": ([_record(created_at="yesterday")], 2, "'created_at' 'yesterday' is not an ISO 8601 date and time"),
    "bad occurrences": ([_record(occurrences=0)], 2, "'occurrences' must be a whole number of at least 1"),
    "unknown event": ([_record(event="nope")], 3, "bad.json: record 1 (id 41): unknown event 'nope': nothing was imported"),
    "event by number": ([_record(event="1")], 3, "unknown event '1'"),
    "unknown user": ([_record(assignee="zoe")], 3, "record 1 (id 41): unknown user 'zoe': add it with 'tasktui user add zoe' (--unassign-unknown leaves it empty)"),
    "unknown group": ([_record(group="night")], 3, "unknown group 'night'"),
    "bad attribute value": (
        [_record(event="stock_diff", attributes={"qty": "many"})], 2, "record 1 (id 41): attribute 'qty': 'many' is not an integer"),
    "attribute outside the set": (
        [_record(event="plain", attributes={"qty": 3})], 2, "attribute 'qty': event 'plain' has no attribute set in this database"),
    "unknown attribute": ([_record(event="stock_diff", attributes={"size": 3})], 2,
                          "attribute 'size' is not in the attribute set of event 'stock_diff' in this database"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_one_line_an_exit_code_and_nothing_written(target, tmp_path, case):
    content, code, message = BAD_FILES[case]
    path = tmp_path / "bad.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    before = _counts(target.db_path)
    result = target("import", str(path))
    assert result.exit_code == code, result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("tasktui: error: ")
    assert message in result.stderr
    assert result.stdout == ""
    assert _counts(target.db_path) == before


def test_csv_and_missing_files_are_refused(source, target, tmp_path):
    assert source("export", str(tmp_path / "all.csv"), "--status", "all").exit_code == 0
    for name in ("all.csv", "missing.json"):
        result = target("import", str(tmp_path / name))
        assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert "CSV exports cannot be imported" in target("import", str(tmp_path / "all.csv")).stderr
    (tmp_path / "renamed.json").write_text((tmp_path / "all.csv").read_text())
    assert "Export with --format json" in target("import", str(tmp_path / "renamed.json")).stderr
    assert "no such file" in target("import", str(tmp_path / "missing.json")).stderr
    assert _counts(target.db_path)[0] == 0


def test_every_problem_is_listed_and_a_mix_exits_2(target, tmp_path):
    records = [_record(id=1), _record(id=2, event="nope"), _record(id=3, assignee="zoe", group="night"),
               _record(id=4, status="closed"), "x"]  # fmt: skip
    result = target("import", str(write_json(tmp_path / "mixed.json", records)))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "tasktui: error: record 4 (id 4): 'status' must be 'open' or 'done', not 'closed'",
        "tasktui: error: record 5: a task must be a JSON object, not str",
        "tasktui: error: mixed.json: 2 problems: nothing was imported",
    ]  # the shape is checked first; the references only of a well-formed file
    del records[3:]
    result = target("import", str(write_json(tmp_path / "mixed.json", records)))
    assert result.exit_code == 3
    assert [line.split(": ", 2)[2] for line in result.stderr.splitlines()] == [
        "record 2 (id 2): unknown event 'nope'",
        "record 3 (id 3): unknown user 'zoe': add it with 'tasktui user add zoe' (--unassign-unknown leaves it empty)",
        "record 3 (id 3): unknown group 'night' (--unassign-unknown leaves it empty)",
        "mixed.json: 3 problems: nothing was imported",
    ]
    assert _counts(target.db_path)[0] == 0


def test_all_or_nothing_when_writing_fails_half_way(source, target, tmp_path, monkeypatch):
    """The tasks are inserted before their history: a failure there leaves nothing."""
    export_json(source, tmp_path / "all.json")
    from tasktui.services.tasks import raise_writer

    real = raise_writer.insert_chunks

    def failing(model, rows):
        if model is TaskHistory:
            raise RuntimeError("disk full")
        real(model, rows)

    monkeypatch.setattr(raise_writer, "insert_chunks", failing)
    with opened(target.db_path) as actor:
        with pytest.raises(RuntimeError):
            task_import.import_tasks(actor, tmp_path / "all.json")
        assert Task.select().count() == 0 and TaskAttribute.select().count() == 0


# ------------------------------------------------------------------ rules


def test_unassign_unknown_leaves_people_empty_and_says_so_in_the_history(target, tmp_path):
    path = write_json(
        tmp_path / "people.json", [_record(assignee="zoe", group="night"), _record(id=42, assignee="bob")]
    )
    result = target("import", str(path), "--unassign-unknown", "-f", "json")
    assert result.exit_code == 0, result.stderr
    first, second = (r["new_id"] for r in json.loads(result.stdout))
    shown = json.loads(target("task", "show", str(first), "--format", "json").stdout)
    assert shown["assignee"] is None and shown["group"] is None
    assert [(h["field"], h["old"], h["new"]) for h in shown["history"]] == [
        ("source", None, "people.json, task 41"), ("assignee", "zoe", None), ("group", "night", None)]  # fmt: skip
    assert json.loads(target("task", "show", str(second), "--format", "json").stdout)["assignee"] == "bob"


def test_an_open_dedup_key_is_never_on_two_open_tasks(target, tmp_path):
    assert target("raise", "plain", "-t", "sync failed", "--dedup-key", "sync").exit_code == 0
    clash = write_json(tmp_path / "clash.json", [_record(dedup_key="sync")])
    result = target("import", str(clash))
    assert result.exit_code == 1
    assert (
        "record 1 (id 41): open with dedup key 'sync' of event 'plain', like task 1 of this database" in result.stderr
    )
    done = _record(dedup_key="sync", status="done", done_at="2024-05-02T10:00:00Z")
    twice = write_json(
        tmp_path / "twice.json", [done, _record(id=50, dedup_key="other"), _record(id=51, dedup_key="other")]
    )
    result = target("import", str(twice))
    assert (
        result.exit_code == 1
        and "record 3 (id 51): open with dedup key 'other' of event 'plain', like record 2 (id 50)" in result.stderr
    )
    assert target("task", "list", "--status", "all", "--count").stdout.strip() == "1"
    assert target("import", str(write_json(tmp_path / "ok.json", [done]))).exit_code == 0
    # a later raise still counts on the one open task
    again = json.loads(target("raise", "plain", "-t", "sync failed", "--dedup-key", "sync", "-f", "json").stdout)
    assert (again["task_id"], again["outcome"]) == (1, "deduplicated")


def test_obsolete_events_accept_imports_and_plugin_comes_from_the_target(target, tmp_path):
    assert target("event", "obsolete", "plain").exit_code == 0
    path = write_json(tmp_path / "old.json", [_record(plugin="Somebody else", created_at="2020-01-01T00:00:00+02:00",
                                                      last_seen_at="2020-01-01T00:00:00+02:00")])  # fmt: skip
    assert target("import", str(path)).exit_code == 0
    row = json.loads(target("task", "list", "--format", "json").stdout)[0]
    assert (row["plugin"], row["created_at"]) == (None, "2019-12-31T22:00:00Z")


def test_an_empty_export_imports_nothing(target, tmp_path):
    result = target("import", str(write_json(tmp_path / "none.json", [])))
    assert (result.exit_code, result.stdout) == (0, "imported 0 tasks from none.json\n")


# ------------------------------------------------------------------ real process


def test_real_process_imports_and_exits_with_the_codes(source, target, tmp_path):
    export_json(source, tmp_path / "all.json")
    done = target.run("import", str(tmp_path / "all.json"), "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert len(json.loads(done.stdout)) == 6
    assert target.run("import", str(tmp_path / "all.json")).exit_code == 1
    unknown = target.run("import", str(write_json(tmp_path / "u.json", [_record(event="nope")])))
    assert (unknown.exit_code, unknown.stderr) == (
        3, "tasktui: error: u.json: record 1 (id 41): unknown event 'nope': nothing was imported\n")  # fmt: skip
    assert target.run("import", str(tmp_path / "all.json"), "--format", "csv").exit_code == 2


@given(
    st.one_of(
        st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)).map(
            lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
        ),
        st.text(alphabet="0123456789-T:+.Z ", min_size=18, max_size=22),
    )
)
@example("2024-05-01T10:00:00Z")
@example("20240501T100000.123Z")
@example("2024-05-01T100000.1Z")
@example("2024-05-01T10+01:00Z")
@example("2024-05-01T25:00:00Z")
def test_the_export_s_own_time_format_reads_as_any_iso_8601_time(text):
    """The shortcut for the export's `YYYY-MM-DDTHH:MM:SSZ` gives what the general
    reading gives (UTC, naive, to the second), and refuses what it refuses."""

    def general(value):
        parsed = dt.datetime.fromisoformat(value.strip())
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        return parsed.replace(microsecond=0)

    try:
        expected = general(text)
    except (ValueError, OverflowError):
        expected = None
    if expected is None:
        with pytest.raises(Invalid):
            task_import._datetime("created_at", text)
    else:
        assert task_import._datetime("created_at", text) == expected
