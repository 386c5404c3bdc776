"""`tasktui export`: the `--attr` filter of `task list`, and the typed attribute
values a JSON export carries (which `tasktui import` needs)."""

from __future__ import annotations

import csv
import json

from tasktui.services.transfer.export import EXPORT_FIELDS
from tests.transfer.conftest import export_json


def test_export_takes_the_attr_filter_of_task_list(source, tmp_path):
    listed = json.loads(source("task", "list", "--status", "all", "-a", "qty=007", "--format", "json").stdout)
    exported = export_json(source, tmp_path / "qty.json", "--attr", "qty=7")
    assert [r["title"] for r in exported] == [r["title"] for r in listed] == ["SKU 1 differs"]
    both = export_json(source, tmp_path / "both.json", "-a", "qty=-3", "-a", "price=0.10")
    assert [r["title"] for r in both] == ["SKU 2 differs"]
    assert export_json(source, tmp_path / "none.json", "-a", "qty=7", "-a", "price=0.1") == []
    bad = source("export", str(tmp_path / "bad.json"), "--attr", "qty=many")
    assert bad.exit_code == 2 and bad.stderr == "tasktui: error: attribute 'qty': 'many' is not an integer\n"
    assert not (tmp_path / "bad.json").exists()
    assert source("export", str(tmp_path / "x.json"), "--attr", "size=1").exit_code == 3
    help_text = source("export", "--help").stdout
    assert "--attr" in help_text and "repeatable" in help_text


def test_json_export_has_typed_attributes_csv_keeps_its_columns(source, tmp_path):
    exported = export_json(source, tmp_path / "all.json")
    listed = json.loads(source("task", "list", "--status", "all", "--format", "json").stdout)
    assert [r["attributes"] for r in exported] == [r["attributes"] for r in listed]
    assert exported[-1]["attributes"]["qty"] == 7 and exported[0]["attributes"] == {}
    assert list(exported[0]) == [*EXPORT_FIELDS, "attributes"]
    assert source("export", str(tmp_path / "all.csv"), "--status", "all").exit_code == 0
    with (tmp_path / "all.csv").open() as f:
        assert next(csv.reader(f)) == EXPORT_FIELDS


def test_attribute_values_are_fetched_in_chunks(source, tmp_path, monkeypatch):
    from tasktui.services.tasks.filters import TaskFilter
    from tasktui.services.transfer import export
    from tests.transfer.conftest import opened

    whole = export_json(source, tmp_path / "whole.json")
    monkeypatch.setattr(export, "ATTRIBUTE_CHUNK", 2)
    with opened(source.db_path):
        assert export.export_tasks(TaskFilter(status="all"), tmp_path / "chunked.json").count == 6
    assert json.loads((tmp_path / "chunked.json").read_text()) == whole
