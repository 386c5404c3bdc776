"""`tasktui notify channel|escalation ...` and `tasktui outbox`: where a URL may be kept,
that it is shown masked everywhere, the test message, the outbox of every carrier."""

from __future__ import annotations

import json

import pytest

from tasktui.models import AuditEntry, NotifyChannel
from tasktui.services.mail.channels import mask_url
from tests.hostile_text import OSC0, OSC52, RLO, assert_visible


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("ntfy://user:pa55word@ntfy.example.com/topic", "ntfy://user:****@ntfy.example.com/topic"),
        ("mmost://mm.example.com/abcdefghijklmnop1234567890", "mmost://mm.example.com/ab****"),
        (
            "https://hooks.slack.com/services/T000/B000/XXXXxxxxXXXXxxxx",
            "https://hooks.slack.com/services/T000/B000/XX****",
        ),
        ("slack://TokenA1234567/TokenB1234567/TokenC1234567890", "slack://To****/To****/To****"),
        ("json://127.0.0.1:8080/path?+X-Token=abcd&x=1", "json://127.0.0.1:8080/path?+X-Token=****&x=1"),
    ],
)
def test_mask_url(url, shown):
    assert mask_url(url) == shown


def test_a_url_is_kept_in_the_database_only_when_asked(team, cli, receiver):
    url = receiver.url("json", "/ops").replace("://", "://robot:hunter2pass@")
    refused = cli("notify", "channel", "add", "ops", url, "--group", "ops")
    assert refused.exit_code == 2 and "--store-in-db" in refused.stderr and "hunter2pass" not in refused.stderr
    assert NotifyChannel.select().count() == 0
    added = cli("notify", "channel", "add", "ops", url, "--group", "ops", "--store-in-db")
    assert added.exit_code == 0, added.stderr
    assert "warning: the URL is stored in the database" in added.stderr
    listed = cli("notify", "channel", "list")
    as_json = cli("notify", "channel", "list", "--format", "json")
    for out in (added.stdout, listed.stdout, as_json.stdout):
        assert "hunter2pass" not in out and "robot:****@127.0.0.1" in out
    assert json.loads(as_json.stdout)[0]["routes"] == ["group ops"]
    assert not any("hunter2pass" in (e.new or "") for e in AuditEntry.select())
    assert cli("notify", "channel", "add", "ops", "--url-env", "X", "--group", "ops").exit_code == 1  # exists


def test_url_from_environment_or_private_file(team, cli, receiver, tmp_path, monkeypatch):
    bad = cli("notify", "channel", "add", "envd", "--url-env", "json://oops/secret")
    assert bad.exit_code == 2 and "NAME of an environment variable" in bad.stderr
    assert cli("notify", "channel", "add", "envd", "--url-env", "OPS_HOOK_URL", "--group", "ops").exit_code == 0
    path = tmp_path / "hook.url"
    path.write_text(receiver.url("http", "/from-file") + "\n")
    path.chmod(0o644)
    loose = cli("notify", "channel", "add", "filed", "--url-file", str(path))
    assert loose.exit_code == 2 and "chmod 600" in loose.stderr
    path.chmod(0o600)
    assert cli("notify", "channel", "add", "filed", "--url-file", str(path)).exit_code == 0
    unset = cli("notify", "channel", "test", "envd")
    assert unset.exit_code == 2 and "OPS_HOOK_URL is not set" in unset.stderr
    monkeypatch.setenv("OPS_HOOK_URL", receiver.url("http", "/from-env/Tok3nTok3nTok3nXYZ"))
    listed = cli("notify", "channel", "list").stdout
    assert "Tok3nTok3nTok3nXYZ" not in listed and "/from-env/To****" in listed
    assert cli("notify", "channel", "test", "envd").stdout.startswith("HTTP 200")
    assert cli("notify", "channel", "test", "filed").exit_code == 0
    assert [r.json()["kind"] for r in receiver.accepted()] == ["test", "test"]


