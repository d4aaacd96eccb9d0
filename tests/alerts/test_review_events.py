"""The review queue offers a version's warnings too (issue 17): a change after publication
(P-CHANGED) and an unreadable document (P-UNPARSED) can be dismissed or confirmed by an
admin. Dismissing resolves the alert without a new notification and it does not fire
again for that document version; confirming keeps it firing."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

pytest.importorskip("fastapi")

from tests.support.web import build_sample, make_settings  # noqa: E402

TOKEN = "review-events-admin"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.fixture
def world(tmp_path: Path) -> tuple[Any, dict[str, int], Any]:
    from gkwatch.web import create_app
    from ground.catalogue import publication_finding
    from models import Document, DocumentVersion, Finding
    from models.db import session_scope

    settings = make_settings(tmp_path, web_admin_tokens=[TOKEN], mail_to=["office@example.invalid"])
    ids = build_sample(settings)
    with session_scope(settings.effective_database_url) as s:
        # the edited report of 示例县水利局: a change after publication on its newest version
        changed = publication_finding("P-CHANGED", "numbers", where={"url": "http://127.0.0.1:9/3/2025.html"},
                                      count=1, shown="3.1 自然人 1 → 3", shown_en="3.1 natural persons 1 → 3", more="")
        s.add(Finding(agency_id=ids["inconsistent"], year=2025, version_id=ids["version_inconsistent"],
                      rule="P-CHANGED", severity=changed["severity"], status="fail", where=changed["where"],
                      message_zh=changed["message_zh"], message_en=changed["message_en"]))
        # 示例县财政局 published a page that never parses
        doc = Document(url="http://127.0.0.1:9/2/2025.html", agency_id=ids["missing"], year=2025,
                       title="示例县财政局2025年政府信息公开工作年度报告")
        s.add(doc)
        s.flush()
        body = b"<html><body>scan</body></html>"
        v = DocumentVersion(document_id=doc.id, sha256=hashlib.sha256(body).hexdigest(), size=len(body),  # type: ignore[arg-type]
                            content_type="text/html", snapshot="", state="failed",
                            published_at=datetime(2026, 1, 10, tzinfo=UTC))
        s.add(v)
        s.flush()
        doc.current_version_id = v.id
        unparsed = publication_finding("P-UNPARSED", "given_up", where={"document": doc.url, "attempts": 3},
                                       attempts=3, error="解析超时 timeout", url=doc.url)
        s.add(Finding(agency_id=ids["missing"], year=2025, version_id=v.id, rule="P-UNPARSED",
                      severity=unparsed["severity"], status="fail", where=unparsed["where"],
                      message_zh=unparsed["message_zh"], message_en=unparsed["message_en"]))
    for key in ("inconsistent", "missing"):
        _evaluate(settings, ids[key])
    return create_app(settings), ids, settings


def _evaluate(settings: Any, agency_id: int) -> None:
    from alerts.config import load_config
    from alerts.evaluate import evaluate_agency_year
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        evaluate_agency_year(s, agency_id=agency_id, year=2025, config=load_config(settings), now=NOW)


def _alert(settings: Any, agency_id: int, kind: str) -> tuple[str, int, list[tuple[str, str]]]:
    from models import Alert, Delivery
    from models.db import session_scope

    with session_scope(settings.effective_database_url) as s:
        a = s.exec(select(Alert).where(Alert.agency_id == agency_id, Alert.kind == kind)).one()
        return a.state, a.generation, sorted((d.event, d.state) for d in s.exec(
            select(Delivery).where(Delivery.alert_id == a.id)))


def _item(c: Any, agency_id: int, rule: str) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    assert isinstance(c, TestClient)
    return next(f for f in c.get("/api/v1/review", headers=AUTH).json()
                if f["agency_id"] == agency_id and f["rule"] == rule)


@pytest.mark.parametrize("key,rule", [("inconsistent", "P-CHANGED"), ("missing", "P-UNPARSED")])
def test_dismissing_a_version_warning_resolves_its_alert_quietly(world: Any, key: str, rule: str) -> None:
    from fastapi.testclient import TestClient

    app, ids, settings = world
    c = TestClient(app)
    assert _alert(settings, ids[key], rule) == ("firing", 1, [("firing", "pending")])
    item = _item(c, ids[key], rule)
    assert item["report_id"] is None and item["severity"] == "warning"
    page = c.get("/review", headers=AUTH).text
    assert f'data-rule="{rule}"' in page
    # no report page to go to: the item links the document as crawled and its snapshot
    entry = page.split(f'id="finding-{item["id"]}"', 1)[1].split("</li>", 1)[0]
    assert f'href="/api/v1/versions/{item["version_id"]}/snapshot"' in entry
    assert 'class="link-source"' in entry and "http://127.0.0.1:9/" in entry
    r = c.post(f"/api/v1/findings/{item['id']}/decision", headers=AUTH,
               json={"decision": "dismissed", "note": "浏览次数变化，不是修改 a view counter"})
    assert r.status_code == 200 and r.json()["evaluated"], r.text
    assert _alert(settings, ids[key], rule) == ("resolved", 1, [("firing", "pending"), ("resolved", "skipped")])
    _evaluate(settings, ids[key])  # same version again: it stays resolved, nothing new is sent
    assert _alert(settings, ids[key], rule) == ("resolved", 1, [("firing", "pending"), ("resolved", "skipped")])
    if rule == "P-CHANGED":  # the matrix no longer says changed
        rows = c.get("/api/v1/statuses", headers=AUTH, params={"year": 2025}).json()
        assert next(r for r in rows if r["agency_id"] == ids[key])["status"] != "changed"


@pytest.mark.parametrize("key,rule", [("inconsistent", "P-CHANGED"), ("missing", "P-UNPARSED")])
def test_confirming_a_version_warning_keeps_its_alert(world: Any, key: str, rule: str) -> None:
    from fastapi.testclient import TestClient

    app, ids, settings = world
    c = TestClient(app)
    item = _item(c, ids[key], rule)
    r = c.post(f"/api/v1/findings/{item['id']}/decision", headers=AUTH, json={"decision": "confirmed", "note": "属实"})
    assert r.status_code == 200
    _evaluate(settings, ids[key])
    assert _alert(settings, ids[key], rule) == ("firing", 1, [("firing", "pending")])
