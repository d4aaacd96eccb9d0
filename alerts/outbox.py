"""Deliver what the outbox holds: digests per email recipient, one signed POST per
webhook event, retries with exponential backoff and jitter kept in the database."""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from alerts.channels import Message, get_channel
from gkwatch.errors import ConfigError, DeliveryError, EndpointGone
from models import Alert, Delivery, utcnow
from models.lease import claim

MAX_ATTEMPTS = 20  # about 17 hours of retries with the backoff below
BASE_DELAY, MAX_DELAY = 30.0, 3600.0


def backoff(attempts: int, *, retry_after: float | None = None) -> float:
    """Seconds to wait before the next try: exponential with full jitter, capped."""
    if retry_after is not None:
        return min(max(retry_after, 1.0), 24 * 3600.0)
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0


def _event(alert: Alert, d: Delivery) -> dict[str, Any]:
    return {"event": d.event, "kind": alert.kind, "rule": alert.rule, "fingerprint": alert.fingerprint,
            "agency": d.payload.get("context", {}).get("agency"), "year": alert.year,
            "severity": alert.severity, "summary_zh": alert.summary_zh, "summary_en": alert.summary_en,
            "starts_at": alert.starts_at.isoformat(),
            "ends_at": alert.ends_at.isoformat() if alert.ends_at else None}


def _line(ev: dict[str, Any]) -> str:
    tag = "已恢复 RESOLVED" if ev["event"] == "resolved" else "告警 FIRING"
    return f"[{tag}] {ev['summary_zh']}\n    {ev['summary_en']}"


def deliver_due(session: Session, *, settings: Any, now: datetime | None = None,
                lease_seconds: int = 300) -> DeliveryReport:
    """Send every due delivery once; failures are rescheduled, never dropped."""
    now = now or utcnow()
    due = session.exec(select(Delivery).where(Delivery.state == "pending",
                                              Delivery.next_attempt_at <= now)
                       .order_by(col(Delivery.id))).all()
    groups: dict[tuple[str, str], list[Delivery]] = defaultdict(list)
    for d in due:
        groups[(d.channel, d.target)].append(d)
    report = DeliveryReport()
    for (channel_kind, target), items in groups.items():
        channel = get_channel(channel_kind, settings)
        batches = [items] if channel.digest else [[d] for d in items]
        for batch in batches:
            claimed = [d for d in batch if claim(session, Delivery, d.id, lease_seconds=lease_seconds, now=now)]  # type: ignore[arg-type]
            if claimed:
                _send_batch(session, channel, target, claimed, now=now, report=report)
    return report


def _send_batch(session: Session, channel: Any, target: str, batch: list[Delivery], *,
                now: datetime, report: DeliveryReport) -> None:
    for d in batch:
        session.refresh(d)
    events = [_event(session.get(Alert, d.alert_id), d) for d in batch]  # type: ignore[arg-type]
    firing = sum(1 for e in events if e["event"] == "firing")
    subject = f"【gkwatch】政府信息公开年报告警 {firing} 条，恢复 {len(events) - firing} 条"
    # one message id per delivery row keeps webhook-id stable across retries
    msg = Message(target=target, message_id=batch[0].message_id, subject=subject,
                  text="\n".join(_line(e) for e in events), events=events)
    try:
        channel.send(msg)
    except EndpointGone as exc:
        _fail(session, batch, error=str(exc), dead=True, now=now, report=report)
    except ConfigError as exc:
        _fail(session, batch, error=str(exc), dead=True, now=now, report=report)
    except DeliveryError as exc:
        _fail(session, batch, error=str(exc), dead=False, now=now, report=report,
              retry_after=exc.retry_after)
    else:
        for d in batch:
            d.state, d.sent_at, d.lease_until, d.last_error = "sent", utcnow(), None, None
            session.add(d)
        report.sent += len(batch)
    session.commit()


def _fail(session: Session, batch: list[Delivery], *, error: str, dead: bool, now: datetime,
          report: DeliveryReport, retry_after: float | None = None) -> None:
    for d in batch:
        d.last_error, d.lease_until = error[:2000], None
        if dead or d.attempts >= MAX_ATTEMPTS:
            d.state = "dead"
            report.dead += 1
        else:
            d.state = "pending"
            d.next_attempt_at = now + timedelta(seconds=backoff(d.attempts, retry_after=retry_after))
            report.failed += 1
        session.add(d)
