"""Publication is judged on the documents found, not on the parsed reports.

A report page that cannot be parsed is published (on time or late by its dates) and
raises P-UNPARSED with a link to the page, never P-MISSING; a document still waiting in
the process queue after the deadline raises no P-MISSING; a report for a year before
2019 (no national table layout) is audited for its publication only.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from alerts.evaluate import evaluate_agency_year
from ground.settings import Settings
from models import (
    AgencyCreate,
    AgencyYear,
    Delivery,
    DocumentVersion,
    Finding,
    Report,
)
from models.crud import upsert_agency
from models.db import session_scope
from models.lease import claim, retry_later
from tests.support.pipeline import (
    BJ,
    HOST,
    add_portal,
    crawled_item,
    firing_alerts,
    ingest_and_process,
    office_config,
)

ROOT = Path(__file__).resolve().parents[2]
#: a report page whose tables are pictures: the text says so, nothing can be read off it
PICTURE_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>2024年政府信息公开工作年度报告</title>"
                "</head><body><div class=\"article\"><h1>示例区民政局2024年政府信息公开工作年度报告</h1>"
                "<p>本报告的统计表格见下图。</p><p><img src=\"/nb/t1.png\"></p></div></body></html>").encode("utf-8")
BROKEN_PDF = b"%PDF-1.4 broken"












@pytest.mark.parametrize("case", ["page on time", "attachment late"])
def test_a_report_that_cannot_be_parsed_is_published_and_unparsed_never_missing(
        case: str, settings: Settings, session: Session, tmp_path: Path) -> None:
    portal = add_portal(session, "示例区民政局")
    if case == "page on time":  # deadline 31 January 2025
        url, published = f"{HOST}/202501/t20250120_1.html", "2025-01-20T09:00:00+08:00"
        items = [crawled_item(tmp_path, PICTURE_PAGE, url=url, year=2024, published=published)]
        expected = "on_time"
    else:
        url, published = f"{HOST}/202502/P020250210.pdf", "2025-02-10T09:00:00+08:00"
        items = [crawled_item(tmp_path, BROKEN_PDF, url=url, year=2024, published=published, kind="attachment",
                       content_type="application/pdf")]
        expected = "late"
    ingest_and_process(session, settings, portal, items)
    assert [f.rule for f in session.exec(select(Finding)).all()] == ["P-UNPARSED"]
    assert session.exec(select(Report)).all() == []  # nothing parsed: status comes from the document

    row = evaluate_agency_year(session, agency_id=portal.agency_id, year=2024, config=office_config(),
                               now=datetime(2025, 4, 15, 9, tzinfo=BJ))
    assert row.status == expected and row.report_id is None and row.numbers_pending is False
    assert row.published_at == datetime.fromisoformat(published)
    firing = firing_alerts(session, portal.agency_id, 2024)
    assert set(firing) == ({"P-UNPARSED"} if expected == "on_time" else {"P-UNPARSED", "P-LATE"})
    unparsed = firing["P-UNPARSED"]
    assert unparsed.severity == "warning"
    assert url in unparsed.summary_zh and url in unparsed.summary_en and "数据未能核查" in unparsed.summary_zh
    # the example configuration sends it to the province's office
    targets = {d.target for d in session.exec(select(Delivery).where(Delivery.alert_id == unparsed.id)).all()}
    assert "gongkaiban@example.gov.cn" in targets


def test_a_document_waiting_in_the_process_queue_after_the_deadline_is_not_missing(settings, tmp_path) -> None:
    from workers.units import run_evaluate_unit, run_process_unit

    after_deadline = datetime(2025, 2, 5, 9, tzinfo=BJ)
    url = f"{HOST}/202501/P020250120.pdf"
    with session_scope(settings.effective_database_url) as s:
        portal = add_portal(s, "示例区水利局")
        aid = portal.agency_id
        nothing = upsert_agency(s, data=AgencyCreate(name="示例区林业局", kind="部门", region="其他县")).id
        [vid] = ingest_and_process(s, None, portal, [crawled_item(tmp_path, BROKEN_PDF, url=url, year=2024, kind="attachment",
                                                published="2025-01-20T09:00:00+08:00",
                                                content_type="application/pdf")])

        # the deadline pass runs while the backlog is still queued
        row = evaluate_agency_year(s, agency_id=aid, year=2024, now=after_deadline)
        assert (row.status, row.numbers_pending) == ("on_time", True)
        assert firing_alerts(s, aid, 2024) == {}
        # the same pass finds nothing at all for another agency: that one is missing
        assert evaluate_agency_year(s, agency_id=nothing, year=2024, now=after_deadline).status == "missing"
        assert set(firing_alerts(s, nothing, 2024)) == {"P-MISSING"}

        # a first attempt failed and waits for its retry: still published, still no P-MISSING
        assert claim(s, DocumentVersion, vid, lease_seconds=60)
        retry_later(s, DocumentVersion, vid, delay=3600, error="OSError: disk busy")
        row = evaluate_agency_year(s, agency_id=aid, year=2024, now=after_deadline)
        assert (row.status, row.numbers_pending) == ("on_time", True)
        assert firing_alerts(s, aid, 2024) == {}
        # it is claimable again once the retry is due (lease_until means "not before")
        v = s.get(DocumentVersion, vid)
        s.refresh(v)
        v.lease_until = None
        s.add(v)

    # processing ends: its follow-up evaluates the agency-year again, now with P-UNPARSED
    follow = run_process_unit(settings, vid)
    [(stage, unit)] = follow
    assert stage == "evaluate"
    run_evaluate_unit(settings, unit, now=after_deadline)
    with session_scope(settings.effective_database_url) as s:
        row = s.get(AgencyYear, unit)
        assert (row.agency_id, row.year, row.status, row.numbers_pending) == (aid, 2024, "on_time", False)
        assert set(firing_alerts(s, aid, 2024)) == {"P-UNPARSED"}


def test_a_2018_report_that_cannot_be_parsed_is_published_without_p_unparsed(settings, session, tmp_path,
                                                                              monkeypatch) -> None:
    import workers.parse
    from workers.units import run_process_unit

    # no national layout before 2019: the stage does not even try to read the tables
    monkeypatch.setattr(workers.parse, "parse_bytes", lambda *a, **k: pytest.fail("parsed a 2018 report"))
    portal = add_portal(session, "示例区档案局")
    url = f"{HOST}/201903/P020190320.pdf"
    page = f"{HOST}/201903/t20190320_1.html"
    # before 2019 every body published by 31 March: 20 March is on time
    dates = [{"source": "meta", "value": "2019-03-20T09:00:00+08:00"},
             {"source": "list", "value": "2019-03-22T00:00:00+08:00"}]
    [vid] = ingest_and_process(session, settings, portal, [crawled_item(
        tmp_path, BROKEN_PDF, url=url, year=2018, kind="attachment", published="2019-03-20T09:00:00+08:00",
        parent=page, content_type="application/pdf", dates=dates)])
    rules = [f.rule for f in session.exec(select(Finding)).all()]
    assert rules == ["P-DATES"]  # its publication is audited; its tables are not
    row = evaluate_agency_year(session, agency_id=portal.agency_id, year=2018, config=office_config(),
                               now=datetime(2019, 6, 1, 9, tzinfo=BJ))
    assert (row.status, row.rules_failed, row.numbers_pending) == ("on_time", [], False)
    assert row.published_at == datetime(2019, 3, 20, 9, tzinfo=BJ)
    assert firing_alerts(session, portal.agency_id, 2018) == {}

    # nor when its workers all died on it: the give-up records a P-UNPARSED finding, but
    # a 2018 report never fires it
    v = session.get(DocumentVersion, vid)
    v.state, v.attempts = "pending", settings.task_max_retries + 2
    session.add(v)
    session.commit()
    run_process_unit(settings, vid)
    session.expire_all()
    assert session.get(DocumentVersion, vid).state == "failed"
    assert "P-UNPARSED" in {f.rule for f in session.exec(select(Finding)).all()}
    row = evaluate_agency_year(session, agency_id=portal.agency_id, year=2018, config=office_config(),
                               now=datetime(2019, 6, 1, 9, tzinfo=BJ))
    assert row.status == "on_time"
    assert firing_alerts(session, portal.agency_id, 2018) == {}