def test_channel_test_draws_the_servers_answer_visibly(team, cli, receiver):
    """The answer comes from a server tasktui does not control: its escape sequences
    (window title, screen clear, clipboard) must not reach the terminal."""
    receiver.bodies["/evil"] = f"answer {OSC0} {OSC52}\x9b31m\r{RLO}end".encode()
    cli("notify", "channel", "add", "evil", receiver.url("http", "/evil"), "--store-in-db")
    result = cli("notify", "channel", "test", "evil")
    assert result.exit_code == 0, result.stderr
    assert_visible(result.stdout, "channel test", "␛]0;pwned␇", "␛]52;c;cHduZWQ=␇", "<U+202E>")


def test_a_webhook_url_with_user_and_password_sends_basic_auth(team, cli, receiver, monkeypatch):
    """urllib takes `user:pw@` for part of the host name ("Name or service not
    known"): the userinfo becomes an Authorization header, and never shows."""
    import base64

    monkeypatch.setenv("HOOK_URL", receiver.url("http", "/auth").replace("://", "://ops%40x:s%3Acret@"))
    cli("notify", "channel", "add", "authd", "--url-env", "HOOK_URL")
    result = cli("notify", "channel", "test", "authd")
    assert result.exit_code == 0 and result.stdout.startswith("HTTP 200"), result.stderr
    (request,) = receiver.accepted("/auth")
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"ops@x:s:cret").decode()
    assert "s%3Acret" not in cli("notify", "channel", "list").stdout


def test_channel_test_reports_refusals_and_unreachable(team, cli, receiver):
    cli("notify", "channel", "add", "gone", receiver.url("http", "/code/404"), "--store-in-db")
    cli("notify", "channel", "add", "down", receiver.url("json", "/code/503"), "--store-in-db")
    gone = cli("notify", "channel", "test", "gone")
    assert gone.exit_code == 1 and "HTTP 404" in gone.stderr
    down = cli("notify", "channel", "test", "down")
    assert down.exit_code == 4 and "error=503" in down.stderr
    assert cli("notify", "channel", "test", "nope").exit_code == 3


def test_notify_and_the_outbox_of_every_carrier(team, cli, receiver):
    cli("notify", "channel", "add", "ops", receiver.url("json", "/ops"), "--group", "ops", "--store-in-db")
    cli("raise", "disk_full", "--title", "Disk full")
    pending = json.loads(cli("outbox", "--format", "json").stdout)
    assert [(m["kind"], m["recipient"], m["state"]) for m in pending] == [("channel", "ops", "pending")]
    sent = cli("notify")
    assert sent.exit_code == 0 and sent.stdout.strip() == "sent 1, to retry 0, failed 0"
    (row,) = json.loads(cli("email", "outbox", "--kind", "channel", "--format", "json").stdout)
    assert row["state"] == "sent" and row["server_reply"].startswith("JSON")
    assert json.loads(cli("outbox", "--kind", "email", "--format", "json").stdout) == []
    assert "SERVER_REPLY" in cli("outbox").stdout


def test_escalation_commands(team, cli, receiver):
    cli("notify", "channel", "add", "oncall", receiver.url("json", "/oncall"), "--store-in-db")
    added = cli("notify", "escalation", "add", "--after", "15m", "--to-group", "ops", "--via", "oncall")
    assert (
        added.exit_code == 0
        and added.stdout.strip() == "escalation rule 1: (default) after 15m to group ops via oncall"
    )
    assert (
        cli("notify", "escalation", "add", "--after", "1h", "--to-user", "carol", "--event", "stock_diff").exit_code
        == 0
    )
    rows = json.loads(cli("notify", "escalation", "list", "--format", "json").stdout)
    assert [(r["event"], r["after"], r["to"], r["via"]) for r in rows] == [
        ("stock_diff", "1h", "user carol", None), ("(default)", "15m", "group ops", "oncall")]  # fmt: skip
    assert cli("notify", "escalation", "add", "--after", "15m").exit_code == 2
    in_use = cli("notify", "channel", "remove", "oncall")
    assert in_use.exit_code == 1 and "escalation rule" in in_use.stderr
    assert cli("notify", "escalation", "remove", "1").exit_code == 0
    assert cli("notify", "channel", "remove", "oncall").exit_code == 0
    assert cli("notify", "escalation", "remove", "1").exit_code == 3
