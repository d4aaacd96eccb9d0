"""Grouping, timers, the notification log, silences and inhibition, with a real SMTP
server (aiosmtpd) and a real HTTP receiver on 127.0.0.1."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from alerts.config import load_config
from alerts.evaluate import evaluate_agency_year
from alerts.mute import add_silence, expire_silence
from alerts.notify import told_firing
from alerts.outbox import deliver_due
from gkwatch.sinks import SmtpSink, WebhookSink
from models import (
    AgencyCreate,
    Alert,
    Delivery,
    Notification,
    NotificationLog,
    Portal,
    utcnow,
)
from models.crud import upsert_agency
from models.db import get_engine
from models.lease import claim

BJ = ZoneInfo("Asia/Shanghai")
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
AUDIT = datetime(2025, 3, 1, tzinfo=BJ)  # after the 31 January deadline of 2024 reports

CONFIG = """
[timers]
group_wait = "30s"
group_interval = "5m"
repeat_interval = "4h"

[[receivers]]
name = "county"
email = ["county@example.invalid"]

[[receivers]]
name = "auditor"
email = ["auditor@example.invalid"]
webhook = ["{hook}"]

[[routes]]
name = "jia"
match = {{ region = "甲县" }}
receivers = ["county"]
group_by = ["region"]

