"""Bad input, thrown at random: `raise`, `event create`, attribute values and plugin
manifests. Every run ends in success or in ONE stderr line `tasktui: error: ...`
with exit code 2 (invalid) or 3 (not found) — or 1 when the honest answer is a
refusal (an obsolete event, an identifier owned by another plugin) — and a failed
run leaves every table exactly as it was. Never a traceback (the in-process runner
re-raises one, failing the test) and never an internal error (exit 70).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tasktui.services.attributes import definitions as attrs
from tasktui.services.attributes import sets as attr_sets
from tasktui.services.events.definitions import create_event, set_obsolete
from tasktui.services.people import add_group, add_user
from tests.reliability.helpers import dump_tables

FAILURE_CODES = {1, 2, 3}
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture
def shop(actor, database):
    """Users bob, group ops, typed attributes in set `stock_set`, events `stock_diff`
    (with the set), `plain` and the obsolete `old_event`."""
    add_user("bob", "Bob", None)
    add_group("ops", "")
    attrs.create_attribute("qty", "Quantity", "integer", required=True)
    attrs.create_attribute("price", "Price", "decimal")
    attrs.create_attribute("ok", "Checked", "boolean", default="no")
    attrs.create_attribute("colour", "Colour", "choice", choices=["red", "green"])
    attrs.create_attribute("site", "Site", "url")
    attrs.create_attribute("due", "Due", "date")
    attrs.create_attribute("seen", "Seen at", "datetime")
    attr_sets.create_attribute_set("stock_set", "Stock", ["qty", "price", "ok", "colour", "site", "due", "seen"])
    create_event("stock_diff", "Difference in stock", attribute_set="stock_set", responsible_user="alice")
    create_event("plain", "Plain", responsible_group="ops")
    create_event("old_event", "Old", responsible_user="bob")
    set_obsolete("old_event", True)
    return actor


def assert_clean_outcome(result, before: dict, db_path: Path, args) -> None:
    """Success, or one error line with an expected exit code and nothing changed."""
    event(f"exit code {result.exit_code}")  # `pytest --hypothesis-show-statistics` shows the mix
    if result.exit_code == 0:
        return
    assert result.exit_code in FAILURE_CODES, (args, result.exit_code, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tasktui: error: "), (args, result.stderr)
    assert len(lines[0]) < 2000, "an error line should stay readable"
    assert dump_tables(db_path) == before, (args, "a failed command changed the database")


# Texts that commands meet in practice, and whatever hypothesis makes up.
awkward = st.sampled_from(
    ["", " ", "-", "--", "--title", "\n", "a\nb", "\t", "\x00", "x" * 600, "é€😀", "'; DROP TABLE task; --",
     "%s", "{0}", "\\", '"', "null", "0", "-1", "99999999999999999999", "1e309", "NaN"]
)  # fmt: skip
texts = st.one_of(awkward, st.text(max_size=30))
surrogate_texts = st.text(alphabet=st.characters(codec=None, categories=["Cs", "L", "N"]), min_size=1, max_size=8)
identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
logins = st.one_of(st.sampled_from(["alice", "bob", "nobody"]), texts)

RAISE_OPTIONS = ["--title", "--description", "--link", "--assignee", "--group", "--dedup-key", "--attr",
                 "--format", "--process", "--process-source", "--exit-code", "--reopen", "-t", "-d", "-a", "--bogus"]  # fmt: skip
plausible_raise_options = st.fixed_dictionaries(
    {"--title": st.one_of(st.text(min_size=1, max_size=30), texts)},
    optional={
        "--description": st.one_of(st.text(max_size=40), texts),
        "--link": st.one_of(st.just("https://shop.example/order/1"), texts),
        "--assignee": st.one_of(st.sampled_from(["alice", "bob"]), logins),
        "--group": st.one_of(st.sampled_from(["ops", "nogroup"]), texts),
        "--dedup-key": st.one_of(st.sampled_from(["k1", "k2"]), texts),
        "--format": st.sampled_from(["table", "json", "ids", "ids", "csv", ""]),
        "--process": st.one_of(st.just("run-42"), texts),
        "--exit-code": st.one_of(st.integers(-300, 300).map(str), st.integers(0, 255).map(str), texts),
    },
).map(lambda d: [w for k, v in d.items() for w in (k, v)])
random_raise_options = st.lists(
    st.tuples(st.sampled_from(RAISE_OPTIONS), st.one_of(texts, logins, surrogate_texts)), max_size=6
).map(lambda pairs: [w for pair in pairs for w in pair])


@PROPERTY
@given(
    event=st.one_of(st.just("plain"), st.just("plain"), st.sampled_from(["old_event", "missing"]), identifiers, texts),
    options=st.one_of(plausible_raise_options, random_raise_options),
)
def test_raise_with_random_arguments(shop, cli, db_path, event, options):
    args = ["raise", event, *options]
    before = dump_tables(db_path)
    assert_clean_outcome(cli(*args, input=""), before, db_path, args)


VALUE_EXAMPLES = {
    "qty": ["12", "-3", "1.5", "", "1e3", "twelve", "99999999999999999999999"],
    "price": ["1.50", "abc", "1,5", "-0", "1e400", "NaN", "Infinity"],
    "ok": ["yes", "no", "true", "maybe", "1", ""],
    "colour": ["red", "green", "Red", "blue", ""],
    "site": ["https://example.com/x", "ftp://x", "not a url", "http://", "javascript:alert(1)"],
    "due": ["2024-02-29", "2023-02-29", "2024-13-01", "today", "2024-1-1"],
    "seen": ["2024-01-02T10:00:00", "2024-01-02 25:00", "2024-01-02T10:00:00+02:00", "yesterday"],
}
attribute_values = st.fixed_dictionaries(
    {"qty": st.sampled_from(["12", "0", "-3", "twelve", ""])},
    optional={
        **{
            key: st.one_of(st.sampled_from(examples), texts) for key, examples in VALUE_EXAMPLES.items() if key != "qty"
        },
        "unknown": texts,
    },
)


@PROPERTY
@given(values=attribute_values, event=st.sampled_from(["stock_diff", "plain"]))
def test_attribute_values_on_raise_and_on_edit(shop, cli, db_path, values, event):
    pairs = [f"{key}={value}" for key, value in values.items()]
    args = ["raise", event, "--title", "attribute check", *[w for p in pairs for w in ("--attr", p)]]
    before = dump_tables(db_path)
    raised = cli(*args, "--format", "ids")
    assert_clean_outcome(raised, before, db_path, args)
    task_id = raised.stdout.strip() if raised.exit_code == 0 else "1"
    if pairs:
        args = ["task", "set-attr", task_id, *pairs]
        before = dump_tables(db_path)
        assert_clean_outcome(cli(*args), before, db_path, args)


@PROPERTY
@given(
    identifier=st.one_of(identifiers, texts, st.sampled_from(["stock_diff", "a__b", "end_", "9lives", "ok_ID"])),
    name=texts,
    extra=st.lists(
        st.tuples(
            st.sampled_from(["--name-de", "--responsible-user", "--responsible-group", "--attribute-set", "--format"]),
            st.one_of(st.sampled_from(["alice", "ops", "stock_set", "json", "nobody"]), texts),
        ),
        max_size=4,
    ),
)
def test_event_create_with_random_values(shop, cli, db_path, identifier, name, extra):
    args = ["event", "create", identifier, "--name", name, *[w for pair in extra for w in pair]]
    before = dump_tables(db_path)
    assert_clean_outcome(cli(*args), before, db_path, args)


# ------------------------------------------------------------------ manifests


def toml_value(value) -> str:
    """A TOML literal for a generated value (strings via JSON escapes, which TOML
    basic strings share; a DEL or similar makes the TOML invalid, which is fine)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)


scalars = st.one_of(
    texts, identifiers, st.integers(-5, 10**12), st.booleans(), st.sampled_from(["alice", "ops", "stock_set"])
)
# Mostly well-formed (so the database checks run too), with a random value here and there.
names = st.one_of(
    st.fixed_dictionaries({"en": st.text(min_size=1, max_size=20)}, optional={"de": texts}),
    st.fixed_dictionaries({"en": scalars}, optional={"de": scalars, "fr": scalars}),
    scalars,
)
manifest_events = st.fixed_dictionaries(
    {"identifier": st.one_of(identifiers, identifiers, st.sampled_from(["stock_diff", "plain", "new_one"]), scalars),
     "name": names},
    optional={
        "responsible_user": st.one_of(st.sampled_from(["alice", "bob", "", "nobody"]), scalars),
        "responsible_group": st.one_of(st.sampled_from(["ops", "", "nogroup"]), scalars),
        "attribute_set": st.one_of(st.sampled_from(["stock_set", "", "noset"]), scalars),
        "colour": scalars,
    },
)  # fmt: skip
manifests = st.fixed_dictionaries(
    {"event": st.lists(manifest_events, min_size=1, max_size=3),
     "plugin": st.one_of(st.just("Shop plugin"), st.just("Shop plugin"), scalars)},
    optional={"version": scalars},
)  # fmt: skip


def manifest_text(manifest: dict) -> str:
    lines = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in manifest.items() if k != "event"]
    for entry in manifest["event"]:
        lines.append("[[event]]")
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


@PROPERTY
@given(
    content=st.one_of(
        manifests.map(manifest_text), manifests.map(manifest_text), st.text(max_size=200), st.binary(max_size=200)
    )
)
def test_register_random_manifests(shop, cli, db_path, tmp_path, content):
    path = tmp_path / "plugin.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    before = dump_tables(db_path)
    assert_clean_outcome(cli("event", "register", str(path)), before, db_path, content)


# ------------------------------------------------------------------ real processes

REAL_CASES = [
    (["raise", "missing", "--title", "x"], 3),
    (["raise", "plain", "--title", "two\nlines"], 2),
    (["raise", "old_event", "--title", "x"], 1),
    (["raise", "stock_diff", "--title", "x", "--attr", "qty=twelve"], 2),
    (["raise", "stock_diff", "--title", "x"], 2),  # the required qty is missing
    (["raise", "plain", "--title", "x", "--bogus"], 2),
    (["raise", "plain", "--title", b"caf\xe9".decode("utf-8", "surrogateescape")], 2),
    (["event", "create", "9lives", "--name", "x"], 2),
    (["event", "create", "fine_one", "--name", "x", "--responsible-user", "nobody"], 3),
    (["task", "set-attr", "12345", "qty=1"], 3),
]


@pytest.mark.parametrize("args, code", REAL_CASES)
def test_real_processes_exit_with_one_line(shop, cli, db_path, args, code):
    database_before = dump_tables(db_path)
    result = cli.run(*args)
    assert result.exit_code == code, (args, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("tasktui: error: "), result.stderr
    assert dump_tables(db_path) == database_before


def test_a_bad_manifest_through_a_real_process(shop, cli, db_path, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_bytes(b'plugin = "Shop"\n[[event]]\nidentifier = "x__y"\nname.en = "\xff"\n')
    before = dump_tables(db_path)
    result = cli.run("event", "register", str(path))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and result.stderr.startswith("tasktui: error: ")
    assert dump_tables(db_path) == before
