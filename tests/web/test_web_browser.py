"""The dashboard in headless Chromium over the demo's database: the matrix shows the
demo's statuses, and a click on the inconsistent report shows its failing cell
highlighted with the finding's message. Screenshots go to var/screenshots/ (or
$GKWATCH_SCREENSHOT_DIR)."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytest.importorskip("fastapi")
playwright = pytest.importorskip("playwright.sync_api")

from tests.support.web import LiveServer  # noqa: E402

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("GKWATCH_SCREENSHOT_DIR") or ROOT / "var" / "screenshots")
TOKEN = "browser-test-admin-token"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from gkwatch.demo.run import run_demo

    root = tmp_path_factory.mktemp("webdemo")
    result = run_demo(now=datetime(2026, 4, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), data_dir=root,
                      progress=lambda m: None)
    assert not result.mismatches
    return result


@pytest.fixture(scope="module")
def server(demo: Any) -> Iterator[LiveServer]:
    from gkwatch.web import create_app
    from ground.settings import Settings

    settings = Settings(data_dir=demo.data_dir / "var", web_read_tokens=[TOKEN], _env_file=None)  # type: ignore[call-arg]
    with LiveServer(create_app(settings)) as live:
        yield live


@pytest.fixture(scope="module")
def page(server: LiveServer) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        pg = browser.new_page(viewport={"width": 1300, "height": 900})
        yield pg
        browser.close()


def test_login_then_matrix_shows_the_demo_statuses(demo: Any, server: LiveServer, page: Any) -> None:
    page.goto(server.url + "/")
    assert "/login" in page.url  # not logged in: sent to the login form
    page.screenshot(path=str(SHOTS / "login.png"))
    page.fill("input[name=token]", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_selector("#matrix")
    for row in demo.statuses:
        cell = page.locator(f'tr[data-agency="{row["agency"]}"] td[data-year="{row["year"]}"]')
        assert cell.get_attribute("data-status") == row["status"], row
    assert {r["status"] for r in demo.statuses} >= {"on_time", "late", "missing", "inconsistent"}
    page.screenshot(path=str(SHOTS / "matrix.png"), full_page=True)
    # filter by status: only the agencies with a late report stay
    page.select_option("select[name=status]", "late")
    page.click(".filters button[type=submit]")
    page.wait_for_selector("#matrix")
    late = {r["agency"] for r in demo.statuses if r["status"] == "late"}
    shown = set(page.locator("#matrix tbody tr").evaluate_all("rows => rows.map(r => r.dataset.agency)"))
    assert shown == late
    page.screenshot(path=str(SHOTS / "matrix-late.png"), full_page=True)


def test_click_on_inconsistent_report_shows_failing_cell(demo: Any, server: LiveServer, page: Any) -> None:
    bad = next(r for r in demo.statuses if r["status"] == "inconsistent")
    page.goto(server.url + "/")
    page.click(f'tr[data-agency="{bad["agency"]}"] td[data-year="{bad["year"]}"] a')
    page.wait_for_selector("table.report")
    assert "/reports/" in page.url
    failing = page.locator("table.report td.fail")
    assert failing.count() >= 1
    first = failing.first
    rules = first.get_attribute("data-rules") or ""
    assert set(rules.split()) & set(bad["rules_failed"])
    title = first.get_attribute("title") or ""
    assert bad["rules_failed"][0] in title and "勾稽" in title  # the finding's message is on the cell
    colour = first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")  # visibly highlighted
    # the side list links to the same cell, and the snapshot that was checked is linked
    href = page.locator("#fails a").first.get_attribute("href")
    assert href == "#" + (first.get_attribute("id") or "")
    assert page.locator("#snapshot-link").count() == 1
    first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "report-inconsistent.png"), full_page=True)
    resp = page.request.get(server.url + (page.locator("#snapshot-link").get_attribute("href") or ""))
    assert resp.status == 200 and resp.headers["content-security-policy"] == "sandbox"


def test_edited_report_shows_its_changes_and_alerts_show_deliveries(demo: Any, server: LiveServer,
                                                                     page: Any) -> None:
    changed = next(a for a in demo.alerts if a["kind"] == "P-CHANGED")
    page.goto(server.url + "/")
    page.click(f'tr[data-agency="{changed["agency"]}"] th a')
    page.wait_for_selector("#years")
    assert page.locator(".findings li", has_text="P-CHANGED").count() >= 1
    page.screenshot(path=str(SHOTS / "agency-changed.png"), full_page=True)
    page.click(f'#years tr:has-text("{changed["year"]}") a')
    page.wait_for_selector("#diff")
    assert page.locator("#diff tr").count() >= 2
    assert page.locator("table.report td.changed").count() >= 1
    page.screenshot(path=str(SHOTS / "report-diff.png"), full_page=True)
    page.goto(server.url + "/alerts")
    kinds = page.locator("#alerts tbody tr td:nth-child(2) b").all_inner_texts()
    assert {"P-MISSING", "P-LATE", "P-CHANGED"} <= set(kinds)
    assert page.locator("#alerts .dl-sent").count() >= 2 * len(kinds)
    page.screenshot(path=str(SHOTS / "alerts.png"), full_page=True)
