"""`tasktui web token add|list|revoke`: printed once, stored hashed, revocable, audited."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tasktui.services.web_tokens import TOKEN_PREFIX, check_token, token_hash


@pytest.fixture
def people(cli):
    assert cli("init").exit_code == 0
    assert cli("user", "add", "bob").exit_code == 0
    return cli


def test_add_prints_the_token_once_with_a_ready_url_and_stores_only_its_hash(people, db_path):
    added = people("web", "token", "add", "bob", "--format", "json")
    assert added.exit_code == 0, added.stderr
    data = json.loads(added.stdout)
    assert set(data) == {"id", "login", "token", "url"}
    assert data["login"] == "bob" and data["token"].startswith(TOKEN_PREFIX)
    assert data["url"] == f"http://127.0.0.1:8765/?token={data['token']}"
    con = sqlite3.connect(db_path)
    stored = con.execute("SELECT token_hash FROM web_token").fetchall()
    dump = "\n".join(con.iterdump())
    con.close()
    assert stored == [(token_hash(data["token"]),)]
    assert data["token"] not in dump  # nowhere in the database, only its hash
    listed = people("web", "token", "list", "--format", "json")
    assert data["token"] not in listed.stdout
    assert [(t["id"], t["login"], t["revoked_at"]) for t in json.loads(listed.stdout)] == [(data["id"], "bob", None)]


def test_the_url_follows_listen_and_public_url(people):
    table = people("web", "token", "add", "bob", "--listen", "[::1]:9001")
    lines = table.stdout.splitlines()
    assert lines[2] == f"open: http://[::1]:9001/?token={lines[1]}"
    public = json.loads(
        people("web", "token", "add", "bob", "--public-url", "https://Tasks.Example/", "-f", "json").stdout
    )
    assert public["url"] == f"https://tasks.example/?token={public['token']}"


def test_revoke_ends_the_token_and_is_audited(people, database):
    data = json.loads(people("web", "token", "add", "bob", "--format", "json").stdout)
    assert check_token(data["token"]) is not None
    revoked = people("web", "token", "revoke", str(data["id"]))
    assert revoked.exit_code == 0 and revoked.stdout.strip() == f"revoked token {data['id']} of bob"
    assert check_token(data["token"]) is None
    again = people("web", "token", "revoke", str(data["id"]))
    assert again.exit_code == 1 and again.stderr.startswith("tasktui: error: ")
    assert people("web", "token", "list", "--format", "json").stdout.strip() == "[]"
    assert len(json.loads(people("web", "token", "list", "--all", "--format", "json").stdout)) == 1
    audit = json.loads(people("audit", "--entity", "web_token", "--format", "json").stdout)
    assert [(a["action"], a["actor"]) for a in audit] == [("revoke", "alice"), ("create", "alice")]


def test_refusals(people):
    unknown = people("web", "token", "add", "nobody")
    assert unknown.exit_code == 3 and "unknown user 'nobody'" in unknown.stderr
    assert people("web", "token", "revoke", "99").exit_code == 3
    assert people("web", "token", "revoke", "x").exit_code == 2
    assert people("web", "token", "add", "bob", "--listen", "nohost").exit_code == 2
    assert people("web", "token", "add", "bob", "--public-url", "https://x.example/sub").exit_code == 2
    assert people("web", "token", "add", "bob", "--public-url", "ftp://x.example").exit_code == 2


def test_a_deactivated_user_s_token_lets_nobody_in(people, database):
    data = json.loads(people("web", "token", "add", "bob", "--format", "json").stdout)
    assert people("user", "edit", "bob", "--inactive").exit_code == 0
    assert check_token(data["token"]) is None
    assert people("web", "token", "add", "bob").exit_code == 1  # inactive: no new token either
    assert check_token("not a token") is None
    assert check_token(TOKEN_PREFIX + "x" * 500) is None
