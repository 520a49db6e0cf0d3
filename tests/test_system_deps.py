"""tests/system_deps.py: skip where a system package is missing, fail under
LLMSDK_REQUIRE_SYSTEM_DEPS=1."""

from __future__ import annotations

import pytest

from .system_deps import REQUIRE_ENV, need


def test_present_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_ENV, "1")
    need("/usr/bin/chromium", "chromium is not installed")


def test_missing_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="^chromium is not installed"):
        need(None, "chromium is not installed")


def test_missing_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="chromium is not installed.*LLMSDK_REQUIRE_SYSTEM_DEPS=1"):
        need(None, "chromium is not installed")
