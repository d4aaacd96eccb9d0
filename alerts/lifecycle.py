"""Alert lifecycle: stable identities, firing → resolved, and the outbox.

An alert's identity is a fingerprint of its labels (kind, agency, year, rule …), so
the same problem is one alert however often it is evaluated. Every state change writes
its notifications into the delivery outbox in the same transaction, so a crash can
neither lose a notification nor send one for a change that was rolled back.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from alerts.routes import Route, targets_for
from models import Alert, Delivery, DisabledEndpoint, utcnow

#: Kinds that describe an event rather than a condition: they never resolve.
EVENT_KINDS = {"P-CHANGED"}
#: Kinds whose end is not worth a notification (a reminder ends when the report appears
#: or when P-MISSING takes over).
QUIET_RESOLVE_KINDS = {"reminder"}


def fingerprint(labels: dict[str, Any]) -> str:
    """Stable identity of an alert: sha256 of its sorted labels."""
    blob = json.dumps(labels, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class AlertSpec:
    """An alert that should be firing now."""

    kind: str
    agency_id: int | None
    year: int | None
    severity: str
    summary_zh: str
    summary_en: str
    rule: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # identity labels beyond kind/agency/year/rule
    context: dict[str, Any] = field(default_factory=dict)  # routing labels (region, agency_kind …)
    #: why this alert is recorded but not notified (e.g. a backfilled old report)
    suppress: str | None = None

    @property
    def labels(self) -> dict[str, Any]:
        out = {"kind": self.kind, "agency_id": self.agency_id, "year": self.year}
        if self.rule:
            out["rule"] = self.rule
        out.update(self.extra)
        return out


def _enqueue(session: Session, alert: Alert, *, event: str, routes: list[Route],
             context: dict[str, Any], suppressed: str | None = None, fresh: bool = False,
             disabled: set[tuple[str, str]] | None = None) -> int:
    """Write the outbox rows of one alert event, one per receiver (same transaction).

    A row records its route's group and timers, so the notifier can batch it with the
    other events of that receiver and group. ``suppressed`` (backfill) writes the row as
    ``skipped`` with the reason, so the log still says why nothing was sent.
    ``fresh``: the alert row was created in this transaction, so it has no rows yet.
    ``disabled``: the endpoints disabled after 410 Gone, when the caller read them already.
    """
    labels = {**alert.labels, **context, "severity": alert.severity}
    if disabled is None:
        disabled = disabled_endpoints(session)
    count = 0
    for t in targets_for(labels, routes, event=event):
        receiver, route = t.receiver, t.route
        exists = not fresh and session.exec(select(Delivery.id).where(
            Delivery.alert_id == alert.id, Delivery.generation == alert.generation,
            Delivery.event == event, Delivery.channel == receiver.channel,
            Delivery.target == receiver.target)).first()
        if exists:
            continue
        group_key, group_labels = route.group_key(labels)
        row = Delivery(alert_id=alert.id, generation=alert.generation, event=event,  # type: ignore[arg-type]
                       channel=receiver.channel, target=receiver.target,
                       message_id=f"msg_{uuid.uuid4().hex}", group_key=group_key,
                       payload={"labels": labels, "context": context, "group": group_key,
                                "group_labels": group_labels, "route": route.name,
                                "timers": asdict(route.timers)})
        if suppressed:
            row.state, row.last_error = "skipped", suppressed
        elif (receiver.channel, receiver.target) in disabled:
            row.state, row.last_error = "dead", "endpoint disabled after 410 Gone"
        session.add(row)
        count += 1
    return count


def disabled_endpoints(session: Session) -> set[tuple[str, str]]:
    """(channel, target) of every endpoint disabled after 410 Gone."""
    return {(e.channel, e.target) for e in session.exec(select(DisabledEndpoint)).all()}


def sync_alerts(session: Session, *, scope: dict[str, Any], desired: list[AlertSpec],
                routes: list[Route], now: datetime | None = None) -> dict[str, int]:
    """Make the firing alerts of ``scope`` (agency_id, year) equal to ``desired``.

    ``scope["dismissed"]`` maps rules whose findings an admin dismissed to the reason
    their alerts resolve without a notification; ``scope["dismissed_events"]`` holds the
    document versions whose P-CHANGED event was dismissed (it resolves, quietly).

    New alerts fire (or fire again, with a new generation); alerts no longer desired
    resolve. Returns counts of fired and resolved alerts. Does not commit.
    """
    now = now or utcnow()
    fired = resolved = 0
    wanted = {fingerprint(spec.labels): spec for spec in desired}
    disabled: set[tuple[str, str]] | None = None  # read once, when the first event is written
    # one read: the alerts wanted (by fingerprint, in any state) and those firing in scope
    in_scope = and_(Alert.agency_id == scope.get("agency_id"), Alert.year == scope.get("year"),
                    Alert.state == "firing")
    known = session.exec(select(Alert).where(
        or_(col(Alert.fingerprint).in_(list(wanted)), in_scope) if wanted else in_scope)).all()
    by_fingerprint = {a.fingerprint: a for a in known}
    for fp, spec in wanted.items():
        alert = by_fingerprint.get(fp)
        if alert is not None and alert.state == "firing":
            continue
        if alert is not None and alert.kind in EVENT_KINDS:
            continue  # an event is notified once
        fresh = alert is None
        if alert is None:
            alert = Alert(fingerprint=fp, kind=spec.kind, agency_id=spec.agency_id, year=spec.year,
                          rule=spec.rule, labels=spec.labels, severity=spec.severity, starts_at=now)
        else:
            alert.generation += 1
            alert.starts_at, alert.ends_at = now, None
        alert.state, alert.updated_at = "firing", now
        alert.summary_zh, alert.summary_en = spec.summary_zh, spec.summary_en
        session.add(alert)
        session.flush()
        disabled = disabled_endpoints(session) if disabled is None else disabled
        _enqueue(session, alert, event="firing", routes=routes, context=spec.context,
                 suppressed=spec.suppress, fresh=fresh, disabled=disabled)
        fired += 1
    # those just fired are wanted, so the rest of the scope's firing ones are all read above
    current = [a for a in known if a.state == "firing" and a.agency_id == scope.get("agency_id")
               and a.year == scope.get("year")]
    dismissed_events = scope.get("dismissed_events") or set()
    for alert in current:
        if alert.fingerprint in wanted:
            continue
        # an event (P-CHANGED) stays firing until an admin dismisses the change it reports
        if alert.kind in EVENT_KINDS and (alert.labels or {}).get("version_id") not in dismissed_events:
            continue
        alert.state, alert.ends_at, alert.updated_at = "resolved", now, now
        session.add(alert)
        session.flush()
        if alert.kind not in QUIET_RESOLVE_KINDS:
            # resolved because an admin dismissed its finding: the office decided it, so the
            # resolution is logged (skipped, with the reason) but not sent
            quiet = (scope.get("dismissed") or {}).get(alert.rule) if alert.kind in ("inconsistent", "P-UNPARSED") \
                else None
            if alert.kind in EVENT_KINDS:
                quiet = "检查结果已被管理员驳回 finding dismissed by an admin"
            disabled = disabled_endpoints(session) if disabled is None else disabled
            _enqueue(session, alert, event="resolved", routes=routes, context=scope.get("context", {}),
                     suppressed=quiet, disabled=disabled)
        resolved += 1
    return {"fired": fired, "resolved": resolved}
