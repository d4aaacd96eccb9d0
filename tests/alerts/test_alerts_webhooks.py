"""Signed webhooks against a real receiver on 127.0.0.1 that verifies with the
``standardwebhooks`` package: outages, Retry-After, 410 Gone, redirects."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

standardwebhooks = pytest.importorskip("standardwebhooks")

from alerts.config import load_config  # noqa: E402
from alerts.evaluate import evaluate_agency_year  # noqa: E402
from alerts.outbox import deliver_due  # noqa: E402
from gkwatch.sinks import free_port  # noqa: E402
from models import AgencyCreate, Delivery, DisabledEndpoint, Notification, utcnow  # noqa: E402
from models.crud import upsert_agency  # noqa: E402

BJ = ZoneInfo("Asia/Shanghai")
SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"


class Receiver:
    """An HTTP endpoint that verifies Standard Webhooks signatures and de-duplicates by id."""

    def __init__(self, port: int, *, status: int = 204, headers: dict[str, str] | None = None) -> None:
        self.port, self.status, self.extra = port, status, headers or {}
        self.verified: list[dict[str, Any]] = []
        self.ids: list[str] = []
        self.rejected = 0
        self.httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        rec = self
        wh = standardwebhooks.Webhook(SECRET)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = wh.verify(body, {k: v for k, v in self.headers.items()})
                except standardwebhooks.webhooks.WebhookVerificationError:
                    rec.rejected += 1
                    self.send_response(400)
                    self.end_headers()
                    return
                if rec.status < 300:
                    rec.ids.append(self.headers["webhook-id"])
                    rec.verified.append(payload)
                self.send_response(rec.status)
                for k, v in rec.extra.items():
                    self.send_header(k, v)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


@pytest.fixture
def hook_settings(settings):
    def make(url: str):
        return settings.model_copy(update={"webhook_url": url, "webhook_secret": SECRET, "mail_to": [],
                                           "alerts_reminder_days": 0, "alerts_repeat_interval": 30 * 86400.0})
    return make


def _missing(session, settings, name: str) -> None:
    a = upsert_agency(session, data=AgencyCreate(name=name, kind="部门", region=name[:2]))
    session.commit()
    evaluate_agency_year(session, agency_id=a.id, year=2024, config=load_config(settings),
                         now=datetime(2025, 3, 1, tzinfo=BJ))


def test_receiver_down_for_hours_then_back_gets_every_notification_exactly_once(session, hook_settings) -> None:
    rec = Receiver(free_port())
    settings = hook_settings(rec.url)
    t = utcnow()
    # three changes while the receiver is down (connection refused): three messages, in order
    for i, name in enumerate(("甲县教育局", "甲县财政局", "甲县公安局")):
        _missing(session, settings, name)
        for _ in range(3):
            t += timedelta(hours=1)
            deliver_due(session, settings=settings, now=t)
        assert session.exec(select(Notification)).all()[0].attempts >= 1
    # one message in flight per receiver and group: the later events wait behind it
    assert len(session.exec(select(Notification)).all()) == 1
    rec.start()
    try:
        for _ in range(12):
            t += timedelta(hours=1)
            deliver_due(session, settings=settings, now=t)
        assert rec.rejected == 0
        assert len(rec.ids) == len(set(rec.ids)) == 2
        kinds = [(a["agency"], a["event"]) for p in rec.verified for a in p["alerts"]]
        assert sorted(kinds) == [("甲县公安局", "firing"), ("甲县教育局", "firing"), ("甲县财政局", "firing")]
        sent = session.exec(select(Notification)).all()
        assert [n.message_id for n in sent] == rec.ids and all(n.state == "sent" for n in sent)
        assert sent[0].attempts > 1  # the same message (same webhook-id) was retried
        assert {d.state for d in session.exec(select(Delivery)).all()} == {"sent"}
    finally:
        rec.stop()


def test_retry_after_is_honoured(session, hook_settings) -> None:
    rec = Receiver(free_port(), status=503, headers={"Retry-After": "7200"})
    rec.start()
    try:
        settings = hook_settings(rec.url)
        _missing(session, settings, "乙县教育局")
        now = utcnow()
        assert deliver_due(session, settings=settings, now=now).failed == 1
        n = session.exec(select(Notification)).one()
        assert n.next_attempt_at - now >= timedelta(seconds=7199)
        rec.status = 200
        assert deliver_due(session, settings=settings, now=now + timedelta(hours=1)).sent == 0
        assert deliver_due(session, settings=settings, now=now + timedelta(hours=2, seconds=1)).sent == 1
        assert len(rec.ids) == 1 and rec.ids[0] == n.message_id
    finally:
        rec.stop()


def test_410_disables_the_endpoint(session, hook_settings) -> None:
    rec = Receiver(free_port(), status=410)
    rec.start()
    try:
        settings = hook_settings(rec.url)
        _missing(session, settings, "丙县教育局")
        assert deliver_due(session, settings=settings).dead == 1
        assert session.exec(select(DisabledEndpoint)).one().target == rec.url
        _missing(session, settings, "丙县财政局")
        rec.status = 204
        assert deliver_due(session, settings=settings, now=utcnow() + timedelta(hours=1)).sent == 0
        assert rec.ids == []
        assert {d.state for d in session.exec(select(Delivery)).all()} == {"dead"}
    finally:
        rec.stop()


def test_redirect_is_not_followed_and_not_success(session, hook_settings) -> None:
    target = Receiver(free_port())
    redirect = Receiver(free_port(), status=302)
    target.start()
    redirect.start()
    redirect.extra = {"Location": target.url}
    try:
        settings = hook_settings(redirect.url)
        _missing(session, settings, "丁县教育局")
        assert deliver_due(session, settings=settings).failed == 1
        assert target.ids == []
        assert "302" in (session.exec(select(Notification)).one().last_error or "")
    finally:
        target.stop()
        redirect.stop()


def test_body_is_json_with_alert_labels(session, hook_settings) -> None:
    rec = Receiver(free_port())
    rec.start()
    try:
        settings = hook_settings(rec.url)
        _missing(session, settings, "戊县教育局")
        deliver_due(session, settings=settings)
        body = rec.verified[0]
        assert body["type"] == "gkwatch.alerts" and body["id"] == rec.ids[0]
        alert = body["alerts"][0]
        assert alert["kind"] == "P-MISSING" and alert["year"] == 2024 and alert["labels"]["region"] == "戊县"
        json.dumps(body, ensure_ascii=False)
    finally:
        rec.stop()


def test_receiver_down_for_three_days_gets_its_backlog_within_minutes_of_coming_back(session, hook_settings) -> None:
    """Lived through on the service's clock (ground.clock), not on the wall clock."""
    from ground import clock

    rec = Receiver(free_port())
    settings = hook_settings(rec.url).model_copy(update={"alerts_retry_hours": 96.0})
    with clock.use(clock.FrozenClock(datetime(2025, 3, 1, 9, tzinfo=BJ))) as t:
        for name in ("乙县教育局", "乙县财政局", "乙县公安局"):
            _missing(session, settings, name)
            t.advance(minutes=10)
            deliver_due(session, settings=settings)  # connection refused: backoff
        for _ in range(3 * 24 * 6):  # three days of sweeps every 10 minutes, receiver down
            t.advance(minutes=10)
            deliver_due(session, settings=settings)
        assert rec.ids == []
        pending = session.exec(select(Notification).where(Notification.state == "pending")).all()
        assert pending and all(n.attempts > 10 for n in pending)  # retried all along, never dropped

        def undelivered() -> int:
            session.expire_all()
            return sum(1 for d in session.exec(select(Delivery)).all() if d.state != "sent")

        rec.start()
        try:
            waited = 0
            while undelivered() and waited < 60:
                t.advance(minutes=1)
                waited += 1
                deliver_due(session, settings=settings)
        finally:
            rec.stop()
    # the backoff never exceeds 10 minutes, and the first success frees what waited behind it
    assert waited <= 11 + 5, waited
    sent = session.exec(select(Notification).where(Notification.state == "sent")).all()
    assert sorted(rec.ids) == sorted(n.message_id for n in sent) and len(set(rec.ids)) == len(rec.ids)
