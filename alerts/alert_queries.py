"""Read-side views of alerting for the CLI and the web app."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from alerts.config import AlertsConfig
from alerts.mute import Muter, alert_labels
from models import Agency, Alert, Delivery, Silence, utcnow


def list_alerts(session: Session, *, config: AlertsConfig, state: str = "firing",
                now: datetime | None = None) -> list[dict[str, Any]]:
    """Alerts (``firing``, ``resolved`` or ``all``) with their delivery states and, for
    firing ones, what holds their notification back right now."""
    now = now or utcnow()
    query = select(Alert).order_by(col(Alert.id))
    if state != "all":
        query = query.where(Alert.state == state)
    muter = Muter(session, inhibit=config.inhibit, now=now)
    names = {a.id: a.name for a in session.exec(select(Agency)).all()}
    out = []
    for alert in session.exec(query).all():
        deliveries = session.exec(select(Delivery).where(Delivery.alert_id == alert.id)).all()
        counts = Counter(d.state for d in deliveries if d.generation == alert.generation)
        labels = alert_labels(session, alert)
        skipped = next((d.last_error for d in deliveries if d.state == "skipped" and d.last_error), None)
        out.append({"id": alert.id, "kind": alert.kind, "rule": alert.rule,
                    "agency": names.get(alert.agency_id or -1), "year": alert.year, "state": alert.state,
                    "severity": alert.severity, "since": alert.starts_at.isoformat(),
                    "fingerprint": alert.fingerprint[:12], "summary_zh": alert.summary_zh,
                    "deliveries": dict(counts),
                    "muted": muter.reason(alert, labels) if alert.state == "firing" else None,
                    "note": skipped})
    return out


def silence_rows(silences: list[Silence], *, now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or utcnow()
    return [{"id": s.id, "matchers": s.matchers, "starts_at": s.starts_at.isoformat(timespec="minutes"),
             "ends_at": s.ends_at.isoformat(timespec="minutes"),
             "active": s.starts_at <= now < s.ends_at, "comment": s.comment, "created_by": s.created_by}
            for s in silences]
