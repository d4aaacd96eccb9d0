"""Debian's chromium driven by Playwright, as the browser tests use it: where it is, how it
is started (headless, and without the background requests a closed network refuses),
where screenshots go, and a dashboard page logged in with a token."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def chromium(playwright: Any) -> Iterator[Any]:
    """A started chromium browser (``playwright`` is the ``playwright.sync_api`` module)."""
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_dir(tmp_path_factory: Any, name: str) -> Path:
    """``$GKWATCH_SCREENSHOT_DIR/name``, or ``screenshots/name`` under pytest's base temp dir."""
    root = Path(os.environ["GKWATCH_SCREENSHOT_DIR"]) if os.environ.get("GKWATCH_SCREENSHOT_DIR") \
        else tmp_path_factory.getbasetemp() / "screenshots"
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def logged_in(browser: Any, url: str, token: str, width: int = 1280, *, downloads: bool = False) -> Any:
    """A new page of the dashboard at ``url`` after logging in with ``token``, at ``width`` px."""
    ctx = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=downloads)
    page = ctx.new_page()
    page.goto(url + "/login")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_selector("#matrix")
    return page
