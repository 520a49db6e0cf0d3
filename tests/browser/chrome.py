"""Headless Chromium through selenium, for the chat-page tests.

Debian's ``chromium`` + ``chromium-driver`` packages (``.ci/run`` installs them). The flags
keep Chromium off the network: without them it tries to reach Google's services at
start-up and, on a machine with no network, hangs on those connection attempts.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Optional, Tuple

from ..system_deps import need

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1000,800",
)


def find_chromium() -> Tuple[Optional[str], Optional[str]]:
    """(browser, chromedriver) paths, or None where missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    return browser, shutil.which("chromedriver")


def start_chromium(profile_dir: Path) -> Any:
    """A selenium ``WebDriver`` on a fresh profile; skips (or fails, in CI) without Chromium."""
    browser, driver_path = find_chromium()
    need(browser, "chromium is not installed (Debian: apt-get install chromium chromium-driver)")
    need(driver_path, "chromedriver is not installed (Debian: apt-get install chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        need(None, "selenium is not installed (pip install -e '.[test]')")
        raise
    options = webdriver.ChromeOptions()
    options.binary_location = str(browser)
    for flag in (*FLAGS, f"--user-data-dir={profile_dir}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(driver_path)))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver
