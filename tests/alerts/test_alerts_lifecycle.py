"""Alert lifecycle: reminders, backfill, corrections resolving alerts, P-UNREACHABLE,
and the alerts configuration file."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from alerts.config import load_config
from alerts.evaluate import evaluate_agency_year
from alerts.outbox import deliver_due
from gkwatch.sinks import SmtpSink
from ground.errors import ConfigError
from models import (
    AgencyCreate,
    Alert,
    Delivery,
    Document,
    DocumentVersion,
    Finding,
    Portal,
    Report,
    utcnow,
)
from models.crud import upsert_agency

BJ = ZoneInfo("Asia/Shanghai")


def _agency(session: Session, name: str, kind: str = "部门", region: str = "示例县") -> int:
    a = upsert_agency(session, data=AgencyCreate(name=name, kind=kind, region=region))
    session.commit()
    return a.id  # type: ignore[return-value]


def _publish(session: Session, agency_id: int, year: int, when: datetime, *, url: str, sha: str = "a",
             portal_id: int | None = None, seen: datetime | None = None, failing: list[str] = ()) -> Report:
    doc = session.exec(select(Document).where(Document.url == url)).first()
    if doc is None:
        doc = Document(url=url, agency_id=agency_id, year=year, portal_id=portal_id,
                       first_seen_at=seen or utcnow())
        session.add(doc)
        session.flush()
    v = DocumentVersion(document_id=doc.id, sha256=sha * 64, published_at=when, state="done",
                        fetched_at=seen or utcnow())
    session.add(v)
    session.flush()
    r = Report(agency_id=agency_id, year=year, version_id=v.id, published_at=when, data={})
    session.add(r)
    session.flush()
    for rule in failing:
        session.add(Finding(agency_id=agency_id, year=year, version_id=v.id, report_id=r.id, rule=rule,
                            severity="error", status="fail", message_zh="表三勾稽关系不成立",
                            message_en="table 3 does not balance"))
    session.commit()
    return r


def _alerts(session: Session) -> dict[str, str]:
    return {a.kind: a.state for a in session.exec(select(Alert)).all()}


def test_reminder_before_the_deadline_then_missing(session, settings) -> None:
    settings = settings.model_copy(update={"alerts_reminder_days": 7})
    cfg = load_config(settings)
    aid = _agency(session, "示例县教育局")
    evaluate_agency_year(session, agency_id=aid, year=2024, config=cfg, now=datetime(2025, 1, 20, tzinfo=BJ))
    assert _alerts(session) == {}
    row = evaluate_agency_year(session, agency_id=aid, year=2024, config=cfg,
                               now=datetime(2025, 1, 26, 9, tzinfo=BJ))
    assert row.status == "pending" and _alerts(session) == {"reminder": "firing"}
    reminder = session.exec(select(Alert)).one()
    assert "剩余 5 天" in reminder.summary_zh
    evaluate_agency_year(session, agency_id=aid, year=2024, config=cfg, now=datetime(2025, 2, 1, 0, 1, tzinfo=BJ))
    assert _alerts(session) == {"reminder": "resolved", "P-MISSING": "firing"}
    # a reminder's end is not notified
    assert not session.exec(select(Delivery).where(Delivery.event == "resolved")).all()


def test_report_published_after_the_reminder_resolves_it_quietly(session, settings) -> None:
    cfg = load_config(settings.model_copy(update={"alerts_reminder_days": 10}))
    aid = _agency(session, "示例县财政局")
    evaluate_agency_year(session, agency_id=aid, year=2024, config=cfg, now=datetime(2025, 1, 25, tzinfo=BJ))
    _publish(session, aid, 2024, datetime(2025, 1, 28, 10, tzinfo=BJ), url="http://127.0.0.1/cz.html")
    row = evaluate_agency_year(session, agency_id=aid, year=2024, config=cfg, now=datetime(2025, 1, 29, tzinfo=BJ))
    assert row.status == "on_time" and _alerts(session) == {"reminder": "resolved"}


def test_corrected_report_resolves_inconsistent(session, settings) -> None:
    with SmtpSink() as smtp:
        settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                               "mail_to": ["office@example.invalid"]})
        cfg = load_config(settings)
        aid = _agency(session, "示例县市场监督管理局")
        _publish(session, aid, 2024, datetime(2025, 1, 20, tzinfo=BJ), url="http://127.0.0.1/sj.html",
                 failing=["T3-BALANCE"])
        row = evaluate_agency_year(session, agency_id=aid, year=2024, config=cfg,
                                   now=datetime(2025, 2, 10, tzinfo=BJ))
        assert row.rules_failed == ["T3-BALANCE"] and _alerts(session) == {"inconsistent": "firing"}
        assert deliver_due(session, settings=settings).sent == 1
        _publish(session, aid, 2024, datetime(2025, 1, 20, tzinfo=BJ), url="http://127.0.0.1/sj.html", sha="b")
        row = evaluate_agency_year(session, agency_id=aid, year=2024, config=cfg,
                                   now=datetime(2025, 2, 12, tzinfo=BJ))
        assert row.rules_failed == [] and row.status == "on_time"
        assert _alerts(session) == {"inconsistent": "resolved"}
        assert deliver_due(session, settings=settings).sent == 1
        assert "[已恢复 RESOLVED]" in smtp.messages[1].text and "T3-BALANCE" in smtp.messages[1].text
        assert "全部恢复" in smtp.messages[1].text


def test_backfill_old_late_report_found_by_first_crawl_is_recorded_not_notified(session, settings) -> None:
    cfg = load_config(settings.model_copy(update={"mail_to": ["office@example.invalid"]}))
    aid = _agency(session, "示例县交通运输局")
    first_crawl = datetime(2025, 11, 1, 10, tzinfo=BJ)
    portal = Portal(agency_id=aid, list_urls=["http://127.0.0.1/xxgk/"], first_crawled_at=first_crawl)
    session.add(portal)
    session.commit()
    # the 2022 report was published late, in April 2023; first seen by the first crawl
    _publish(session, aid, 2022, datetime(2023, 4, 2, tzinfo=BJ), url="http://127.0.0.1/old.html",
             portal_id=portal.id, seen=first_crawl, failing=["T3-TOTALS"])
    evaluate_agency_year(session, agency_id=aid, year=2022, config=cfg, now=first_crawl + timedelta(hours=1))
    assert _alerts(session) == {"P-LATE": "firing", "inconsistent": "firing"}
    rows = session.exec(select(Delivery)).all()
    assert rows and all(d.state == "skipped" and "backfill" in (d.last_error or "") for d in rows)
    # the years under watch (2023 and 2024 in November 2025) are notified even when old
    for year, published in ((2023, datetime(2024, 4, 2, tzinfo=BJ)), (2024, datetime(2025, 3, 20, tzinfo=BJ))):
        _publish(session, aid, year, published, url=f"http://127.0.0.1/{year}.html", portal_id=portal.id,
                 seen=first_crawl)
        evaluate_agency_year(session, agency_id=aid, year=year, config=cfg, now=first_crawl + timedelta(hours=1))
        late = session.exec(select(Alert).where(Alert.kind == "P-LATE", Alert.year == year)).one()
        states = {d.state for d in session.exec(select(Delivery).where(Delivery.alert_id == late.id)).all()}
        assert states == {"pending"}


def test_an_old_report_found_by_a_later_crawl_is_notified(session, settings) -> None:
    cfg = load_config(settings.model_copy(update={"mail_to": ["office@example.invalid"]}))
    aid = _agency(session, "示例县水利局")
    first_crawl = datetime(2025, 11, 1, 10, tzinfo=BJ)
    portal = Portal(agency_id=aid, list_urls=["http://127.0.0.1/sl/"], first_crawled_at=first_crawl)
    session.add(portal)
    session.commit()
    _publish(session, aid, 2022, datetime(2023, 4, 2, tzinfo=BJ), url="http://127.0.0.1/sl-old.html",
             portal_id=portal.id, seen=first_crawl + timedelta(days=3))
    evaluate_agency_year(session, agency_id=aid, year=2022, config=cfg, now=first_crawl + timedelta(days=3))
    assert {d.state for d in session.exec(select(Delivery)).all()} == {"pending"}


def test_unreachable_after_n_failures_from_config(session, settings, tmp_path: Path) -> None:
    cfg_file = tmp_path / "alerts.toml"
    cfg_file.write_text("[alerts]\nunreachable_after = 2\n", encoding="utf-8")
    cfg = load_config(settings.model_copy(update={"alerts_config": cfg_file, "mail_to": ["o@example.invalid"]}))
    aid = _agency(session, "示例县林业局")
    portal = Portal(agency_id=aid, list_urls=["http://127.0.0.1/ly/"], consecutive_failures=1)
    session.add(portal)
    session.commit()
    now = datetime(2025, 1, 10, tzinfo=BJ)
    evaluate_agency_year(session, agency_id=aid, year=2024, config=cfg, now=now)
    assert _alerts(session) == {}
    portal.consecutive_failures = 2
    session.add(portal)
    session.commit()
    evaluate_agency_year(session, agency_id=aid, year=2024, config=cfg, now=now)
    alert = session.exec(select(Alert)).one()
    assert alert.kind == "P-UNREACHABLE" and alert.year is None and alert.labels["portal_id"] == portal.id


def test_config_file_policy_routes_and_errors(settings, tmp_path: Path) -> None:
    good = tmp_path / "ok.toml"
    good.write_text("""
