"""The upward report (issue 17): the workbook a 政务公开办 sends as is, opened with
openpyxl — sheets, headings, real dates and numbers, Chinese statuses, failing checks
named by their printed cells, P-CHANGED shown as a change, the evidence; and the page."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from tests.support.web import build_sample, make_settings  # noqa: E402

TOKEN = "upward-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _mark_changed(settings: Any, agency_id: int, year: int) -> None:
    """The on-time report edited after publication: a P-CHANGED finding on its version."""
    from sqlmodel import select

    from ground.catalogue import publication_finding
    from models import AgencyYear, Finding, Report
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        ay = s.exec(select(AgencyYear).where(AgencyYear.agency_id == agency_id, AgencyYear.year == year)).one()
        report = s.get(Report, ay.report_id)
        f = publication_finding("P-CHANGED", "numbers", where={"change": "content"}, actual=1, count=1,
                                shown="表三“（一）予以公开”行“自然人”列 5→6",
                                shown_en="table 3 row '3.1 disclosed', column 'natural persons' 5→6", more="")
        s.add(Finding(agency_id=agency_id, year=year, version_id=report.version_id, **f))


@pytest.fixture
def world(tmp_path: Path) -> tuple[Any, dict[str, int], Any]:
    from gkwatch.web import create_app

    settings = make_settings(tmp_path, web_admin_tokens=[TOKEN], public_url="https://gk.example.gov.cn/",
                             office_name="示例市人民政府办公室政务公开办")
    ids = build_sample(settings)
    _mark_changed(settings, ids["on_time"], 2025)
    return create_app(settings), ids, settings


def _get(app: Any, path: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
    from fastapi.testclient import TestClient

    return TestClient(app).get(path, headers=headers or AUTH, **kw)


def test_upward_workbook_sheets_columns_and_types(world: tuple[Any, dict[str, int], Any]) -> None:
    from openpyxl import load_workbook

    app, ids, _ = world
    r = _get(app, "/api/v1/export/audit.xlsx", params={"year": 2025})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["汇总 summary", "明细 detail"]
    summary = wb["汇总 summary"]
    head = {summary.cell(i, 1).value: summary.cell(i, 2).value for i in range(2, 6)}
    assert summary["A1"].value == "政府信息公开工作年度报告发布情况检查报告"
    assert isinstance(head["检查日期 audit date"], datetime)
    assert head["检查单位 office"] == "示例市人民政府办公室政务公开办"
    assert "SHA-256" in head["数据来源 data source"]
    assert "年度 2025" in head["检查范围 scope"] and "4 个机关" in head["检查范围 scope"]
    rows = list(summary.iter_rows(min_row=7, values_only=True))
    header = rows[0]
    assert header[:4] == ("年度 year", "地区 region", "类型 kind", "机关数 bodies")
    by = {(r[1], r[2] or ""): dict(zip(header, r)) for r in rows[1:]}
    county = by[("示例县", "小计 subtotal")]
    assert (county["机关数 bodies"], county["按时发布 on time"], county["逾期发布 late"],
            county["未发布 missing"], county["发布后变更 changed"]) == (3, 1, 1, 1, 1)
    assert county["按时发布率 on-time rate"] == pytest.approx(1 / 3)
    total = by[("总计 total", "")]
    assert total["机关数 bodies"] == 4 and total["数据不一致 inconsistent"] == 1
    assert total["按时发布率 on-time rate"] == pytest.approx(2 / 4)
    assert summary.cell(8, len(header) - 1).number_format == "0.0%"

    detail = wb["明细 detail"]
    header = [c.value for c in detail[2]]
    for name in ("序号 No.", "机关 body", "类型 kind", "地区 region", "年度 year", "状态 status",
                 "截止时间 deadline", "发布日期 published", "逾期天数 days late", "未通过的检查 failed checks",
                 "发布后变更 changes after publication", "整改跟进 follow-up", "报告地址 report URL",
                 "快照 SHA-256 snapshot", "抓取时间 fetched"):
        assert name in header, name
    col = {name: i for i, name in enumerate(header)}
    lines = {row[col["机关 body"]]: row for row in detail.iter_rows(min_row=3, values_only=True)}
    assert [row[0] for row in detail.iter_rows(min_row=3, values_only=True)] == [1, 2, 3, 4]
    late = lines["示例县教育局"]
    assert late[col["状态 status"]] == "逾期"
    assert isinstance(late[col["截止时间 deadline"]], datetime) and isinstance(late[col["发布日期 published"]], datetime)
    assert late[col["截止时间 deadline"]].date().isoformat() == "2026-01-31"
    assert late[col["逾期天数 days late"]] == 10
    assert detail.cell(3 + list(lines).index("示例县教育局"), col["截止时间 deadline"] + 1).number_format == "yyyy-mm-dd"
    bad = lines["示例县水利局"]
    assert bad[col["状态 status"]] == "数据不一致"
    failed = bad[col["未通过的检查 failed checks"]]
    assert "T3-BALANCE" in failed and "“自然人”列" in failed and "第0列" not in failed
    assert len(bad[col["快照 SHA-256 snapshot"]]) == 64 and isinstance(bad[col["抓取时间 fetched"]], datetime)
    assert bad[col["报告地址 report URL"]].startswith("http://127.0.0.1:9/")
    assert bad[col["看板页面 dashboard page"]] == f"https://gk.example.gov.cn/reports/{ids['report_inconsistent']}"
    edited = lines["示例县人民政府"]
    assert edited[col["状态 status"]] == "发布后变更" and edited[col["发布情况 publication"]] == "按时"
    assert "数据被修改" in edited[col["发布后变更 changes after publication"]]
    missing = lines["示例县财政局"]
    assert missing[col["状态 status"]] == "未发布" and missing[col["发布日期 published"]] is None
    assert isinstance(missing[col["逾期天数 days late"]], int) and missing[col["逾期天数 days late"]] > 0


def test_changed_report_is_shown_as_changed_everywhere(world: tuple[Any, dict[str, int], Any]) -> None:
    """P-CHANGED no longer hides behind 按时: matrix, API, agency page, report page and CSV."""
    app, ids, _ = world
    rows = _get(app, "/api/v1/statuses", params={"year": 2025}).json()
    edited = next(r for r in rows if r["agency"] == "示例县人民政府")
    assert edited["status"] == "changed" and edited["publication"] == "on_time" and edited["changed"]
    assert [r["agency"] for r in _get(app, "/api/v1/statuses", params={"status": "changed"}).json()] == ["示例县人民政府"]
    matrix = _get(app, "/").text
    assert "发布后变更 changed after publication" in matrix and "st-changed" in matrix
    assert "发布后变更" in _get(app, f"/agencies/{ids['on_time']}").text
    page = _get(app, f"/reports/{ids['report_on_time']}").text
    assert 'id="publication-findings"' in page and "P-CHANGED" in page
    report = _get(app, f"/api/v1/reports/{ids['report_on_time']}").json()
    assert [f["rule"] for f in report["publication_findings"]] == ["P-CHANGED"]
    csv_text = _get(app, "/api/v1/export/audit.csv", params={"year": 2025}).content.decode("utf-8-sig")
    assert "发布后变更" in csv_text


def test_diff_names_cells_as_printed(world: tuple[Any, dict[str, int], Any]) -> None:
    app, ids, _ = world
    page = _get(app, f"/reports/{ids['report_inconsistent']}").text
    assert "表三“（一）予以公开”行“自然人”列" in page
    assert "<td>table3</td>" not in page


def test_upward_page_is_the_workbook_printable(world: tuple[Any, dict[str, int], Any]) -> None:
    app, _, _ = world
    r = _get(app, "/upward", params={"year": 2025})
    assert r.status_code == 200
    page = r.text
    assert "政府信息公开工作年度报告发布情况检查报告" in page and "示例市人民政府办公室政务公开办" in page
    assert 'id="upward-summary"' in page and 'id="upward-detail"' in page
    assert page.count('<tr data-status=') == 4
    assert "“自然人”列" in page and "发布后变更" in page and "@media print" not in page
    assert "/api/v1/export/audit.xlsx?year=2025" in page
    assert 'href="/upward?' in _get(app, "/").text


def test_errors_are_pages_for_people_and_json_for_the_api(world: tuple[Any, dict[str, int], Any]) -> None:
    app, _, _ = world
    html = {"Accept": "text/html", **AUTH}
    r = _get(app, "/agencies/999", headers=html)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "找不到页面" in r.text and "没有这个机关" in r.text and 'href="/"' in r.text
    r = _get(app, "/reports/abc", headers=html)
    assert r.status_code == 422 and "参数无效" in r.text and "report_id" in r.text and '"detail"' not in r.text
    assert _get(app, "/api/v1/agencies/999").json() == {"detail": "no such agency"}
    assert _get(app, "/api/v1/reports/abc").status_code == 422
