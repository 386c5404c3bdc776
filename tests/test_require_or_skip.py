"""`require_or_skip`: a missing outside program skips a test, except under CI."""

from __future__ import annotations

import pytest

from tests.conftest import require_or_skip


def test_met_requirement_does_nothing(monkeypatch):
    monkeypatch.setenv("CI", "1")
    require_or_skip(True, "never shown")


def test_missing_requirement_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        require_or_skip(False, "no chromium")


def test_missing_requirement_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required under CI, but missing: no chromium"):
        require_or_skip(False, "no chromium")
