"""Notifications carry links (issue 17): the dashboard's report page, the source page and
the snapshot checked, when GKWATCH_PUBLIC_URL is set; the source page always. Chinese
first, then English; cells named as the form prints them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlmodel import select

from alerts import messages
from alerts.config import load_config
from alerts.evaluate import evaluate_agency_year
from alerts.notify import plan
from models import Alert, Notification
from models.db import session_scope
from tests.support.web import build_sample, make_settings

BASE = "https://gk.example.gov.cn"


def test_inconsistent_report_email_links_report_source_and_snapshot(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, public_url=BASE + "/", mail_to=["office@example.invalid"])
    ids = build_sample(settings)
    now = datetime(2026, 4, 1, tzinfo=timezone.utc)
    with session_scope(settings.effective_database_url) as s:
        evaluate_agency_year(s, agency_id=ids["inconsistent"], year=2025, config=load_config(settings), now=now)
        assert plan(s, config=load_config(settings), now=now + timedelta(minutes=1), flush=True) >= 1
        n = s.exec(select(Notification).where(Notification.target == "office@example.invalid")).first()
        assert n is not None
        events = [e for e in n.events if e["kind"] == "inconsistent"]
        alert = s.exec(select(Alert).where(Alert.kind == "inconsistent")).first()
        assert events and alert is not None
        links = events[0]["links"]
        assert links["report"] == f"{BASE}/reports/{ids['report_inconsistent']}"
        assert links["source"].startswith("http://127.0.0.1:9/")
        assert links["snapshot"] == f"{BASE}/api/v1/versions/{ids['version_inconsistent']}/snapshot"
        text = messages.text(n.events, reason=n.reason)
        html = messages.html_body(n.events, subject_line=n.subject, reason=n.reason)
    assert f"看板报告页 report page: {BASE}/reports/{ids['report_inconsistent']}" in text
    assert "原文 source: http://127.0.0.1:9/" in text and "快照 snapshot: " in text
    assert "数据不一致 inconsistent：" in text
    assert "“自然人”列" in text and "第0列" not in text
    assert text.index(alert.summary_zh) < text.index(alert.summary_en)
    assert f'href="{BASE}/reports/{ids["report_inconsistent"]}"' in html and "链接 links" in html


def test_without_public_url_only_the_source_is_linked(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    alert = Alert(id=1, fingerprint="a" * 64, kind="P-LATE", agency_id=3, year=2025, severity="error",
                  summary_zh="晚了", summary_en="late")
    labels = {"report_id": 7, "report_version_id": 9, "source_url": "http://127.0.0.1:9/r.html"}
    assert messages.links(alert, labels, settings.public_url) == {"source": "http://127.0.0.1:9/r.html"}
    assert messages.links(alert, labels, BASE) == {
        "report": f"{BASE}/reports/7", "agency": f"{BASE}/agencies/3", "source": "http://127.0.0.1:9/r.html",
        "snapshot": f"{BASE}/api/v1/versions/9/snapshot"}
