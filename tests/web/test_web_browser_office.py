"""The office's workflow in headless Chromium (issue 17): the review flow (dismiss → its
alert resolved, no new notification; confirm → kept), the follow-up, the matrix filters,
the upward workbook downloaded and opened with openpyxl, the printable page, the API
reference offline, and every page at 1280 and 390 px without sideways scrolling.
Screenshots go under the pytest base temp dir (screenshots/office/), or
$GKWATCH_SCREENSHOT_DIR/office."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

pytest.importorskip("fastapi")
playwright = pytest.importorskip("playwright.sync_api")

from tests.support.browser import CHROMIUM, chromium, logged_in, screenshot_dir  # noqa: E402
from tests.support.web import LiveServer, add_portals, build_sample, make_settings  # noqa: E402

pytestmark = pytest.mark.slow

TOKEN = "office-browser-admin-token"
NOW = datetime(2026, 4, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, int], Any]]:
    from alerts.config import load_config
    from alerts.evaluate import evaluate_agency_year
    from gkwatch.web import create_app
    from models.db import session_scope

    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    settings = make_settings(tmp_path_factory.mktemp("office"), web_admin_tokens=[TOKEN],
                             web_cookie_secure=False, mail_to=["office@example.invalid"],
                             office_name="示例市政务公开办")
    ids = build_sample(settings)
    add_portals(settings, ids)  # for the portal health page
    with session_scope(settings.effective_database_url) as s:
        for key in ("inconsistent",):  # its alerts, for the review flow
            evaluate_agency_year(s, agency_id=ids[key], year=2025, config=load_config(settings), now=NOW)
    with LiveServer(create_app(settings)) as live:
        yield live, ids, settings


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshot_dir(tmp_path_factory, "office")


@pytest.fixture(scope="module")
def browser(world: Any) -> Iterator[Any]:
    with chromium(playwright) as b:
        yield b


def _logged_in(browser: Any, server: LiveServer, width: int) -> Any:
    return logged_in(browser, server.url, TOKEN, width, downloads=True)


def _alert(settings: Any, agency_id: int, rule: str) -> tuple[str, list[tuple[str, str]]]:
    from models import Alert, Delivery
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        a = s.exec(select(Alert).where(Alert.agency_id == agency_id, Alert.rule == rule,
                                       Alert.kind == "inconsistent")).one()
        return a.state, sorted((d.event, d.state) for d in s.exec(select(Delivery).where(Delivery.alert_id == a.id)))


def test_review_flow_dismiss_resolves_quietly_confirm_keeps(world: Any, browser: Any, shots: Path) -> None:
    server, ids, settings = world
    page = _logged_in(browser, server, 1280)
    page.click("header.top nav a[href='/review']")
    page.wait_for_selector("#review")
    page.screenshot(path=str(shots / "review-1280.png"), full_page=True)
    items = page.locator("#review li[data-rule]")
    rules = items.evaluate_all("els => els.map(e => e.dataset.rule)")
    assert "T3-BALANCE" in rules and len(rules) >= 2
    other = next(r for r in rules if r != "T3-BALANCE")
    assert _alert(settings, ids["inconsistent"], "T3-BALANCE") == ("firing", [("firing", "pending")])

    item = page.locator("#review li[data-rule='T3-BALANCE']").first
    item.locator("input[name=note]").fill("原表如此，已电话核实")
    item.locator("button[value=dismissed]").click()
    page.wait_for_selector("#review, .empty-note")
    assert page.locator("#review li[data-rule='T3-BALANCE']").count() == 0
    state, deliveries = _alert(settings, ids["inconsistent"], "T3-BALANCE")
    assert state == "resolved" and deliveries == [("firing", "pending"), ("resolved", "skipped")]

    item = page.locator(f"#review li[data-rule='{other}']").first
    item.locator("input[name=note]").fill("属实")
    item.locator("button[value=confirmed]").click()
    page.wait_for_selector("#review, .empty-note")
    assert _alert(settings, ids["inconsistent"], other)[0] == "firing"
    page.goto(server.url + "/review?state=decided")
    decided = page.locator("#review").inner_text()
    assert "已驳回 dismissed" in decided and "已确认 confirmed" in decided and "原表如此" in decided
    page.screenshot(path=str(shots / "review-decided-1280.png"), full_page=True)
    # a firing alert is silenced from its own row
    page.goto(server.url + "/alerts?state=firing")
    assert "触发中 firing" in page.locator("#alerts").inner_text()
    page.fill("#alert-filters input[name=q]", "示例县水利局")
    page.click("#alert-filters button[type=submit]")
    page.wait_for_selector("#alerts")
    agencies = set(page.locator("#alerts tbody tr td:nth-child(3)").all_inner_texts())
    assert agencies == {"示例县水利局"}
    page.locator("#alerts details.silence-one summary").first.click()  # the form opens under the button
    page.locator("#alerts details.silence-one button[type=submit]").first.click()
    page.wait_for_selector("#silences tbody tr.active")
    assert "从告警日志静默" in page.locator("#silences").inner_text()
    page.context.close()


def test_follow_up_filters_and_upward_download(world: Any, browser: Any, tmp_path: Path, shots: Path) -> None:
    from openpyxl import load_workbook

    server, ids, _ = world
    page = _logged_in(browser, server, 1280)
    page.goto(server.url + f"/agencies/{ids['late']}")
    form = page.locator("#follow-up-2025 form")
    form.locator("select[name=state]").select_option("notified")
    form.locator("input[name=note]").fill("已发函督促")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#follow-up-2025 b")
    assert "已通知整改" in page.locator("#follow-up-2025").inner_text()
    page.goto(server.url + "/")
    # the chart, drawn on the server: two bars per year; 2025: 2 of 4 due on time, 1 of 3 published inconsistent
    bars = page.locator("#rates-chart rect[data-series=rate]")
    assert bars.count() == 2
    rate_2025 = page.locator("#rates-chart rect[data-year='2025'][data-series=rate]").get_attribute("data-value")
    assert rate_2025 == "0.5000"  # on time: 示例县人民政府 and 示例县水利局 (published on time, inconsistent)
    assert page.locator("#rates-chart rect[data-year='2025'][data-series=inconsistency_rate]").get_attribute(
        "data-value") == "0.3333"
    page.locator("#rates-chart").screenshot(path=str(shots / "chart.png"))
    page.select_option("select[name=region]", "示例县")
    page.click(".filters button[type=submit]")
    page.wait_for_selector("#matrix")
    shown = set(page.locator("#matrix tbody tr").evaluate_all("rows => rows.map(r => r.dataset.agency)"))
    assert shown == {"示例县人民政府", "示例县教育局", "示例县财政局"}
    assert "已通知整改" in page.locator("#matrix").inner_text()
    page.select_option("select[name=year]", "2025")
    page.click(".filters button[type=submit]")
    page.wait_for_selector("#matrix")
    assert page.locator("#matrix thead th").all_inner_texts()[-1] == "2025"
    assert page.locator("#matrix td[data-year='2024']").count() == 0
    page.screenshot(path=str(shots / "matrix-filtered-1280.png"), full_page=True)
    href = page.locator("#xlsx-link").get_attribute("href")
    resp = page.request.get(server.url + href)
    assert resp.status == 200, (href, resp.status, resp.text()[:300])
    with page.expect_download() as dl:
        page.click("#xlsx-link")
    path = tmp_path / "upward.xlsx"
    dl.value.save_as(path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["汇总 summary", "明细 detail"]
    detail = wb["明细 detail"]
    header = [c.value for c in detail[2]]
    rows = list(detail.iter_rows(min_row=3, values_only=True))
    assert {r[header.index("机关 body")] for r in rows} == shown  # the filters carried into the file
    assert {r[header.index("年度 year")] for r in rows} == {2025}
    late = next(r for r in rows if r[header.index("机关 body")] == "示例县教育局" and r[header.index("年度 year")] == 2025)
    assert isinstance(late[header.index("截止时间 deadline")], datetime)
    assert (late[header.index("状态 status")], late[header.index("逾期天数 days late")]) == ("逾期", 10), late
    assert late[header.index("整改跟进 follow-up")] == "已通知整改：已发函督促"
    page.click("#upward-link")
    page.wait_for_selector("#upward-detail")
    assert page.locator("#upward-detail tbody tr").count() == len(rows)
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()
    page.emulate_media(media="screen")
    page.screenshot(path=str(shots / "upward-1280.png"), full_page=True)
    page.context.close()


PAGES = ["/", "/?sort=y2025&order=desc&region=示例县", "/review", "/review?state=all", "/alerts",
         "/alerts?sort=agency&order=asc", "/silences", "/portals", "/upward", "/docs", "/agencies/{late}",
         "/reports/{report_inconsistent}", "/reports/{report_on_time}", "/login", "/agencies/999"]


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_fits_the_width(world: Any, browser: Any, width: int, shots: Path) -> None:
    server, ids, _ = world
    page = _logged_in(browser, server, width)
    for path in PAGES:
        url = path.format(**ids)
        page.goto(server.url + url)
        page.wait_for_selector("main")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        name = re.sub(r"[^A-Za-z0-9]+", "-", url).strip("-") or "matrix"  # a plain file name
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        assert overflow <= 0, (url, width, overflow)
    assert "找不到页面" in page.locator("#error").inner_text()
    page.goto(server.url + "/docs")
    assert page.locator("#api-ops tbody tr").count() >= 10
    page.context.close()
