"""Fixtures for the chat-page tests: one headless Chromium for the session, and each
example app served on 127.0.0.1 with a ``FakeProviderServer`` behind it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from llmsdk.testing import FakeProviderServer

from .chrome import start_chromium
from .sites import SITES, Site


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture(params=sorted(SITES))
def site(request: pytest.FixtureRequest, server: FakeProviderServer) -> Iterator[Site]:
    """One example app ("django-asgi", "flask") on 127.0.0.1."""
    with SITES[request.param](server.url) as running:
        yield running


@pytest.fixture
def browser(chromium: Any, site: Site, tmp_path: Path) -> Iterator[Any]:
    """Chromium on the app's chat page; a screenshot of the last state is left in tmp_path
    (look there when a test fails)."""
    chromium.get(site.url + "/")
    yield chromium
    try:
        chromium.save_screenshot(str(tmp_path / "last-state.png"))
    except Exception:  # noqa: BLE001 - a failed screenshot must not hide the test's own result
        pass
