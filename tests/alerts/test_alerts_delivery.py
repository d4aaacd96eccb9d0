"""Alert lifecycle and delivery with a real SMTP server (aiosmtpd) and a real HTTP receiver."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from alerts.config import load_config
from alerts.evaluate import evaluate_agency_year
from alerts.outbox import deliver_due
from alerts.policy import DeadlinePolicy
from gkwatch.sinks import SmtpSink, WebhookSink
from models import (
    AgencyCreate,
    Alert,
    Delivery,
    Document,
    DocumentVersion,
    Notification,
    Report,
    utcnow,
)
from models.crud import upsert_agency

BJ = ZoneInfo("Asia/Shanghai")
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _publish(session, agency_id: int, year: int, when: datetime, url: str = "http://127.0.0.1/r.html") -> None:
    doc = Document(url=url, agency_id=agency_id, year=year, title=f"{year}年政府信息公开工作年度报告")
    session.add(doc)
    session.flush()
    v = DocumentVersion(document_id=doc.id, sha256="a" * 64, published_at=when, state="done")
    session.add(v)
    session.flush()
    session.add(Report(agency_id=agency_id, year=year, version_id=v.id, published_at=when, data={}))
    session.commit()


@pytest.fixture
def receivers(settings):
    with SmtpSink() as smtp, WebhookSink(secret=SECRET) as hook:
        s = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                        "mail_to": ["office@example.invalid"], "webhook_url": hook.url,
                                        "webhook_secret": SECRET})
        yield s, smtp, hook


def test_missing_then_late_report_resolves_missing_and_fires_late(session, receivers) -> None:
    settings, smtp, hook = receivers
    agency = upsert_agency(session, data=AgencyCreate(name="示例县教育局", kind="部门", region="示例县"))
    session.commit()
    policy, routes = DeadlinePolicy(), list(load_config(settings).routes)
    now = datetime(2025, 2, 10, tzinfo=BJ)
    row = evaluate_agency_year(session, agency_id=agency.id, year=2024, policy=policy, routes=routes, now=now)
    assert row.status == "missing"
    # evaluating again changes nothing: same alert, no second delivery
    evaluate_agency_year(session, agency_id=agency.id, year=2024, policy=policy, routes=routes, now=now)
    assert len(session.exec(select(Delivery)).all()) == 2  # one email, one webhook
    assert deliver_due(session, settings=settings).sent == 2
    assert len(smtp.messages) == 1 and "示例县教育局" in smtp.messages[0].text
    assert "告警" in smtp.messages[0].subject
    assert hook.received[0]["signature_ok"] is True
    assert hook.received[0]["body"]["alerts"][0]["kind"] == "P-MISSING"

    _publish(session, agency.id, 2024, datetime(2025, 2, 12, 10, 0, tzinfo=BJ))
    row = evaluate_agency_year(session, agency_id=agency.id, year=2024, policy=policy, routes=routes,
                               now=datetime(2025, 2, 13, tzinfo=BJ))
    assert row.status == "late"
    alerts = {a.kind: a.state for a in session.exec(select(Alert)).all()}
    assert alerts == {"P-MISSING": "resolved", "P-LATE": "firing"}
    deliver_due(session, settings=settings)
    events = sorted((a["kind"], a["event"]) for r in hook.received for a in r["body"]["alerts"])
    assert events == [("P-LATE", "firing"), ("P-MISSING", "firing"), ("P-MISSING", "resolved")]
    # the email of the second round is one digest carrying both events
    assert len(smtp.messages) == 2 and "RESOLVED" in smtp.messages[1].text and "FIRING" in smtp.messages[1].text


def test_receiver_down_then_back_gets_each_notification_once_with_same_id(session, receivers) -> None:
    settings, smtp, hook = receivers
    settings = settings.model_copy(update={"mail_to": []})
    hook.fail_first = 2
    agency = upsert_agency(session, data=AgencyCreate(name="示例镇人民政府", kind="乡镇街道"))
    session.commit()
    evaluate_agency_year(session, agency_id=agency.id, year=2024, policy=DeadlinePolicy(),
                         routes=list(load_config(settings).routes), now=datetime(2025, 3, 1, tzinfo=BJ))
    first = deliver_due(session, settings=settings)
    assert first.failed == 1 and hook.received == []
    n = session.exec(select(Notification)).one()
    assert n.state == "pending" and n.next_attempt_at > utcnow()
    assert session.exec(select(Delivery)).one().state == "batched"
    # not due yet: nothing is sent before the backoff has passed
    assert deliver_due(session, settings=settings).sent == 0
    later = utcnow() + timedelta(hours=2)
    assert deliver_due(session, settings=settings, now=later).failed == 1
    assert deliver_due(session, settings=settings, now=later + timedelta(hours=2)).sent == 1
    assert deliver_due(session, settings=settings, now=later + timedelta(hours=4)).sent == 0
    assert len(hook.received) == 1
    assert hook.received[0]["headers"]["webhook-id"] == n.message_id
    assert hook.received[0]["signature_ok"] is True
    assert session.exec(select(Delivery)).one().state == "sent"


def test_smtp_server_down_keeps_the_delivery_for_later(session, settings) -> None:
    from gkwatch.sinks import free_port

    settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port(),
                                           "mail_to": ["x@example.invalid"]})
    agency = upsert_agency(session, data=AgencyCreate(name="示例县财政局", kind="部门"))
    session.commit()
    evaluate_agency_year(session, agency_id=agency.id, year=2024, policy=DeadlinePolicy(),
                         routes=list(load_config(settings).routes), now=datetime(2025, 3, 1, tzinfo=BJ))
    rep = deliver_due(session, settings=settings)
    assert rep.failed == 1 and rep.sent == 0
    n = session.exec(select(Notification)).one()
    assert n.state == "pending" and "SMTP" in (n.last_error or "")
    assert "SMTP" in (session.exec(select(Delivery)).one().last_error or "")


def test_webhook_to_loopback_is_refused_unless_allowed(session, settings) -> None:
    with WebhookSink(secret=SECRET) as hook:
        strict = settings.model_copy(update={"webhook_url": hook.url, "webhook_secret": SECRET,
                                             "webhook_allow_private": False})
        agency = upsert_agency(session, data=AgencyCreate(name="示例县公安局", kind="部门"))
        session.commit()
        evaluate_agency_year(session, agency_id=agency.id, year=2024, policy=DeadlinePolicy(),
                             routes=list(load_config(strict).routes), now=datetime(2025, 3, 1, tzinfo=BJ))
        rep = deliver_due(session, settings=strict)
        assert rep.dead == 1 and hook.received == []
        assert "private" in (session.exec(select(Delivery)).one().last_error or "")


@pytest.mark.filterwarnings("ignore:Requiring AUTH")
def test_email_digest_has_chinese_subject_plain_text_html_and_uses_auth(session, settings) -> None:
    from email import message_from_bytes
    from email import policy as email_policy

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from gkwatch.sinks import free_port

    received, logins = [], []

    class Handler:
        async def handle_DATA(self, server, sess, envelope):  # type: ignore[no-untyped-def]
            received.append(message_from_bytes(envelope.content, policy=email_policy.default))
            return "250 OK"

    def authenticator(server, sess, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
        logins.append((mechanism, ok))
        return AuthResult(success=ok)

    port = free_port()
    # AUTH without TLS only because this server is on 127.0.0.1 inside the test
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        s = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_user": "gkwatch",
                                        "smtp_password": "s3cret", "mail_to": ["office@example.invalid"]})
        for name in ("示例县教育局", "示例县财政局"):
            agency = upsert_agency(session, data=AgencyCreate(name=name, kind="部门", region="示例县"))
            session.commit()
            evaluate_agency_year(session, agency_id=agency.id, year=2024, policy=DeadlinePolicy(),
                                 routes=list(load_config(s).routes), now=datetime(2025, 3, 1, tzinfo=BJ))
        assert deliver_due(session, settings=s).sent == 1
        assert logins and all(ok for _, ok in logins)
        msg = received[0]
        assert str(msg["Subject"]).startswith("【gkwatch】政府信息公开年报告警") and "告警 2 条" in str(msg["Subject"])
        plain = msg.get_body(preferencelist=("plain",)).get_content()
        html = msg.get_body(preferencelist=("html",)).get_content()
        assert "示例县教育局" in plain and "示例县财政局" in plain
        assert "<table" in html and "未发布" in html and "示例县财政局" in html
    finally:
        controller.stop()
