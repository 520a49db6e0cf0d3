"""Headless Chromium through selenium, for the chat-page tests.

Debian's ``chromium`` + ``chromium-driver`` packages (``.ci/run`` installs them). The flags
keep Chromium off the network: without them it tries to reach Google's services at
start-up and, on a machine with no network, hangs on those connection attempts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..conftest import system_binary

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1000,800",
)


def start_chromium(profile_dir: Path) -> Any:
    """A selenium ``WebDriver`` on a fresh profile; skips (or fails, in CI) without Chromium."""
    browser = system_binary("chromium")
    driver_path = system_binary("chromedriver")
    pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (*FLAGS, f"--user-data-dir={profile_dir}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver
