"""`tasktui raise --batch`: the line format, the whole-batch rule (any bad line: every
bad line reported with its number, nothing raised, exit 2), the outputs, and that a
batch does exactly what one `raise_task` per line would do."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tasktui import db as dbmod
from tasktui import formats
from tasktui.errors import Invalid
from tasktui.services.attributes import definitions as attrs
from tasktui.services.attributes import sets as attr_sets
from tasktui.services.context import acting_user
from tasktui.services.events.definitions import create_event, set_obsolete
from tasktui.services.mail.settings import update_settings
from tasktui.services.people import add_group, add_member, add_user
from tasktui.services.tasks.raising import raise_task
from tasktui.services.tasks.transitions import mark_done
from tasktui.services.transfer import batch as batch_module
from tasktui.services.transfer.batch import BatchRejected, parse_line, parse_lines, raise_batch, raise_batch_lines
from tests.reliability.helpers import dump_tables

#: Columns holding the time of the write: they differ between two runs.
TIME_COLUMNS = {"created_at", "last_seen_at", "updated_at", "done_at", "at", "next_attempt_at"}


def _world(path: Path):
    """A database with users, a group, an attribute set, three events (one obsolete),
    email configured, and tasks a batch can deduplicate on or reopen."""
    dbmod.open_database(path)
    actor = acting_user("alice", "ops", register=True)
    add_user("bob", "Bob", "bob@example.com")
    add_group("ops", "")
    add_member("ops", "bob")
    attrs.create_attribute("qty", "Quantity", "integer", required=True)
    attrs.create_attribute("checked", "Checked", "boolean", default="false")
    attr_sets.create_attribute_set("stock_set", "Stock", ["qty", "checked"])
    create_event("plain", "Plain", responsible_user="bob", responsible_group="ops")
    create_event("stock", "Stock", attribute_set="stock_set", responsible_group="ops")
    create_event("old", "Old", responsible_user="bob")
    set_obsolete("old", True)
    update_settings(host="smtp.example", security="none", from_address="tasks@example.com")
    raise_task(actor, "plain", "open before", dedup_key="k-open")
    done = raise_task(actor, "plain", "done before", dedup_key="k-done")
    mark_done(actor, [done.task_id])
    return actor


MIXED_BATCH = [
    {"event": "plain", "title": "a"},
    {"event": "plain", "title": "b", "dedup_key": "k-open"},
    {"event": "plain", "title": "c", "dedup_key": "k-new", "process": {"id": 17, "source": "cron", "exit_code": 3}},
    {"event": "plain", "title": "d", "dedup_key": "k-new", "process": [{"id": "r-2"}, {"id": "r-3", "started_at": "2024-05-01T10:00:00Z"}]},
    {"event": "plain", "title": "e", "dedup_key": "k-done", "reopen": True},
    {"event": "plain", "title": "f", "dedup_key": "k-done"},
    {"event": "plain", "title": "g", "dedup_key": "k-none", "reopen": True},
    {"event": "stock", "title": "h", "attributes": {"qty": 3}},
    {"event": "stock", "title": "i", "dedup_key": "k-new", "attributes": {"qty": "4", "checked": True}},
    {"event": "plain", "title": "j", "assignee": "alice", "group": "ops", "link": "https://x/1", "description": "two\nlines"},
    {"event": "plain", "title": "k", "dedup_key": "k-new"},
    {"event": "plain", "title": "l", "dedup_key": "k-done", "reopen": True},
]  # fmt: skip


def _comparable(path: Path) -> dict[str, list[dict]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        tables = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'task_fts%'")
            if r[0] not in ("change_set", "change_set_task")  # undo records: times inside their JSON
        ]
        return {
            table: [
                {k: v for k, v in dict(row).items() if k not in TIME_COLUMNS}
                for row in con.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
            ]
            for table in tables
        } | {"task_fts": [tuple(r) for r in con.execute("SELECT rowid, * FROM task_fts ORDER BY rowid")]}
    finally:
        con.close()


def _one_raise_per_line(path: Path, items) -> list:
    """The results of raising `items` one by one into a fresh `_world` at `path`."""
    actor = _world(path)
    return [
        raise_task(
            actor, i.event, i.title, i.description, i.link, i.assignee, i.group, i.dedup_key, i.reopen, i.processes,
            attributes=i.attributes,
        )
        for i in items
    ]  # fmt: skip


def test_a_batch_does_exactly_what_one_raise_per_line_does(tmp_path):
    lines = [json.dumps(item) for item in MIXED_BATCH]
    actor = _world(tmp_path / "batch.db")
    items, bad = parse_lines(lines)
    assert bad == []
    batch_results = raise_batch(actor, items)

    single_results = _one_raise_per_line(tmp_path / "single.db", items)
    assert [(r.task_id, r.outcome, r.occurrences, r.event) for r in batch_results] == [
        (r.task_id, r.outcome, r.occurrences, r.event) for r in single_results
    ]
    assert [r.line for r in batch_results] == list(range(1, len(MIXED_BATCH) + 1))
    outcomes = [r.outcome for r in batch_results]
    assert outcomes == ["created", "deduplicated", "created", "deduplicated", "reopened", "deduplicated",
                        "created", "created", "created", "created", "deduplicated", "deduplicated"]  # fmt: skip
    dbmod.close_database()
    batch_db, single_db = _comparable(tmp_path / "batch.db"), _comparable(tmp_path / "single.db")
    assert batch_db["outbox_message"], "email is configured: new tasks were queued"
    for table in single_db:
        assert batch_db[table] == single_db[table], table


def test_a_streamed_batch_indexes_its_text_as_one_raise_per_line_does(tmp_path):
    """`raise --batch` streams its lines (`raise_batch_lines`): on SQLite the per-row
    text index is set aside and the new tasks are indexed in one statement at the
    end, their attribute values included; the index is what one raise per line
    makes, also for the tasks a line deduplicated on or reopened."""
    lines = [json.dumps(item) for item in MIXED_BATCH]
    actor = _world(tmp_path / "batch.db")
    streamed = list(raise_batch_lines(actor, lambda: iter(lines)))
    items, _ = parse_lines(lines)
    single = _one_raise_per_line(tmp_path / "single.db", items)
    assert [(r.task_id, r.outcome) for r in streamed] == [(r.task_id, r.outcome) for r in single]
    dbmod.close_database()
    batch_db, single_db = _comparable(tmp_path / "batch.db"), _comparable(tmp_path / "single.db")
    assert any("3" in row[-1] for row in batch_db["task_fts"]), "the attribute values are in the index"
    assert batch_db["task_fts"] == single_db["task_fts"]
    assert batch_db["task"] == single_db["task"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"title": "t"}', "'event' is required"),
        ('{"event": "plain"}', "'title' is required"),
        ('{"event": "plain", "title": "  "}', "needs a title"),
        ('{"event": "plain", "title": "a\\nb"}', "one line"),
        ('{"event": "plain", "title": "t", "tilte": "x"}', "unknown key 'tilte'"),
        ('{"event": 5, "title": "t"}', "'event' must be a string"),
        ('{"event": "plain", "title": "t", "reopen": true}', "'reopen' needs a 'dedup_key'"),
        ('{"event": "plain", "title": "t", "reopen": "yes", "dedup_key": "k"}', "'reopen' must be true or false"),
        ('{"event": "plain", "title": "t", "dedup_key": " "}', "dedup key must not be empty"),
        ('{"event": "plain", "title": "t", "attributes": [1]}', "'attributes' must be an object"),
        ('{"event": "plain", "title": "t", "attributes": {"qty": [1]}}', "attribute 'qty' must be a string"),
        ('{"event": "plain", "title": "t", "process": {"source": "cron"}}', "a process needs an 'id'"),
        ('{"event": "plain", "title": "t", "process": {"id": 1, "exit_code": "3"}}', "'exit_code' must be an integer"),
        ('{"event": "plain", "title": "t", "process": {"id": 1, "started_at": "yesterday"}}', "not an ISO 8601"),
        ('{"event": "plain", "title": "t", "process": {"id": 1, "pid": 2}}', "unknown process key 'pid'"),
        ('{"event": "plain", "title": "t", "link": "' + "x" * 2001 + '"}', "link must be at most"),
        ('{"event": "plain", "title": "a", "title": "b"}', 'the key "title" is given twice'),
        ('{"event": "plain", "title": "t", "process": {"id": 1, "id": 2}}', 'the key "id" is given twice'),
    ],
)
def test_bad_lines_say_what_is_wrong(text, message):
    with pytest.raises(Invalid, match=message):
        parse_line(1, text)


def test_any_bad_line_rejects_the_whole_batch_with_every_line_reported(tmp_path):
    actor = _world(tmp_path / "t.db")
    lines = [
        '{"event": "plain", "title": "fine"}',
        "",
        '{"event": "plain", "title": "fine too", "dedup_key": "k-open"}',
        "not json",
        '{"event": "nope", "title": "t"}',
        '{"event": "old", "title": "t"}',
        '{"event": "plain", "title": "t", "assignee": "nobody"}',
        '{"event": "plain", "title": "t", "group": "nogroup"}',
        '{"event": "stock", "title": "t", "attributes": {"qty": "many"}}',
        '{"event": "stock", "title": "t"}',
        '{"event": "plain", "title": "t", "attributes": {"qty": 1}}',
    ]
    dbmod.close_database()
    before = dump_tables(tmp_path / "t.db")
    dbmod.open_database(tmp_path / "t.db")
    items, bad = parse_lines(lines)
    with pytest.raises(BatchRejected) as caught:
        raise_batch(actor, items, bad)
    errors = {e.line: e.message for e in caught.value.errors}
    assert sorted(errors) == [4, 5, 6, 7, 8, 9, 10, 11]
    assert "not valid JSON" in errors[4] and "unknown event 'nope'" in errors[5] and "obsolete" in errors[6]
    assert "unknown user 'nobody'" in errors[7] and "unknown group 'nogroup'" in errors[8]
    assert "qty" in errors[9] and "required" in errors[10] and "no attribute set" in errors[11]
    assert str(caught.value) == "8 bad lines in the batch: nothing was raised"
    dbmod.close_database()
    assert dump_tables(tmp_path / "t.db") == before


@pytest.fixture
def ready(cli):
    assert cli("event", "create", "disk_full", "--name", "Disk full").exit_code == 0
    return cli


@pytest.mark.sqlite_only  # checks the SQLite file is untouched, byte for byte
def test_cli_bad_batch_reports_each_line_on_stderr_and_exits_2(ready, db_path):
    batch = '{"event": "disk_full", "title": "ok"}\nnot json\n{"event": "nope", "title": "x"}\n'
    before = dump_tables(db_path)
    result = ready.run("raise", "--batch", input=batch)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "tasktui: error: line 2: not valid JSON (Expecting value at column 1)",
        "tasktui: error: line 3: unknown event 'nope'",
        "tasktui: error: 2 bad lines in the batch: nothing was raised",
    ]
    assert dump_tables(db_path) == before


def test_cli_outputs_one_result_per_line(ready):
    batch = "\n".join(
        json.dumps(d)
        for d in (
            {"event": "disk_full", "title": "first", "dedup_key": "sda"},
            {"event": "disk_full", "title": "again", "dedup_key": "sda"},
            {"event": "disk_full", "title": "other"},
        )
    )
    table = ready("raise", "--batch", input=batch + "\n\n")
    assert table.exit_code == 0, table.stderr
    assert table.stdout.splitlines() == [
        "line 1: created task 1 (disk_full, occurrences: 1)",
        "line 2: deduplicated task 1 (disk_full, occurrences: 2)",
        "line 3: created task 2 (disk_full, occurrences: 1)",
    ]
    as_json = json.loads(ready("raise", "--batch", "--format", "json", input=batch).stdout)
    assert as_json == [
        {"line": 1, "task_id": 1, "outcome": "deduplicated", "occurrences": 3, "event": "disk_full"},
        {"line": 2, "task_id": 1, "outcome": "deduplicated", "occurrences": 4, "event": "disk_full"},
        {"line": 3, "task_id": 3, "outcome": "created", "occurrences": 1, "event": "disk_full"},
    ]
    assert ready("raise", "--batch", "-f", "ids", input=batch).stdout.split() == ["1", "1", "4"]
    empty = ready("raise", "--batch", input="")
    assert (empty.exit_code, empty.stdout, empty.stderr) == (0, "", "")


def test_cli_batch_refuses_per_task_options_and_raise_still_needs_event_and_title(ready):
    mixed = ready("raise", "disk_full", "--batch", input="")
    assert mixed.exit_code == 2 and "leave out EVENT" in mixed.stderr
    assert "--title" in ready("raise", "--batch", "-t", "x", input="").stderr
    assert ready("raise", "-t", "x").exit_code == 2 and "Missing argument 'EVENT'" in ready("raise", "-t", "x").stderr
    no_title = ready("raise", "disk_full")
    assert no_title.exit_code == 2 and "Missing option '--title'" in no_title.stderr


def test_a_lone_surrogate_is_stored_as_a_replacement_character(ready):
    """ "\\ud800" is valid JSON but not text (no database can store it): replaced, as the
    cleaners replace what cannot be stored, on every field; a valid pair is kept."""
    line = (
        '{"event": "disk_full", "title": "x\\udc00y \\ud83d\\ude80", "description": "d\\uD800",'
        ' "dedup_key": "k\\udfff", "process": {"id": "p\\ud800", "source": "s"}}'
    )
    result = ready.run("raise", "--batch", "-f", "ids", input=line + "\n")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(ready("task", "show", result.stdout.strip(), "-f", "json").stdout)
    assert (shown["title"], shown["description"], shown["dedup_key"]) == ("x\ufffdy \U0001f680", "d\ufffd", "k\ufffd")
    assert shown["processes"][0]["process_id"] == "p\ufffd"


def test_a_json_string_may_hold_unicode_line_separators(ready):
    line = json.dumps({"event": "disk_full", "title": "t", "description": "a\u2028b\u0085c"}, ensure_ascii=False)
    result = ready.run("raise", "--batch", "-f", "ids", input=line + "\n")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(ready("task", "show", result.stdout.strip(), "-f", "json").stdout)
    assert shown["description"] == "a\u2028b\u0085c"


@pytest.mark.sqlite_only  # counts rows in the SQLite file itself
def test_a_big_batch_is_stored_whole(ready, db_path):
    count = 20_000
    batch = "".join(
        json.dumps({"event": "disk_full", "title": f"task {i}", "dedup_key": f"k{i % 5000}"}) + "\n"
        for i in range(count)
    )
    result = ready.run("raise", "--batch", "-f", "ids", input=batch, timeout=120)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.split()) == count
    assert ready("task", "list", "--count").stdout.strip() == "5000"
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("SELECT sum(occurrences), count(*) FROM task").fetchone() == (count, 5000)
        assert con.execute("SELECT count(*) FROM task_history").fetchone()[0] == count
    finally:
        con.close()


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path, monkeypatch):
    """All lines are written in one transaction: a failure after the task, history and
    process rows were inserted (here: while queueing notifications) rolls all back."""
    from tasktui.services.tasks import raise_writer

    actor = _world(tmp_path / "t.db")
    dbmod.close_database()
    before = dump_tables(tmp_path / "t.db")
    dbmod.open_database(tmp_path / "t.db")

    def broken(rows, ids, events):
        assert ids == [3, 4, 5, 6, 7, 8]  # the six new tasks are in the transaction already
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(raise_writer, "_enqueue_notifications", broken)
    items, _ = parse_lines(json.dumps(item) for item in MIXED_BATCH)
    with pytest.raises(RuntimeError, match="disk on fire"):
        raise_batch(actor, items)
    dbmod.close_database()
    assert dump_tables(tmp_path / "t.db") == before


def _chunked_batch() -> list[dict]:
    """A batch whose dedup keys cross chunks of 100 lines, with enough rows per chunk
    for the bulk writers: 120 new tasks, 120 raises of higher severity counting on them
    (one UPDATE per task, many tasks), 60 reopening done tasks, then the mixed batch."""
    lines: list[dict] = [{"event": "plain", "title": f"n{i}", "dedup_key": f"b{i}"} for i in range(120)]
    lines += [
        {"event": "plain", "title": f"again {i}", "dedup_key": f"b{i}", "severity": "high", "process": {"id": i}}
        for i in range(120)
    ]
    lines += [{"event": "plain", "title": f"re {i}", "dedup_key": f"d{i}", "reopen": True} for i in range(60)]
    return lines + MIXED_BATCH


def _world_with_done_tasks(path: Path):
    actor = _world(path)
    ids = [raise_task(actor, "plain", f"done {i}", dedup_key=f"d{i}").task_id for i in range(60)]
    mark_done(actor, ids)
    return actor


def test_a_batch_streamed_in_chunks_does_exactly_what_one_raise_per_line_does(tmp_path, monkeypatch):
    """Chunks of 100 lines in one transaction: a line counting on a task an earlier
    chunk created, the bulk inserts and the bulk updates give the rows one raise per
    line gives."""
    monkeypatch.setattr(batch_module, "CHUNK_LINES", 100)
    lines = [json.dumps(item) for item in _chunked_batch()]
    actor = _world_with_done_tasks(tmp_path / "batch.db")
    streamed = raise_batch_lines(actor, lambda: iter(lines))
    batch_results = list(streamed)
    streamed.close()

    actor = _world_with_done_tasks(tmp_path / "single.db")
    items, _ = parse_lines(lines)
    single_results = [
        raise_task(
            actor, i.event, i.title, i.description, i.link, i.assignee, i.group, i.dedup_key, i.reopen, i.processes,
            attributes=i.attributes, severity=i.severity,
        )
        for i in items
    ]  # fmt: skip
    assert [(r.task_id, r.outcome, r.occurrences, r.event) for r in batch_results] == [
        (r.task_id, r.outcome, r.occurrences, r.event) for r in single_results
    ]
    assert [r.line for r in batch_results] == list(range(1, len(lines) + 1))
    assert [r.outcome for r in batch_results[120:240]] == ["deduplicated"] * 120
    assert [r.outcome for r in batch_results[240:300]] == ["reopened"] * 60
    dbmod.close_database()
    batch_db, single_db = _comparable(tmp_path / "batch.db"), _comparable(tmp_path / "single.db")
    for table in single_db:
        assert batch_db[table] == single_db[table], table


def test_a_bad_line_in_a_later_chunk_leaves_nothing_of_the_earlier_ones(cli, monkeypatch):
    """The earlier chunks were written in the transaction; a bad line further on rolls
    them back, and every bad line of every chunk is reported."""
    monkeypatch.setattr(batch_module, "CHUNK_LINES", 50)
    assert cli("event", "create", "disk_full", "--name", "Disk full").exit_code == 0
    lines = [json.dumps({"event": "disk_full", "title": f"t{i}", "dedup_key": f"k{i % 60}"}) for i in range(180)]
    bad = [*lines[:20], "not json", *lines[20:170], json.dumps({"event": "nope", "title": "x"}), *lines[170:]]
    result = cli("raise", "--batch", input="\n".join(bad) + "\n")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "tasktui: error: line 21: not valid JSON (Expecting value at column 1)",
        "tasktui: error: line 172: unknown event 'nope'",
        "tasktui: error: 2 bad lines in the batch: nothing was raised",
    ]
    assert cli("task", "list", "--status", "all", "--count").stdout.strip() == "0"

    good = cli("raise", "--batch", "--format", "json", input="\n".join(lines) + "\n")
    assert good.exit_code == 0, good.stderr
    shown = json.loads(good.stdout)
    assert good.stdout == formats.json_text(shown) + "\n"  # the format of `json_text`, streamed
    assert [r["occurrences"] for r in shown] == [i // 60 + 1 for i in range(180)]
    assert [r["task_id"] for r in shown] == [i % 60 + 1 for i in range(180)]
    assert [r["outcome"] for r in shown] == ["created"] * 60 + ["deduplicated"] * 120
    assert cli("task", "list", "--count").stdout.strip() == "60"
    tasks = json.loads(cli("task", "list", "--format", "json", "-n", "100").stdout)
    assert sorted(t["occurrences"] for t in tasks) == [3] * 60


@pytest.mark.sqlite_only  # the SQLite file's own trigger
def test_the_text_index_trigger_is_back_after_a_batch_and_after_a_rejected_one(ready, db_path):
    """A batch indexes its tasks in bulk with the per-row trigger set aside inside its
    transaction; afterwards (committed or rolled back) the trigger is there as before,
    and FTS5's hash at its default size."""

    def triggers() -> list[tuple[str, str]]:
        con = sqlite3.connect(db_path)
        try:
            return con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall()
        finally:
            con.close()

    def hash_size() -> list[tuple[int]]:  # FTS5's memory for pending terms, a setting of the table
        con = sqlite3.connect(db_path)
        try:
            return con.execute("SELECT v FROM task_fts_config WHERE k = 'hashsize'").fetchall()
        finally:
            con.close()

    from tasktui.db.sqlite.bulk_index import FTS5_DEFAULT_HASH_BYTES

    before = triggers()
    assert "task_fts_ai" in [name for name, _ in before]
    assert hash_size() == []
    lines = [json.dumps({"event": "disk_full", "title": f"bulk{i:03d}"}) for i in range(120)]
    assert ready("raise", "--batch", input="\n".join(lines) + "\n").exit_code == 0
    assert triggers() == before
    assert hash_size() == [(FTS5_DEFAULT_HASH_BYTES,)]  # the bulk fill's bigger hash is not kept
    assert ready("raise", "--batch", input="\n".join([*lines, "not json"]) + "\n").exit_code == 2
    assert triggers() == before
    assert hash_size() == [(FTS5_DEFAULT_HASH_BYTES,)]
    assert ready("task", "list", "-q", "bulk077", "--count").stdout.strip() == "1"
    assert ready("raise", "disk_full", "-t", "after the batch zqx").exit_code == 0
    assert ready("task", "list", "-q", "batch zqx", "--count").stdout.strip() == "1"


@pytest.mark.sqlite_only  # SQLite's page cache
def test_a_batch_grows_the_page_cache_for_its_transaction_only(ready, db_path, monkeypatch):
    """The bulk write's bigger page cache (`bulk_page_cache`) is the connection's own
    size again after a batch, committed or rejected."""
    from tasktui.db.sqlite import bulk_index
    from tasktui.models import database_proxy

    seen: list[int] = []
    real = bulk_index.set_cache_size

    def recording(db, size):
        real(db, size)
        seen.append(int(db.execute_sql("PRAGMA cache_size").fetchone()[0]))

    monkeypatch.setattr(bulk_index, "set_cache_size", recording)
    lines = [json.dumps({"event": "disk_full", "title": f"bulk{i:03d}"}) for i in range(20)]
    assert ready("raise", "--batch", input="\n".join(lines) + "\n").exit_code == 0
    assert ready("raise", "--batch", input="\n".join([*lines, "not json"]) + "\n").exit_code == 2
    assert seen == [-bulk_index.BULK_CACHE_KIB, -16000] * 2
    assert int(database_proxy.execute_sql("PRAGMA cache_size").fetchone()[0]) == -16000
