"""A real headless Chromium (Debian's chromium + chromium-driver) driven by selenium."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


def chromium_paths() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def require_chromium() -> tuple[str, str]:
    """The browser and its driver; missing: a failure under CI=true, else a skip."""
    paths = chromium_paths()
    if paths is None:
        message = "chromium/chromedriver not installed (tests/ensure-chromium.sh installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return paths


def start_chromium(width: int = 390, height: int = 844):
    """A fresh headless browser with its own profile directory (phone-sized window)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    browser, driver = require_chromium()
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager reach the network
    profile = tempfile.mkdtemp(prefix="cs-chromium-")
    opts = Options()
    opts.binary_location = browser
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_argument(f"--window-size={width},{height}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # the suite may run under libfaketime (tests/run-at-dates.sh): Chromium does not start with it
    # preloaded, and the page needs no business time, so the browser runs on the real clock
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC")}
    d = webdriver.Chrome(service=Service(driver, env=env), options=opts)
    d._cs_profile = profile
    return d


def stop_chromium(d) -> None:
    try:
        d.quit()
    finally:
        shutil.rmtree(d._cs_profile, ignore_errors=True)
