"""The parsers of the intake on the bodies a real Alertmanager 0.25 sent (captured in
tests/intake/bodies), Grafana's shape, PagerDuty Events v2 and the generic JSON; and
a fuzz test (hypothesis) seeded with the captured bodies: a parser answers a signal
or Invalid (HTTP 400), never anything else."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasktui.errors import Invalid
from tasktui.limits import MAX_DESCRIPTION, MAX_TITLE
from tasktui.services.intake.alertmanager import fingerprint_of, parse_alertmanager
from tasktui.services.intake.generic import parse_json_signal
from tasktui.services.intake.pagerduty import parse_pagerduty
from tasktui.services.intake.signals import RAISE, RESOLVE
from tests.intake.conftest import captured, captured_names


def test_firing_alert_maps_to_a_raise():
    (signal,) = parse_alertmanager(captured("alertmanager-0.25-firing"))
    assert signal.action == RAISE
    assert signal.dedup_key == "a5083c9f42593293"
    assert signal.asked_event == "disk-full"  # not a valid identifier: the applier falls back
    request = signal.request
    assert request.title == "Disk / on db1 is 95% full"
    assert request.link == "http://prometheus.example:9090/graph?g0.expr=node_filesystem_avail_bytes"
    assert request.episode == "2026-12-01T19:04:42.601534047Z"
    assert request.description.startswith("Only 2.1 GiB left on / (db1)\n\nLabels:\n")
    for line in ("  severity = critical", "  team = dba", "Started: 2026-12-01T19:04:42.601534047Z",
                 "Runbook: https://runbooks.example/disk"):  # fmt: skip
        assert line in request.description.splitlines()


def test_resolved_alert_maps_to_a_resolve_of_the_same_key():
    (signal,) = parse_alertmanager(captured("alertmanager-0.25-resolved"))
    assert (signal.action, signal.dedup_key) == (RESOLVE, "a5083c9f42593293")
    assert signal.note == "resolved in Alertmanager at 2026-12-01T19:04:53Z"


def test_status_is_per_alert_inside_a_group():
    body = captured("alertmanager-0.25-group-one-resolved")
    assert body["status"] == "firing"
    signals = parse_alertmanager(body)
    assert [(s.action, s.dedup_key) for s in signals] == [
        (RESOLVE, "11808338eaafa553"),
        (RAISE, "857da75ec1863086"),
    ]


def test_a_regrouped_resend_keeps_the_fingerprint_as_key():
    (signal,) = parse_alertmanager(captured("alertmanager-0.25-regrouped-resend"))
    assert signal.dedup_key == "5fc694d039492933"
    assert signal.labels["job"] == "backup"
    assert signal.request.title == "Nightly backup of nas1 failed"
    assert signal.request.link.startswith("http://prometheus.example:9090/")


def test_title_without_summary_is_alertname_and_instance():
    body = captured("alertmanager-0.25-firing")
    del body["alerts"][0]["annotations"]["summary"]
    assert parse_alertmanager(body)[0].request.title == "DiskAlmostFull on db1:9100"
    body["alerts"][0]["generatorURL"] = ""
    assert parse_alertmanager(body)[0].request.link == "https://runbooks.example/disk"


def test_grafana_shape_with_version_1_and_no_fingerprint():
    body = captured("alertmanager-0.25-firing")
    body.update(version="1", orgId=1, state="alerting", title="[FIRING:1] DiskAlmostFull", message="...")
    alert = body["alerts"][0]
    del alert["fingerprint"]
    alert.update(
        silenceURL="http://grafana/s",
        dashboardURL="http://grafana/d/1",
        panelURL="http://grafana/p",
        valueString="[ var='A' value=95 ]",
    )
    (signal,) = parse_alertmanager(body)
    assert signal.dedup_key == fingerprint_of(alert["labels"])
    assert "Dashboard: http://grafana/d/1" in signal.request.description
    del body["orgId"]
    with pytest.raises(Invalid, match="unsupported webhook version '1'"):
        parse_alertmanager(body)


def test_hostile_text_is_cleaned_and_cut():
    body = captured("alertmanager-0.25-firing")
    annotations = body["alerts"][0]["annotations"]
    annotations["summary"] = "disk\x1b]0;owned\x07 full\nsecond line" + "x" * 1000
    annotations["description"] = "\x1b[31mred\x1b[0m\r\nok\x9b" + "y" * 100_000
    request = parse_alertmanager(body)[0].request
    assert request.title.startswith("disk full second line")
    assert len(request.title) == MAX_TITLE and request.title.endswith("…")
    assert request.description.startswith("red\nok")
    assert len(request.description) <= MAX_DESCRIPTION
    assert not any(c in request.title + request.description for c in "\x1b\x07\r\x9b")


def test_a_line_break_in_a_label_or_annotation_forges_no_line_of_the_description():
    body = captured("alertmanager-0.25-firing")
    alert = body["alerts"][0]
    alert["labels"]["instance"] = "h1\r\nX-Injected: 1"
    alert["annotations"]["note"] = "first\nSubject: forged"
    alert["generatorURL"] = "http://x/\nValue: 0"
    lines = parse_alertmanager(body)[0].request.description.splitlines()
    assert "  instance = h1 X-Injected: 1" in lines
    assert "  note = first" in lines and "    Subject: forged" in lines
    assert "Source: http://x/ Value: 0" in lines
    assert not [line for line in lines if line.startswith(("X-Injected", "Subject", "Value: 0"))]
    trigger = {**captured("pagerduty-v2-from-alertmanager-0.25-trigger"), "client": "am\nSeverity: info"}
    trigger["payload"] = {**trigger["payload"], "custom_details": {"note": "a\nSource: forged"}}
    lines = parse_pagerduty(trigger).request.description.splitlines()
    assert "note: a" in lines and "  Source: forged" in lines and "Client: am Severity: info" in lines


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.update(alerts={}), "'alerts' must be a list"),
        (lambda b: b.update(version="3"), "unsupported webhook version"),
        (lambda b: b["alerts"][0].update(status="pending"), "alert 1: 'status' must be"),
        (lambda b: b["alerts"][0].update(labels=["x"]), "alert 1: 'labels' must be an object"),
        (lambda b: b["alerts"][0]["labels"].update(team=3), "alert 1: label 'team' must be text"),
        (lambda b: b["alerts"][0].update(startsAt=5), "alert 1: 'startsAt' must be text"),
        (lambda b: b["alerts"].append("x"), "alert 2 must be an object"),
    ],
)
def test_bad_alertmanager_bodies_name_the_problem(change, message):
    body = captured("alertmanager-0.25-firing")
    change(body)
    with pytest.raises(Invalid, match=message):
        parse_alertmanager(body)


@pytest.mark.parametrize(
    ("label", "rank"),
    [("critical", 4), ("warning", 2), ("info", 1), ("Error", 3), ("page", 4), ("bogus", None), (None, None)],
)
def test_the_alertmanager_severity_label_sets_the_severity(label, rank):
    """Issue 17: critical/warning/info (and the usual synonyms) map onto tasktui's
    severities; an unknown word or no label leaves the event's default (None)."""
    body = captured("alertmanager-0.25-firing")
    labels = body["alerts"][0]["labels"]
    labels.pop("severity", None)
    if label is not None:
        labels["severity"] = label
    (signal,) = parse_alertmanager(body)
    assert signal.request is not None and signal.request.severity == rank


@pytest.mark.parametrize(("given", "rank"), [("critical", 4), ("error", 3), ("warning", 2), ("info", 1)])
def test_pagerduty_payload_severity_sets_the_severity(given, rank):
    body = copy.deepcopy(captured("pagerduty-v2-from-alertmanager-0.25-trigger"))
    body["payload"]["severity"] = given
    signal = parse_pagerduty(body)
    assert signal.request is not None and signal.request.severity == rank


def test_pagerduty_trigger_and_resolve_from_alertmanager():
    trigger = parse_pagerduty(captured("pagerduty-v2-from-alertmanager-0.25-trigger"))
    key = "5aa61e9ebd1c4f0bd57b4adce7df3ac3a56ed95c2768694c3e673e35a388423f"
    assert (trigger.action, trigger.dedup_key) == (RAISE, key)
    assert trigger.request.title == "[FIRING:1] ReplicationLag (db2 yes critical)"
    assert "Severity: critical" in trigger.request.description
    assert "summary = Replica db2 is 300s behind" in trigger.request.description
    assert trigger.request.link == "http://vm:19093/#/alerts?receiver=tasktui-pagerduty"
    assert trigger.labels == {"source": "Alertmanager", "severity": "critical"}
    resolve = parse_pagerduty(captured("pagerduty-v2-from-alertmanager-0.25-resolve"))
    assert (resolve.action, resolve.dedup_key) == (RESOLVE, key)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.update(event_action="explode"), "'event_action' must be"),
        (lambda b: b["payload"].pop("summary"), "'payload.summary' is required"),
        (lambda b: b["payload"].update(severity="bad"), "'payload.severity' must be one of"),
        (lambda b: b.update(event_action="resolve", dedup_key=None), "'dedup_key' is required for resolve"),
        (lambda b: b.update(dedup_key=7), "'dedup_key' must be a string"),
    ],
)
def test_bad_pagerduty_events(change, message):
    body = captured("pagerduty-v2-from-alertmanager-0.25-trigger")
    change(body)
    with pytest.raises(Invalid, match=message):
        parse_pagerduty(body)


