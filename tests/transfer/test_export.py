"""`tasktui export`: the `--attr` filter of `task list`."""

from __future__ import annotations

import json

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

