"""What a receiver was told is firing is kept one row per alert (``NotificationFiring``):
a message reads and writes the rows of its own alerts only, however many the group told
before (a burst's digest group holds tens of thousands), and migration 0007 moves the
old JSON lists into rows and back."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from alembic import command
from sqlalchemy import event, text
from sqlmodel import Session, select

from alerts.config import AlertsConfig
from alerts.notify import plan, record_sent, told_firing
from alerts.routes import Route, Timers
from models import (
    Alert,
    Delivery,
    Notification,
    NotificationFiring,
    NotificationLog,
    utcnow,
)
from models.db import alembic_config, get_engine, session_scope, upgrade

ROUTE = Route(name="office", timers=Timers(group_wait=0.0, group_interval=0.0, repeat_interval=86400.0))


def _row(alert: Alert, event_: str, state: str = "pending") -> Delivery:
    key, labels = ROUTE.group_key(alert.labels)
    return Delivery(alert_id=alert.id, generation=alert.generation, event=event_, channel="email",  # type: ignore[arg-type]
                    target="office@example.invalid", message_id=f"msg_{uuid.uuid4().hex}", state=state,
                    group_key=key, payload={"labels": alert.labels, "context": {}, "group": key,
                                            "group_labels": labels, "route": ROUTE.name,
                                            "timers": {"group_wait": 0.0, "group_interval": 0.0,
                                                       "repeat_interval": 86400.0}})


def _told_group(s: Session, n: int) -> tuple[NotificationLog, list[Alert]]:
    """A group whose receiver was told of ``n`` firing alerts a while ago."""
    alerts = [Alert(fingerprint=uuid.uuid4().hex, kind="P-LATE", labels={"kind": "P-LATE", "agency_id": i})
              for i in range(n)]
    s.add_all(alerts)
    s.flush()
    s.add_all([_row(a, "firing", "sent") for a in alerts])
    now = utcnow()
    log = NotificationLog(channel="email", target="office@example.invalid", group_key=ROUTE.group_key({})[0],
                          route=ROUTE.name, repeat_interval=86400.0, last_planned_at=now - timedelta(hours=1),
                          last_sent_at=now - timedelta(hours=1), notifications=1)
    s.add(log)
    s.flush()
    s.add_all([NotificationFiring(log_id=log.id, fingerprint=a.fingerprint) for a in alerts])  # type: ignore[arg-type]
    s.commit()
    return log, alerts


def _send(s: Session, config: Any, statements: list[str]) -> Notification:
    """Plan the due message and record it as sent, keeping every statement's parameters."""
    def on_execute(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(f"{statement} {parameters}")

    engine = s.get_bind()
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        now = utcnow()
        assert plan(s, config=config, now=now) == 1
        n = s.exec(select(Notification).where(Notification.state == "pending")).one()
        n.state = "sent"
        record_sent(s, n, now=now)
        s.add(n)
        s.commit()
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return n


def test_a_message_reads_and_writes_only_its_own_alerts(settings) -> None:
    config = AlertsConfig(routes=(ROUTE,))
    with session_scope(settings.effective_database_url) as s:
        log, told = _told_group(s, 300)
        new = Alert(fingerprint=uuid.uuid4().hex, kind="P-LATE", labels={"kind": "P-LATE", "agency_id": 300})
        s.add(new)
        s.flush()
        s.add(_row(new, "firing"))
        s.commit()
        statements: list[str] = []
        n = _send(s, config, statements)
        assert n.reason == "new alerts" and [e["fingerprint"] for e in n.events] == [new.fingerprint]
        assert told_firing(s, log) == {a.fingerprint for a in told} | {new.fingerprint}
        # not one of the 300 alerts told before was read or written by that send
        assert not [fp for fp in (a.fingerprint for a in told) if any(fp in st for st in statements)]

        # one of them resolves: its row goes, the others stay, and the reason says so
        gone = told[7]
        gone.state = "resolved"
        s.add(gone)
        s.flush()
        s.add(_row(gone, "resolved"))
        s.commit()
        statements.clear()
        n = _send(s, config, statements)
        assert n.reason == "some resolved" and [e["event"] for e in n.events] == ["resolved"]
        assert told_firing(s, log) == {a.fingerprint for a in told if a is not gone} | {new.fingerprint}
        assert not [a for a in told if a is not gone and any(a.fingerprint in st for st in statements)]


def test_migration_0007_moves_the_firing_lists_into_rows_and_back(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    upgrade(url, "0006")
    with get_engine(url).begin() as c:
        c.execute(text("INSERT INTO notificationlog (channel, target, group_key, group_labels, route, "
                       "repeat_interval, last_reason, last_message_id, firing, notifications) VALUES "
                       "('email', 'a@example.invalid', 'default:{}', '{}', 'default', 14400, '', '', "
                       "'[\"fp-b\", \"fp-a\", \"fp-b\"]', 1), "
                       "('email', 'b@example.invalid', 'default:{}', '{}', 'default', 14400, '', '', '[]', 0)"))
    upgrade(url)
    with Session(get_engine(url)) as s:
        logs = {log.target: log for log in s.exec(select(NotificationLog)).all()}
        assert told_firing(s, logs["a@example.invalid"]) == {"fp-a", "fp-b"}
        assert told_firing(s, logs["b@example.invalid"]) == set()
        assert len(s.exec(select(NotificationFiring)).all()) == 2
    cfg = alembic_config(url)
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    with get_engine(url).connect() as c:
        lists = {t: json.loads(f) if isinstance(f, str) else f
                 for t, f in c.execute(text("SELECT target, firing FROM notificationlog")).all()}
    assert lists == {"a@example.invalid": ["fp-b", "fp-a"], "b@example.invalid": []}