def test_pagerduty_trigger_without_key_gets_a_new_one():
    body = captured("pagerduty-v2-from-alertmanager-0.25-trigger")
    del body["dedup_key"]
    assert parse_pagerduty(body).dedup_key != parse_pagerduty(body).dedup_key


def test_a_long_dedup_key_is_hashed_the_same_way_on_trigger_and_resolve():
    body = captured("pagerduty-v2-from-alertmanager-0.25-trigger")
    body["dedup_key"] = "k" * 255
    trigger = parse_pagerduty(body)
    body["event_action"] = "resolve"
    assert trigger.dedup_key.startswith("sha256:") and trigger.dedup_key == parse_pagerduty(body).dedup_key


def test_generic_json_is_a_batch_line_plus_status():
    signal = parse_json_signal({"title": "Order 7 failed", "dedup_key": "o7", "attributes": {"n": 1}}, "alerts")
    assert signal.action == RAISE and signal.request.event == "alerts" and signal.asked_event is None
    assert signal.request.attributes == {"n": "1"}
    named = parse_json_signal({"event": "disk_full", "title": "t"}, "alerts")
    assert named.asked_event == "disk_full" and named.request.event == "disk_full"
    resolve = parse_json_signal({"status": "resolved", "dedup_key": "o7"}, "alerts")
    assert (resolve.action, resolve.dedup_key) == (RESOLVE, "o7")
    for body, message in (
        ({"title": "t", "colour": "red"}, "unknown key 'colour'"),
        ({"status": "resolved"}, "'dedup_key' is required to resolve"),
        ({"status": "gone", "title": "t"}, "'status' must be"),
        ({"dedup_key": "x"}, "'title' is required"),
        ([], "must be a JSON object"),
    ):
        with pytest.raises(Invalid, match=message):
            parse_json_signal(body, "alerts")


# ------------------------------------------------------------------ fuzz

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def _paths(value, prefix=()):
    """Every path to a value inside a JSON document."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


@st.composite
def mutated_bodies(draw):
    """A captured body with a few values replaced by arbitrary JSON, or deleted."""
    body = copy.deepcopy(captured(draw(st.sampled_from(captured_names()))))
    for _ in range(draw(st.integers(0, 4))):
        paths = [p for p in _paths(body) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    return body


def _parse_all(body) -> None:
    for parse in (parse_alertmanager, parse_pagerduty, lambda b: parse_json_signal(b, "alerts")):
        try:
            result = parse(body)
        except Invalid as e:
            assert str(e)
            continue
        json.dumps(str(result))  # a result, whatever it is, is plain data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bodies())
def test_fuzz_mutated_captured_bodies_answer_a_signal_or_invalid(body):
    _parse_all(body)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_fuzz_any_json_answers_a_signal_or_invalid(body):
    _parse_all(body)


def test_every_captured_body_parses():
    for name in captured_names():
        body = captured(name)
        parse = parse_pagerduty if name.startswith("pagerduty") else parse_alertmanager
        assert parse(body)