[[routes]]
name = "all"
receivers = ["auditor"]
"""


@pytest.fixture
def env(settings, tmp_path: Path):
    with SmtpSink() as smtp, WebhookSink(secret=SECRET) as hook:
        cfg = tmp_path / "alerts.toml"
        cfg.write_text(CONFIG.format(hook=hook.url), encoding="utf-8")
        s = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                        "webhook_secret": SECRET, "alerts_config": cfg,
                                        "alerts_reminder_days": 0})
        yield s, smtp, hook


def _agency(session: Session, name: str, region: str) -> int:
    a = upsert_agency(session, data=AgencyCreate(name=name, kind="部门", region=region))
    session.commit()
    return a.id  # type: ignore[return-value]


def _evaluate(session: Session, settings, agency_id: int, now: datetime = AUDIT) -> None:
    evaluate_agency_year(session, agency_id=agency_id, year=2024, config=load_config(settings), now=now)


def _mails_to(smtp: SmtpSink, rcpt: str) -> list:
    return [m for m in smtp.messages if rcpt in m.rcpt_to]


def test_one_digest_per_recipient_per_group_with_timers_and_repeat(session, env) -> None:
    settings, smtp, hook = env
    ids = [_agency(session, f"甲县{n}局", "甲县") for n in ("教育", "财政", "公安")]
    ids.append(_agency(session, "乙县教育局", "乙县"))
    for aid in ids:
        _evaluate(session, settings, aid)
    t0 = utcnow()
    # group_wait: nothing goes out before 30 s
    assert deliver_due(session, settings=settings, now=t0).sent == 0 and smtp.messages == []
    rep = deliver_due(session, settings=settings, now=t0 + timedelta(seconds=31))
    assert rep.sent == 3  # county digest, auditor digest, auditor webhook
    county, auditor = _mails_to(smtp, "county@example.invalid"), _mails_to(smtp, "auditor@example.invalid")
    assert len(county) == 1 and len(auditor) == 1 and len(hook.received) == 1
    assert county[0].text.count("[告警 FIRING]") == 3 and "乙县" not in county[0].text
    assert auditor[0].text.count("[告警 FIRING]") == 4
    assert "甲县" in county[0].subject and "告警 3 条" in county[0].subject
    assert len(hook.received[0]["body"]["alerts"]) == 4 and hook.received[0]["signature_ok"] is True
    log = session.exec(select(NotificationLog).where(NotificationLog.target == "county@example.invalid")).one()
    assert log.last_reason == "first notification" and len(told_firing(session, log)) == 3

    # a new alert in the same group waits for group_interval after the last message
    _evaluate(session, settings, _agency(session, "甲县民政局", "甲县"))
    assert deliver_due(session, settings=settings, now=t0 + timedelta(seconds=60)).sent == 0
    rep = deliver_due(session, settings=settings, now=t0 + timedelta(seconds=31 + 301))
    assert rep.sent == 3
    county = _mails_to(smtp, "county@example.invalid")
    assert len(county) == 2 and county[1].text.count("[告警 FIRING]") == 1 and "民政局" in county[1].text
    session.refresh(log)
    assert log.last_reason == "new alerts" and len(told_firing(session, log)) == 4

    # re-evaluating and a fresh worker (new engine session) send nothing twice
    with Session(get_engine(settings.effective_database_url), expire_on_commit=False) as fresh:
        for aid in ids:
            _evaluate(fresh, settings, aid)
        assert deliver_due(fresh, settings=settings, now=t0 + timedelta(minutes=20)).sent == 0
    assert len(smtp.messages) == 4 and len(hook.received) == 2

    # still firing after repeat_interval: one reminder of everything that still fires
    later = t0 + timedelta(seconds=332) + timedelta(hours=4, seconds=1)
    assert deliver_due(session, settings=settings, now=later).sent == 3
    county = _mails_to(smtp, "county@example.invalid")
    assert len(county) == 3 and "仍有 4 条" in county[2].subject and county[2].text.count("STILL FIRING") == 4
    assert deliver_due(session, settings=settings, now=later + timedelta(minutes=10)).sent == 0


def test_worker_killed_after_planning_sends_once_after_the_lease(session, env) -> None:
    settings, smtp, hook = env
    settings = settings.model_copy(update={"alerts_config": None, "mail_to": ["x@example.invalid"]})
    _evaluate(session, settings, _agency(session, "丙县教育局", "丙县"))
    from alerts.notify import plan

    now = utcnow()
    assert plan(session, config=load_config(settings), now=now) == 1
    n = session.exec(select(Notification)).one()
    # a worker claims it and dies before sending
    assert claim(session, Notification, n.id, lease_seconds=300, now=now)
    assert deliver_due(session, settings=settings, now=now + timedelta(seconds=10)).sent == 0
    assert deliver_due(session, settings=settings, now=now + timedelta(seconds=301)).sent == 1
    assert deliver_due(session, settings=settings, now=now + timedelta(seconds=900)).sent == 0
    assert len(smtp.messages) == 1 and smtp.messages[0].message_id == n.message_id


def test_silence_holds_until_it_expires(session, env) -> None:
    settings, smtp, hook = env
    settings = settings.model_copy(update={"alerts_config": None, "mail_to": ["x@example.invalid"]})
    a, b = _agency(session, "丁县教育局", "丁县"), _agency(session, "丁县财政局", "丁县")
    silence = add_silence(session, matchers={"kind": "P-MISSING", "agency": "丁县教育局"},
                          duration=timedelta(days=1), comment="已电话督促")
    _evaluate(session, settings, a)
    _evaluate(session, settings, b)
    now = utcnow()
    assert deliver_due(session, settings=settings, now=now).sent == 1
    assert "丁县财政局" in smtp.messages[0].text and "丁县教育局" not in smtp.messages[0].text
    held = session.exec(select(Delivery).where(Delivery.state == "pending")).one()
    assert "silenced" in (held.last_error or "")
    assert deliver_due(session, settings=settings, now=now + timedelta(hours=1)).sent == 0
    expire_silence(session, silence.id, now=now + timedelta(hours=2))
    assert deliver_due(session, settings=settings, now=now + timedelta(hours=2, seconds=1)).sent == 1
    assert "丁县教育局" in smtp.messages[1].text and len(smtp.messages) == 2


def test_unreachable_portal_inhibits_missing_until_it_recovers(session, env) -> None:
    settings, smtp, hook = env
    settings = settings.model_copy(update={"alerts_config": None, "mail_to": ["x@example.invalid"]})
    aid = _agency(session, "戊县教育局", "戊县")
    portal = Portal(agency_id=aid, list_urls=["http://127.0.0.1:9/xxgk/"], consecutive_failures=3)
    session.add(portal)
    session.commit()
    _evaluate(session, settings, aid)
    kinds = {a.kind: a.state for a in session.exec(select(Alert)).all()}
    assert kinds == {"P-UNREACHABLE": "firing", "P-MISSING": "firing"}
    now = utcnow()
    assert deliver_due(session, settings=settings, now=now).sent == 1
    assert "无法抓取" in smtp.messages[0].text and "未在" not in smtp.messages[0].text
    held = session.exec(select(Delivery).where(Delivery.state == "pending")).one()
    assert "inhibited by P-UNREACHABLE" in (held.last_error or "")

    portal.consecutive_failures = 0
    session.add(portal)
    session.commit()
    _evaluate(session, settings, aid)
    assert deliver_due(session, settings=settings, now=now + timedelta(minutes=1)).sent == 1
    text = smtp.messages[1].text
    assert "[已恢复 RESOLVED]" in text and "无法抓取" in text and "[告警 FIRING]" in text and "未在" in text


def test_a_retried_email_carries_the_same_message_id(session, env) -> None:
    """A crash between sending and recording re-sends the message: the copy has the same
    Message-ID header, so it is the same message to the receiver, like webhook-id."""
    from alerts.channels.email import message_id_header
    from alerts.outbox import message_for

    settings, smtp, hook = env
    settings = settings.model_copy(update={"alerts_config": None, "mail_to": ["x@example.invalid"]})
    _evaluate(session, settings, _agency(session, "戊县教育局", "戊县"))
    from alerts.channels import get_channel
    from alerts.notify import plan

    assert plan(session, config=load_config(settings), now=utcnow()) == 1
    n = session.exec(select(Notification)).one()
    email = get_channel("email", settings)
    first, again = email.build(message_for(n)), email.build(message_for(n))
    assert first["Message-ID"] == again["Message-ID"] == message_id_header(n.message_id)
    email.send(message_for(n))
    email.send(message_for(n))  # the repeat after a crash
    assert len(smtp.messages) == 2
    assert {m.header_id for m in smtp.messages} == {message_id_header(n.message_id)}


def test_a_sender_that_died_mid_send_holds_its_group_only_for_the_short_lease(session, env) -> None:
    from alerts.channels.email import message_id_header

    settings, smtp, hook = env
    settings = settings.model_copy(update={"alerts_config": None, "mail_to": ["x@example.invalid"],
                                           "notify_lease_seconds": 45})
    _evaluate(session, settings, _agency(session, "己县教育局", "己县"))
    from alerts.notify import plan

    now = utcnow()
    assert plan(session, config=load_config(settings), now=now) == 1
    n = session.exec(select(Notification)).one()
    # the sender claims it (the attempt is on record), sends, and dies before recording it
    assert claim(session, Notification, n.id, lease_seconds=settings.notify_lease_seconds, now=now)
    assert deliver_due(session, settings=settings, now=now + timedelta(seconds=30)).sent == 0
    assert deliver_due(session, settings=settings, now=now + timedelta(seconds=46)).sent == 1
    assert [m.header_id for m in smtp.messages] == [message_id_header(n.message_id)]
