"""Without Chromium the browser tests skip with one line, or fail under
LLMSDK_REQUIRE_SYSTEM_DEPS=1 (CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .chrome import start_chromium

REQUIRE_ENV = "LLMSDK_REQUIRE_SYSTEM_DEPS"


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: nothing to find
    return tmp_path


def test_skips_without_chromium(no_chromium: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="^chromium is not installed"):
        start_chromium(no_chromium / "profile")


def test_fails_without_chromium_when_required(no_chromium: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="chromium is not installed"):
        start_chromium(no_chromium / "profile")
