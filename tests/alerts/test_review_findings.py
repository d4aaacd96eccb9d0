"""A check on cells read without certainty waits for a person: stored as status review with
its reason and candidates, shown by the API, and never an "inconsistent" alert."""
from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from alerts.evaluate import evaluate_agency_year
from gkwatch.demo.render_office import render_pdf
from gkwatch.demo.reports import Stock, make_report
from ground.settings import Settings
from models import Finding
from tests.support.pipeline import (
    BJ,
    HOST,
    add_portal,
    crawled_item,
    firing_alerts,
    ingest_and_process,
    office_config,
)


def _unruled_pdf_with_error() -> bytes:
    """A PDF without ruling lines (no second reading of its columns) whose 结转 row breaks
    the balance: the error is real, but nothing on the page confirms the columns."""
    rep, _ = make_report("示例区统计局", 2024, "部门", seed=7, stock=Stock((0,) * 6, 0, 12))
    bad = copy.deepcopy(rep)
    bad["table3"]["4"][0] += 2
    bad["table3"]["4"][6] += 2
    return render_pdf(bad, seed=7, ruled=False)


def test_uncertain_error_is_stored_for_review_and_alerts_nobody(settings: Settings, session: Session,
                                                                  tmp_path: Path) -> None:
    portal = add_portal(session, "示例区统计局")
    url = f"{HOST}/202501/P020250120.pdf"
    ingest_and_process(session, settings, portal, [crawled_item(tmp_path, _unruled_pdf_with_error(), url=url, year=2024,
                                              kind="attachment", published="2025-01-20T09:00:00+08:00",
                                              content_type="application/pdf")])
    review = session.exec(select(Finding).where(Finding.status == "review")).all()
    assert {f.rule for f in review} >= {"T3-BALANCE"}
    balance = next(f for f in review if f.rule == "T3-BALANCE")
    assert balance.review and balance.review["cells"] and "人工核对" in balance.review["reason_zh"]
    assert not session.exec(select(Finding).where(Finding.status == "fail", Finding.severity == "error")).all()

    row = evaluate_agency_year(session, agency_id=portal.agency_id, year=2024, config=office_config(),
                               now=datetime(2025, 4, 15, 9, tzinfo=BJ))
    assert row.status == "on_time" and row.rules_failed == []
    assert "inconsistent" not in firing_alerts(session, portal.agency_id, 2024)

    from fastapi.testclient import TestClient

    from gkwatch.web import create_app
    web = settings.model_copy(update={"web_admin_tokens": ["a-long-enough-admin-token"]})
    client = TestClient(create_app(web))
    got = client.get(f"/api/v1/reports/{row.report_id}",
                     headers={"Authorization": "Bearer a-long-enough-admin-token"}).json()
    shown = [f for f in got["findings"] if f["status"] == "review" and f["rule"] == "T3-BALANCE"]
    assert shown and shown[0]["review"]["cells"][0]["table"] == "table3"
