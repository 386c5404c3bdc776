"""`tasktui event create|edit --subject-template/--body-template`: shown by `event show`,
'' clears, a bad placeholder or brace is one error line naming it (Invalid, exit 2)
and changes nothing; the task raised from the CLI gets the templated channel text."""

from __future__ import annotations

import json

import pytest

from tasktui.models import OutboxMessage


def _show(cli, event: str = "disk_full") -> dict:
    return json.loads(cli("event", "show", event, "--format", "json").stdout)


def test_templates_are_set_shown_and_cleared(cli):
    made = cli("event", "create", "disk_full", "--name", "Disk full", "--subject-template", "{severity}: {title}",
               "--body-template", "{title}\n{show_hint}")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert "subject template   {severity}: {title}" in made.stdout
    shown = _show(cli)
    assert shown["subject_template"] == "{severity}: {title}" and shown["body_template"] == "{title}\n{show_hint}"
    assert cli("event", "edit", "disk_full", "--subject-template", "").exit_code == 0
    shown = _show(cli)
    assert shown["subject_template"] is None and shown["body_template"] == "{title}\n{show_hint}"
    table = cli("event", "show", "disk_full").stdout
    assert "subject template   -" in table


@pytest.mark.parametrize(
    ("option", "template", "named"),
    [
        ("--subject-template", "{titel} on {event}", "unknown placeholder {titel}"),
        ("--body-template", "{title", "expected '}' before end of string"),
        ("--subject-template", "{title!s}", "placeholder {title} takes no conversion or format"),
    ],
)
def test_a_bad_template_is_one_error_line_and_changes_nothing(cli, option, template, named):
    assert cli("event", "create", "disk_full", "--name", "Disk full").exit_code == 0
    edited = cli("event", "edit", "disk_full", option, template)
    assert edited.exit_code == 2 and edited.stdout == ""
    assert edited.stderr.count("\n") == 1 and edited.stderr.startswith("tasktui: error: the ")
    assert named in edited.stderr
    assert _show(cli)["subject_template"] is None and _show(cli)["body_template"] is None
    created = cli("event", "create", "other", "--name", "Other", option, template)
    assert created.exit_code == 2 and named in created.stderr
    assert cli("event", "show", "other").exit_code == 3


def test_a_raise_from_the_cli_writes_the_templated_channel_text(cli):
    assert cli("event", "create", "disk_full", "--name", "Disk full",
               "--subject-template", "{severity} {event}: {title}").exit_code == 0  # fmt: skip
    assert cli("notify", "channel", "add", "hook", "http://127.0.0.1:9/hook", "--event", "disk_full",
               "--store-in-db").exit_code == 0  # fmt: skip
    raised = cli("raise", "disk_full", "--title", "Disk /var full", "--severity", "critical")
    assert raised.exit_code == 0, raised.stderr
    (row,) = OutboxMessage.select()
    assert row.subject == "critical disk_full: Disk /var full"
    assert json.loads(row.payload)["severity"] == "critical"


def test_a_manifest_gives_a_new_event_its_templates_and_refuses_a_bad_one(cli, tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(
        'plugin = "Backups"\n[[event]]\nidentifier = "backup_failed"\nname.en = "Backup failed"\n'
        'subject_template = "[{severity}] {title}"\nbody_template = "{title}\\n{show_hint}"\n'
    )
    assert cli("event", "register", str(good)).exit_code == 0
    shown = _show(cli, "backup_failed")
    assert shown["subject_template"] == "[{severity}] {title}" and shown["body_template"] == "{title}\n{show_hint}"
    # a local edit is kept when the manifest is registered again (it only gives defaults)
    assert cli("event", "edit", "backup_failed", "--subject-template", "{title}").exit_code == 0
    assert cli("event", "register", str(good)).exit_code == 0
    assert _show(cli, "backup_failed")["subject_template"] == "{title}"
    bad = tmp_path / "bad.toml"
    bad.write_text('plugin = "Other"\n[[event]]\nidentifier = "x_failed"\nname.en = "X"\nsubject_template = "{nope}"\n')
    refused = cli("event", "register", str(bad))
    assert refused.exit_code == 2 and "subject_template" not in refused.stdout
    assert f"{bad}:5: event #1 'x_failed': the subject template: unknown placeholder {{nope}}" in refused.stderr
    assert cli("event", "show", "x_failed").exit_code == 3
