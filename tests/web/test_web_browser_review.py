"""The office's review flow and the dashboard's new parts in headless Chromium (issue 17),
with a real SMTP server (aiosmtpd) receiving what the outbox sends:

- dismissing an inconsistency and a change after publication (P-CHANGED) from the review
  queue resolves their alerts and sends no new email; confirming one keeps it firing;
- the matrix and the alert log sorted by clicking their Chinese column headings, with the
  filters kept; the region roll-up; the alert's links (report, source, snapshot) and its
  silence button with a duration and a note;
- the portal health page from the nav.

Screenshots go under the pytest base temp dir (screenshots/review/), or
$GKWATCH_SCREENSHOT_DIR/review."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

pytest.importorskip("fastapi")
playwright = pytest.importorskip("playwright.sync_api")

from tests.support.browser import CHROMIUM, chromium, logged_in, screenshot_dir  # noqa: E402
from tests.support.web import LiveServer, add_portals, build_sample, make_settings  # noqa: E402

pytestmark = pytest.mark.slow

TOKEN = "review-browser-admin-token"
NOW = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshot_dir(tmp_path_factory, "review")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from alerts.config import load_config
    from alerts.evaluate import evaluate_agency_year
    from gkwatch.sinks import SmtpSink
    from gkwatch.web import create_app
    from ground.catalogue import publication_finding
    from models import Finding
    from models.db import session_scope

    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with SmtpSink() as smtp:
        settings = make_settings(tmp_path_factory.mktemp("review-browser"), web_admin_tokens=[TOKEN],
                                 web_cookie_secure=False, mail_to=["office@example.invalid"],
                                 smtp_host="127.0.0.1", smtp_port=smtp.port)
        ids = build_sample(settings)
        add_portals(settings, ids)
        with session_scope(settings.effective_database_url) as s:
            changed = publication_finding("P-CHANGED", "numbers", where={"url": "http://127.0.0.1:9/3/2025.html"},
                                          count=1, shown="3.1 自然人 1 → 3", shown_en="3.1 natural persons 1 → 3",
                                          more="")
            s.add(Finding(agency_id=ids["inconsistent"], year=2025, version_id=ids["version_inconsistent"],
                          rule="P-CHANGED", severity=changed["severity"], status="fail", where=changed["where"],
                          message_zh=changed["message_zh"], message_en=changed["message_en"]))
        with session_scope(settings.effective_database_url) as s:
            for key in ("inconsistent", "late"):
                evaluate_agency_year(s, agency_id=ids[key], year=2025, config=load_config(settings), now=NOW)
        with LiveServer(create_app(settings)) as live:
            yield {"server": live, "ids": ids, "settings": settings, "smtp": smtp}


@pytest.fixture(scope="module")
def browser(world: Any) -> Iterator[Any]:
    with chromium(playwright) as b:
        yield b


def _logged_in(browser: Any, server: LiveServer, width: int = 1280) -> Any:
    return logged_in(browser, server.url, TOKEN, width)


def _send(settings: Any) -> int:
    """Run the outbox now (no group wait); returns the messages sent."""
    from alerts.outbox import deliver_due
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        return deliver_due(s, settings=settings, flush=True).sent


def _state(settings: Any, agency_id: int, kind: str, rule: str | None = None) -> str:
    from models import Alert
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        query = select(Alert).where(Alert.agency_id == agency_id, Alert.kind == kind)
        if rule:
            query = query.where(Alert.rule == rule)
        return s.exec(query).one().state


def _decide(page: Any, rule: str, decision: str, note: str) -> None:
    item = page.locator(f"#review li[data-rule='{rule}']").first
    item.locator("input[name=note]").fill(note)
    item.locator(f"button[value={decision}]").click()
    page.wait_for_selector("#review, .empty-note")


def test_review_dismissals_resolve_without_email_confirm_keeps(world: dict[str, Any], browser: Any,
                                                              shots: Path) -> None:
    server, ids, settings, smtp = world["server"], world["ids"], world["settings"], world["smtp"]
    assert _send(settings) >= 1  # the firing alerts were mailed
    mailed = len(smtp.messages)
    subjects = " ".join(m.subject for m in smtp.messages)
    assert "示例县水利局" in " ".join(m.text for m in smtp.messages) and "告警" in subjects
    page = _logged_in(browser, server)
    page.click("header.top nav a[href='/review']")
    page.wait_for_selector("#review")
    rules = page.locator("#review li[data-rule]").evaluate_all("els => els.map(e => e.dataset.rule)")
    assert {"T3-BALANCE", "P-CHANGED"} <= set(rules)
    other = next(r for r in rules if r not in ("T3-BALANCE", "P-CHANGED"))
    page.screenshot(path=str(shots / "review-open-1280.png"), full_page=True)

    _decide(page, "T3-BALANCE", "dismissed", "原表如此，已电话核实")
    _decide(page, "P-CHANGED", "dismissed", "浏览次数变化，不是修改")
    assert page.locator("#review li[data-rule='T3-BALANCE'], #review li[data-rule='P-CHANGED']").count() == 0
    assert _state(settings, ids["inconsistent"], "inconsistent", "T3-BALANCE") == "resolved"
    assert _state(settings, ids["inconsistent"], "P-CHANGED") == "resolved"
    assert _send(settings) == 0 and len(smtp.messages) == mailed  # no new email for the dismissals

    _decide(page, other, "confirmed", "属实")
    assert _state(settings, ids["inconsistent"], "inconsistent", other) == "firing"
    assert _send(settings) == 0 and len(smtp.messages) == mailed
    page.goto(server.url + "/review?state=decided")
    decided = page.locator("#review").inner_text()
    # a decision holds for the rule on that version: every finding of the rule shows it
    dismissed = page.locator("#review li:has(.decision-dismissed)").evaluate_all("els => els.map(e => e.dataset.rule)")
    assert set(dismissed) == {"T3-BALANCE", "P-CHANGED"}
    assert "已确认 confirmed" in decided and "浏览次数变化" in decided and "原表如此" in decided
    page.screenshot(path=str(shots / "review-decided-1280.png"), full_page=True)
    # the matrix no longer calls the report changed
    page.goto(server.url + "/?sort=name")
    cell = page.locator("#matrix tr[data-agency='示例县水利局'] td[data-year='2025']")
    assert cell.get_attribute("data-status") == "inconsistent"  # the confirmed rule still fails
    page.context.close()


def _column(page: Any, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.textContent.trim())")


def test_sorting_filters_rollup_links_and_silence(world: dict[str, Any], browser: Any, shots: Path) -> None:
    server, ids = world["server"], world["ids"]
    page = _logged_in(browser, server)
    page.select_option("select[name=region]", "示例县")
    page.click(".filters button[type=submit]")
    page.wait_for_selector("#matrix")
    page.click("#matrix thead a[data-sort=name]")
    page.wait_for_selector("#matrix thead a.sort.on[data-sort=name]")
    names = page.locator("#matrix tbody tr").evaluate_all("rows => rows.map(r => r.dataset.agency)")
    assert names == sorted(names) and set(names) == {"示例县人民政府", "示例县教育局", "示例县财政局"}
    page.click("#matrix thead a[data-sort=name]")  # again: the other way round, filter kept
    page.wait_for_selector("#matrix thead a.sort.on[data-sort=name] .arrow")
    assert "order=desc" in page.url and "region=" in page.url
    names = page.locator("#matrix tbody tr").evaluate_all("rows => rows.map(r => r.dataset.agency)")
    assert names == sorted(names, reverse=True)
    page.click("#matrix thead a[data-sort=y2025]")
    page.wait_for_selector("#matrix thead a.sort.on[data-sort=y2025]")
    statuses = page.locator("#matrix td[data-year='2025']").evaluate_all("els => els.map(e => e.dataset.status)")
    assert statuses == ["on_time", "late", "missing"]
    assert _column(page, "#regions tbody tr th") == ["示例县", "总计 total"]
    assert _column(page, "#regions tr[data-region='示例县'] td") == ["3", "1", "1", "1", "0", "0", "33.3%"]
    page.screenshot(path=str(shots / "matrix-sorted-1280.png"), full_page=True)

    page.goto(server.url + "/alerts")
    page.click("#alerts thead a[data-sort=agency]")
    page.wait_for_selector("#alerts thead a.sort.on[data-sort=agency]")
    agencies = [a for a in _column(page, "#alerts tbody tr td:nth-child(3)") if a]
    assert agencies == sorted(agencies) and len(set(agencies)) >= 3
    page.fill("#alert-filters input[name=q]", "示例县水利局")
    page.click("#alert-filters button[type=submit]")
    page.wait_for_selector("#alerts")
    assert "sort=agency" in page.url  # the search keeps the sort
    row = page.locator("#alerts tbody tr.alert-firing").first
    assert row.locator("a.link-report").get_attribute("href") == f"/reports/{ids['report_inconsistent']}"
    assert row.locator("a.link-source").get_attribute("href") == "http://127.0.0.1:9/3/2025.html"
    snapshot = row.locator("a.link-snapshot").get_attribute("href")
    assert snapshot == f"/api/v1/versions/{ids['version_inconsistent']}/snapshot"
    assert page.request.get(server.url + snapshot).status == 200
    row.locator("details.silence-one summary").click()
    row.locator("select[name=hours]").select_option("168")
    row.locator("input[name=comment]").fill("已电话联系，待其更正")
    page.screenshot(path=str(shots / "alert-silence-1280.png"), full_page=True)
    row.locator("details.silence-one button[type=submit]").click()
    page.wait_for_selector("#silences tbody tr.active")
    silences = page.locator("#silences").inner_text()
    assert "已电话联系，待其更正" in silences and str(ids["inconsistent"]) in silences
    _silence_is_for_that_alert(world["settings"], ids["inconsistent"])
    page.context.close()


def _silence_is_for_that_alert(settings: Any, agency_id: int) -> None:
    """The newest silence holds the alert's own labels (its rule too, so the agency's other
    inconsistencies are still heard) for the 7 days chosen."""
    from sqlmodel import col

    from alerts.routes import matches
    from models import Alert, Silence
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        silence = s.exec(select(Silence).order_by(col(Silence.id).desc())).first()
        assert silence is not None and silence.ends_at is not None and silence.starts_at is not None
        assert round((silence.ends_at - silence.starts_at).total_seconds() / 3600) == 168
        firing = s.exec(select(Alert).where(Alert.agency_id == agency_id, Alert.state == "firing",
                                            Alert.kind == "inconsistent")).all()
        held = [a for a in firing if matches(silence.matchers, dict(a.labels))]
        # another rule of the same agency-year is not held by it
        assert not matches(silence.matchers, {**dict(held[0].labels), "rule": "T4-TOTAL"}) if held else True
        assert len(held) == 1 and silence.matchers == {"kind": "inconsistent", "agency_id": str(agency_id),
                                                       "year": "2025", "rule": held[0].rule}


def test_portal_health_page_from_the_nav(world: dict[str, Any], browser: Any, shots: Path) -> None:
    server, ids = world["server"], world["ids"]
    for width in (1280, 390):
        page = _logged_in(browser, server, width)
        page.goto(server.url + "/alerts")
        page.click("header.top nav a[href='/portals']")
        page.wait_for_selector("#portals")
        bad = page.locator("#portals tbody tr", has=page.locator(f"a[href='/agencies/{ids['missing']}']"))
        assert bad.locator("td[data-col=unreachable]").inner_text() == "2"
        assert bad.locator("td[data-col=robots]").inner_text() == "1"
        assert "列表页无法访问" in bad.locator("td[data-col=error]").inner_text()
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=str(shots / f"portals-{width}.png"), full_page=True)
        page.context.close()


def test_upward_workbook_download_matches_the_rollup(world: dict[str, Any], browser: Any, shots: Path,
                                                      tmp_path: Path) -> None:
    """The 上报表 link, downloaded by the browser and opened with openpyxl: its summary
    sheet (title, audit date as a date, scope) agrees with the dashboard's region roll-up,
    counts as numbers and rates as fractions formatted as percentages."""
    from openpyxl import load_workbook

    server = world["server"]
    page = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=token]", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_selector("#matrix")
    page.select_option("select[name=year]", "2025")
    page.click(".filters button[type=submit]")
    page.wait_for_selector("#regions")
    shown = {r: _column(page, f"#regions tr[data-region='{r}'] td") for r in ("示例县", "示例市", "总计 total")}
    with page.expect_download() as dl:
        page.click("#xlsx-link")
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["汇总 summary", "明细 detail"]
    ws = wb["汇总 summary"]
    assert ws["A1"].value == "政府信息公开工作年度报告发布情况检查报告"
    assert isinstance(ws["B2"].value, datetime) and ws["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert "2025" in str(ws["B5"].value)  # the scope names the year filtered
    rows = list(ws.iter_rows(min_row=7, values_only=True))
    header = [c.value for c in ws[7]]
    assert header[:5] == ["年度 year", "地区 region", "类型 kind", "机关数 bodies", "按时发布 on time"]
    rate_col = header.index("按时发布率 on-time rate")
    for region, cells in shown.items():
        # a region's subtotal, or the total (whose kind cell is empty)
        row = next(r for r in rows[1:] if r[1] == region and r[2] in ("小计 subtotal", None))
        counts = [row[header.index(h)] for h in ("机关数 bodies", "按时发布 on time", "逾期发布 late", "未发布 missing",
                                                 "数据不一致 inconsistent", "发布后变更 changed")]
        assert all(isinstance(v, int) for v in counts)
        assert [str(v) for v in counts] == cells[:6], (region, counts, cells)
        assert f"{row[rate_col] * 100:.1f}%" == cells[6]
        line = next(c.row for c in ws["B"] if c.value == region and ws.cell(c.row, 3).value == row[2])
        assert ws.cell(line, rate_col + 1).number_format == "0.0%"
    page.context.close()
