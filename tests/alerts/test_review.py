"""The review queue (issue 17): an admin dismisses or confirms a finding with a note; the
decision is kept with who and when; dismissing resolves its alert without a new
notification and it does not fire again for the same document version; confirming keeps
it. Follow-up states per agency-year show in the matrix and the exports."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

pytest.importorskip("fastapi")

from tests.support.web import build_sample, make_settings  # noqa: E402

TOKEN = "review-admin-token"
READ = "review-read-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2026, 4, 1, tzinfo=timezone.utc)


@pytest.fixture
def world(tmp_path: Path) -> tuple[Any, dict[str, int], Any]:
    from alerts.config import load_config
    from alerts.evaluate import evaluate_agency_year
    from gkwatch.web import create_app
    from models.db import session_scope

    settings = make_settings(tmp_path, web_admin_tokens=[TOKEN], web_read_tokens=[READ],
                             mail_to=["office@example.invalid"])
    ids = build_sample(settings)
    with session_scope(settings.effective_database_url) as s:
        for key in ("inconsistent", "on_time"):
            evaluate_agency_year(s, agency_id=ids[key], year=2025, config=load_config(settings), now=NOW)
    return create_app(settings), ids, settings


def _client(app: Any) -> Any:
    from fastapi.testclient import TestClient

    return TestClient(app)


def _alert(settings: Any, agency_id: int, rule: str = "T3-BALANCE") -> Any:
    from models import Alert
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        a = s.exec(select(Alert).where(Alert.agency_id == agency_id, Alert.kind == "inconsistent",
                                  Alert.rule == rule)).one()
        s.expunge(a)
        return a


def _deliveries(settings: Any, alert_id: int) -> list[tuple[str, str]]:
    from models import Delivery
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        return [(d.event, d.state) for d in s.exec(select(Delivery).where(Delivery.alert_id == alert_id)).all()]


def test_dismiss_resolves_the_alert_quietly_and_for_good(world: tuple[Any, dict[str, int], Any]) -> None:
    from alerts.config import load_config
    from alerts.evaluate import evaluate_agency_year
    from models.db import session_scope

    app, ids, settings = world
    c = _client(app)
    queue = c.get("/api/v1/review", headers=AUTH).json()
    item = next(f for f in queue if f["agency_id"] == ids["inconsistent"] and f["rule"] == "T3-BALANCE")
    assert item["decision"] is None
    alert = _alert(settings, ids["inconsistent"])
    assert alert.state == "firing" and _deliveries(settings, alert.id) == [("firing", "pending")]

    # the read role may look but not decide
    read = c.post(f"/api/v1/findings/{item['id']}/decision", headers={"Authorization": f"Bearer {READ}"},
                  json={"decision": "dismissed", "note": "x"})
    assert read.status_code == 403
    r = c.post(f"/api/v1/findings/{item['id']}/decision", headers=AUTH,
               json={"decision": "dismissed", "note": "原表如此，已电话核实 checked by phone"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision"] == "dismissed" and body["decided_by"] == "admin via token" and body["evaluated"]
    assert body["decided_at"] and body["note"].startswith("原表如此")

    alert = _alert(settings, ids["inconsistent"])
    assert alert.state == "resolved"
    # the resolution is recorded, not sent: no new email
    assert sorted(_deliveries(settings, alert.id)) == [("firing", "pending"), ("resolved", "skipped")]
    rows = c.get("/api/v1/statuses", headers=AUTH, params={"year": 2025}).json()
    assert "T3-BALANCE" not in next(r for r in rows if r["agency_id"] == ids["inconsistent"])["rules_failed"]

    # evaluated again later (same document version): it does not fire again
    with session_scope(settings.effective_database_url) as s:
        evaluate_agency_year(s, agency_id=ids["inconsistent"], year=2025, config=load_config(settings), now=NOW)
    alert = _alert(settings, ids["inconsistent"])
    assert alert.state == "resolved" and alert.generation == 1
    assert len(_deliveries(settings, alert.id)) == 2
    assert not [f for f in c.get("/api/v1/review", headers=AUTH).json() if f["id"] == item["id"]]
    decided = [f for f in c.get("/api/v1/review", headers=AUTH, params={"state": "decided"}).json()
               if f["id"] == item["id"]]
    assert decided and decided[0]["decision"]["decision"] == "dismissed"


def test_confirm_keeps_the_alert(world: tuple[Any, dict[str, int], Any]) -> None:
    app, ids, settings = world
    c = _client(app)
    item = next(f for f in c.get("/api/v1/review", headers=AUTH).json()
                if f["agency_id"] == ids["inconsistent"] and f["rule"] == "T3-BALANCE")
    r = c.post(f"/api/v1/findings/{item['id']}/decision", headers=AUTH, json={"decision": "confirmed", "note": "属实"})
    assert r.status_code == 200 and r.json()["decision"] == "confirmed"
    alert = _alert(settings, ids["inconsistent"])
    assert alert.state == "firing" and _deliveries(settings, alert.id) == [("firing", "pending")]
    assert c.post("/api/v1/findings/999999/decision", headers=AUTH, json={"decision": "confirmed"}).status_code == 404
    assert c.post(f"/api/v1/findings/{item['id']}/decision", headers=AUTH,
                  json={"decision": "maybe"}).status_code == 422


def test_follow_up_shows_in_matrix_agency_page_and_exports(world: tuple[Any, dict[str, int], Any]) -> None:
    from openpyxl import load_workbook

    app, ids, _ = world
    c = _client(app)
    r = c.put(f"/api/v1/follow-ups/{ids['late']}/2025", headers=AUTH,
              json={"state": "notified", "note": "已发函 2026-04-02"})
    assert r.status_code == 200 and r.json()["state"] == "notified" and r.json()["updated_by"] == "admin via token"
    assert c.put(f"/api/v1/follow-ups/{ids['late']}/2025", headers=AUTH, json={"state": "bogus"}).status_code == 422
    assert "已通知整改" in c.get("/", headers=AUTH).text
    assert "已发函 2026-04-02" in c.get(f"/agencies/{ids['late']}", headers=AUTH).text
    csv_text = c.get("/api/v1/export/audit.csv", headers=AUTH, params={"year": 2025}).content.decode("utf-8-sig")
    assert "已通知整改：已发函 2026-04-02" in csv_text
    wb = load_workbook(io.BytesIO(c.get("/api/v1/export/audit.xlsx", headers=AUTH, params={"year": 2025}).content))
    ws = wb["明细 detail"]
    header = [cell.value for cell in ws[2]]
    follow = header.index("整改跟进 follow-up")
    values = {row[1]: row[follow] for row in ws.iter_rows(min_row=3, values_only=True)}
    assert values["示例县教育局"] == "已通知整改：已发函 2026-04-02"


def test_review_page_lists_and_forms_decide(world: tuple[Any, dict[str, int], Any]) -> None:
    app, ids, settings = world
    c = _client(app)
    page = c.get("/review", headers=AUTH).text
    assert 'id="review"' in page and "驳回 dismiss" in page and "确认 confirm" in page
    assert "“自然人”列" in page
    read_page = c.get("/review", headers={"Authorization": f"Bearer {READ}"}).text
    assert "驳回 dismiss" not in read_page
