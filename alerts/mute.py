"""Silences and inhibition: why a firing alert is held back right now.

Both act at notification time, as in Alertmanager: the alert keeps firing (and shows in
``gkwatch alerts list``), only its notification waits. A silence expired by hand frees
it for the next delivery tick; when a silence runs out or the inhibiting alert resolves it
goes out within a minute (the planner looks at muted events again that often).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from alerts.config import InhibitRule
from alerts.routes import matches
from ground.errors import ConfigError
from models import Alert, Delivery, Silence, utcnow


def add_silence(session: Session, *, matchers: dict[str, Any], duration: timedelta, comment: str = "",
                created_by: str = "", now: datetime | None = None) -> Silence:
    """Mute alerts matching ``matchers`` for ``duration`` from ``now``."""
    if not matchers:
        raise ConfigError("a silence needs at least one matcher (label=value)")
    if duration <= timedelta(0):
        raise ConfigError("a silence needs a positive duration")
    now = now or utcnow()
    row = Silence(matchers=dict(matchers), comment=comment, created_by=created_by, starts_at=now,
                  ends_at=now + duration, created_at=now)
    session.add(row)
    session.commit()
    return row


def expire_silence(session: Session, silence_id: int, *, now: datetime | None = None) -> Silence:
    """End a silence now (it stays listed as expired)."""
    now = now or utcnow()
    row = session.get(Silence, silence_id)
    if row is None:
        raise LookupError(f"silence {silence_id} does not exist")
    if row.ends_at > now:
        row.ends_at = now
        session.add(row)
        # what it held back is due at once, not at the planner's next look at muted events
        session.exec(update(Delivery).where(  # type: ignore[call-overload]
            Delivery.state == "pending", col(Delivery.last_error).is_not(None),
            col(Delivery.plan_after).is_not(None)).values(plan_after=None))
        session.commit()
    return row


def list_silences(session: Session, *, now: datetime | None = None,
                  include_expired: bool = False) -> list[Silence]:
    now = now or utcnow()
    query = select(Silence).order_by(col(Silence.id))
    if not include_expired:
        query = query.where(Silence.ends_at > now)
    return list(session.exec(query).all())


def alert_labels(session: Session, alert: Alert) -> dict[str, Any]:
    """An alert's labels plus its routing context (agency name, region, agency kind)."""
    last = session.exec(select(Delivery.payload).where(Delivery.alert_id == alert.id)
                        .order_by(col(Delivery.id).desc())).first()
    labels = dict((last or {}).get("labels") or {})
    labels.update(alert.labels)
    labels.setdefault("severity", alert.severity)
    return labels


def _source_kinds(inhibit: tuple[InhibitRule, ...]) -> list[str] | None:
    """The alert kinds that can inhibit others, when every rule names them (else None)."""
    kinds: list[str] = []
    for rule in inhibit:
        want = rule.source.get("kind")
        if want is None:
            return None
        kinds += [str(k) for k in (want if isinstance(want, (list, tuple)) else [want])]
    return kinds


class Muter:
    """Answers "is this alert held back, and by what?" for one delivery tick."""

    def __init__(self, session: Session, *, inhibit: tuple[InhibitRule, ...], now: datetime) -> None:
        self.silences = list_silences(session, now=now)
        self.silences = [s for s in self.silences if s.starts_at <= now]
        self.inhibit = inhibit
        self.sources: list[tuple[Alert, dict[str, Any]]] = []
        if inhibit:
            firing = select(Alert).where(Alert.state == "firing")
            kinds = _source_kinds(inhibit)
            if kinds is not None:  # only alerts that can be a source: not every alert firing
                firing = firing.where(col(Alert.kind).in_(kinds))
            for alert in session.exec(firing).all():
                # cheap test on the identity labels first; the full labels cost a query
                if not any(matches({k: v for k, v in r.source.items() if k in alert.labels}, alert.labels)
                           for r in inhibit):
                    continue
                labels = alert_labels(session, alert)
                if any(matches(r.source, labels) for r in inhibit):
                    self.sources.append((alert, labels))

    def reason(self, alert: Alert, labels: dict[str, Any]) -> str | None:
        for s in self.silences:
            if matches(s.matchers, labels):
                return f"silenced by #{s.id} until {s.ends_at.isoformat(timespec='minutes')}"
        for rule in self.inhibit:
            for source, source_labels in self.sources:
                if source.id != alert.id and rule.inhibits(source_labels, labels):
                    return f"inhibited by {source.kind} (alert #{source.id})"
        return None
