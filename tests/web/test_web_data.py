"""A small database for the web tests, built from rows (no crawl), plus tests of the
read queries in models/dashboard_queries.py that the dashboard is built on.

The report data is made here (not corpus text); its findings come from the real rule
catalogue, so the failing cell is the one the validator names.
"""
from __future__ import annotations

from pathlib import Path

from tests.support.web import UTC, build_sample, make_report, make_settings  # noqa: F401


def test_audit_rows_give_one_verdict_per_agency_year(tmp_path: Path) -> None:
    from models.dashboard_queries import audit_rows, filter_options
    from models.db import session_scope

    settings = make_settings(tmp_path)
    build_sample(settings)
    with session_scope(settings.effective_database_url) as s:
        rows = audit_rows(s, year=2025)
        assert {r["agency"]: r["status"] for r in rows} == {
            "示例县人民政府": "on_time", "示例县教育局": "late", "示例县财政局": "missing", "示例县水利局": "inconsistent"}
        bad = next(r for r in rows if r["status"] == "inconsistent")
        assert "T3-BALANCE" in bad["rules_failed"] and bad["report_url"].endswith("/2025.html")
        assert [r["agency"] for r in audit_rows(s, q="教育")] == ["示例县教育局"] * 2
        assert {r["agency"] for r in audit_rows(s, region="示例市")} == {"示例县水利局"}
        assert len(audit_rows(s, status="late")) == 1
        assert filter_options(s)["years"] == [2024, 2025]


def test_report_detail_names_the_failing_cell_and_versions(tmp_path: Path) -> None:
    from models.dashboard_queries import agency_detail, alert_log, report_detail
    from models.db import session_scope

    settings = make_settings(tmp_path)
    ids = build_sample(settings)
    with session_scope(settings.effective_database_url) as s:
        r = report_detail(s, report_id=ids["report_inconsistent"])
        assert r is not None
        cells = {(f["where"].get("table"), f["where"].get("row"), f["where"].get("column"))
                 for f in r["findings"] if f["rule"] == "T3-BALANCE"}
        assert ("table3", "3.7", 0) in cells or ("table3", "1", 0) in cells
        assert len(r["versions"]) == 2 and r["versions"][1]["previous_version_id"] == r["versions"][0]["id"]
        a = agency_detail(s, agency_id=ids["late"])
        assert a and a["years"][0]["status"] == "late" and a["documents"][0]["versions"][0]["dates"]
        log = alert_log(s)
        assert [d["state"] for d in log[0]["deliveries"]] == ["sent", "dead"]
        assert report_detail(s, report_id=10_000) is None