[policy]
grace_days = 1
regions = { "某市" = { "乡镇街道" = "02-20" } }
agencies = { "某市开发区管委会" = "02-29" }
[timers]
group_wait = "30s"
[[receivers]]
name = "ops"
email = "ops@example.invalid"
[[routes]]
match = { kind = "P-UNREACHABLE" }
receivers = ["ops"]
group_interval = "10m"
""", encoding="utf-8")
    cfg = load_config(settings.model_copy(update={"alerts_config": good}))
    assert cfg.policy.deadline(year=2024, kind="乡镇街道", region="某市").astimezone(BJ).date().isoformat() == "2025-02-21"
    # 29 February in a common year is its last day of February
    d = cfg.policy.deadline(year=2024, kind="部门", agency="某市开发区管委会")
    assert d.astimezone(BJ).date().isoformat() == "2025-03-01"  # 28 Feb + 1 grace day
    route = cfg.routes[0]
    assert route.timers.group_wait == 30 and route.timers.group_interval == 600
    assert route.receivers[0].target == "ops@example.invalid"
    for bad, word in [("[policy]\ndeadlines = { \"部门\" = \"13-01\" }\n", "MM-DD"),
                      ("[[routes]]\nreceivers = [\"nobody\"]\n", "receivers"),
                      ("[timers]\ngroup_wait = \"soon\"\n", "duration"),
                      ("[alerts]\nreminderdays = 3\n", "unknown key"),
                      ("not toml = = =", "alerts config")]:
        path = tmp_path / f"bad{abs(hash(bad))}.toml"
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(ConfigError, match=word):
            load_config(settings.model_copy(update={"alerts_config": path}))


def test_deadline_at_the_minute_through_evaluation_in_any_time_zone(session, settings) -> None:
    cfg = load_config(settings)
    on_time, late = _agency(session, "示例县审计局"), _agency(session, "示例县统计局")
    _publish(session, on_time, 2024, datetime(2025, 1, 31, 23, 30, tzinfo=BJ), url="http://127.0.0.1/sj.html")
    # 2025-02-01 00:10 Beijing time, given in UTC (2025-01-31 16:10Z): still late
    _publish(session, late, 2024, datetime(2025, 1, 31, 16, 10, tzinfo=timezone.utc), url="http://127.0.0.1/tj.html")
    now = datetime(2025, 2, 5, tzinfo=BJ)
    assert evaluate_agency_year(session, agency_id=on_time, year=2024, config=cfg, now=now).status == "on_time"
    assert evaluate_agency_year(session, agency_id=late, year=2024, config=cfg, now=now).status == "late"
