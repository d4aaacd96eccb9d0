"""The notifier: turns pending outbox rows into one message per receiver and group.

In the manner of Alertmanager, per (receiver, group) and driven by the notification log:

* the first message of a group waits ``group_wait`` after its oldest pending event;
* later messages about changes wait ``group_interval`` after the previous one;
* alerts still firing are sent again after ``repeat_interval`` without news;
* a resolved event goes out only to receivers that were told the alert was firing;
* silenced or inhibited alerts wait (their rows stay pending) until nothing mutes them;
* at most one message per receiver and group is in flight, so they arrive in order.

A planned message is frozen in a :class:`models.Notification` row (stable id across
retries) in the same transaction that marks its outbox rows ``batched``.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from alerts import messages
from alerts.config import AlertsConfig
from alerts.lifecycle import EVENT_KINDS, QUIET_RESOLVE_KINDS
from alerts.mute import Muter, alert_labels
from alerts.routes import Timers
from models import (
    Alert,
    Delivery,
    DisabledEndpoint,
    Notification,
    NotificationFiring,
    NotificationLog,
)

GroupId = tuple[str, str, str]  # channel, target, group key


def _log(session: Session, gid: GroupId) -> NotificationLog | None:
    return session.exec(select(NotificationLog).where(
        NotificationLog.channel == gid[0], NotificationLog.target == gid[1],
        NotificationLog.group_key == gid[2])).first()


def told_firing(session: Session, log: NotificationLog | None,
                fingerprints: set[str] | None = None) -> set[str]:
    """The alerts the receiver of ``log``'s group was last told are firing; of
    ``fingerprints`` only when given (a message looks up its own events, not the list)."""
    if log is None or log.id is None or fingerprints is not None and not fingerprints:
        return set()
    query = select(NotificationFiring.fingerprint).where(NotificationFiring.log_id == log.id)
    if fingerprints is not None:
        query = query.where(col(NotificationFiring.fingerprint).in_(sorted(fingerprints)))
    return set(session.exec(query).all())


def _told_others(session: Session, log: NotificationLog, besides: set[str]) -> bool:
    """Whether the receiver was told of a firing alert other than ``besides`` (one row read)."""
    query = select(NotificationFiring.id).where(NotificationFiring.log_id == log.id)
    if besides:
        query = query.where(col(NotificationFiring.fingerprint).not_in(sorted(besides)))
    return session.exec(query.limit(1)).first() is not None


def _in_flight(session: Session, gid: GroupId) -> Notification | None:
    """The group's message not yet sent, if any (one at a time, so they arrive in order)."""
    return session.exec(select(Notification).where(
        Notification.channel == gid[0], Notification.target == gid[1], Notification.group_key == gid[2],
        col(Notification.state).in_(("pending", "running")))).first()


def _skip(session: Session, d: Delivery, why: str) -> None:
    d.state, d.last_error = "skipped", why
    session.add(d)


def _choose(session: Session, rows: list[Delivery], log: NotificationLog | None,
            muter: Muter) -> list[tuple[Delivery, Alert]]:
    """The rows of one group that may be sent now; stale ones are skipped, muted ones wait."""
    by_alert: dict[int, list[Delivery]] = defaultdict(list)
    for d in rows:
        by_alert[d.alert_id].append(d)
    # one query for the group's alerts, not one per alert
    alerts = {a.id: a for a in session.exec(select(Alert).where(col(Alert.id).in_(list(by_alert) or [-1]))).all()}
    latest_of = {aid: max(items, key=lambda d: (d.generation, d.event == "resolved", d.id or 0))
                 for aid, items in by_alert.items()}
    # a resolved event goes to a receiver told it was firing: asked for those alerts only
    told = told_firing(session, log, {alerts[aid].fingerprint for aid, d in latest_of.items()
                                      if d.event == "resolved" and aid in alerts})
    ready: list[tuple[Delivery, Alert]] = []
    for alert_id, items in by_alert.items():
        alert = alerts.get(alert_id)
        latest = latest_of[alert_id]
        for d in items:
            if d is not latest:
                _skip(session, d, "superseded by a later event of the same alert")
        if alert is None:
            _skip(session, latest, "alert no longer exists")
            continue
        if latest.event == "resolved":
            if alert.fingerprint in told:
                ready.append((latest, alert))
            else:
                _skip(session, latest, "resolved before this receiver was told it was firing")
            continue
        if alert.state != "firing" or alert.generation != latest.generation:
            _skip(session, latest, "no longer firing")
            continue
        why = muter.reason(alert, latest.payload.get("labels") or alert.labels)
        if why:
            if latest.last_error != why:
                latest.last_error = why
                session.add(latest)
            continue
        ready.append((latest, alert))
    return ready


def _reason(session: Session, log: NotificationLog | None, events: list[dict[str, Any]]) -> str:
    if log is None or log.last_sent_at is None and not log.notifications:
        return "first notification"
    if any(e["event"] == "firing" for e in events):
        return "new alerts"
    still = _told_others(session, log, {e["fingerprint"] for e in events})
    return "some resolved" if still else "all resolved"


def _freeze(session: Session, gid: GroupId, *, events: list[dict[str, Any]], reason: str,
            group_labels: dict[str, Any], delivery_ids: list[int], now: datetime) -> Notification:
    n = Notification(channel=gid[0], target=gid[1], group_key=gid[2], message_id=f"msg_{uuid.uuid4().hex}",
                     reason=reason, subject=messages.subject(events, reason=reason, group=group_labels),
                     events=events, delivery_ids=delivery_ids, next_attempt_at=now, created_at=now)
    session.add(n)
    return n


#: a muted event is looked at again this often (a silence may end or be lifted early)
MUTE_RECHECK = timedelta(seconds=60)


def group_of(d: Delivery) -> GroupId:
    """The (channel, target, group key) of an outbox row (rows written before the
    ``group_key`` column carry it in their payload only)."""
    if not d.group_key:
        d.group_key = str(d.payload.get("group") or "default:{}")
    return (d.channel, d.target, d.group_key)


def _due_groups(session: Session, *, now: datetime, flush: bool) -> dict[GroupId, list[Delivery]]:
    """The groups with a pending row due at ``now``, each with all its pending rows."""
    due = select(Delivery).where(Delivery.state == "pending")
    if not flush:
        due = due.where(or_(col(Delivery.plan_after).is_(None), col(Delivery.plan_after) <= now))
    gids = {group_of(d) for d in session.exec(due).all()}
    session.flush()  # group keys filled in above are visible to the queries below
    groups: dict[GroupId, list[Delivery]] = {}
    for gid in sorted(gids):
        groups[gid] = list(session.exec(select(Delivery).where(
            Delivery.state == "pending", Delivery.channel == gid[0], Delivery.target == gid[1],
            Delivery.group_key == gid[2]).order_by(col(Delivery.id))).all())
    return groups


def _wait(rows: list[Delivery], until: datetime, session: Session) -> None:
    for d in rows:
        if d.state == "pending" and (d.plan_after is None or d.plan_after < until):
            d.plan_after = until
            session.add(d)


def plan(session: Session, *, config: AlertsConfig, now: datetime, flush: bool = False) -> int:
    """Freeze every message that is due at ``now``; returns how many were planned.

    A sweep reads only the rows due at ``now`` (``plan_after``): a group that waits for a
    timer, for its message in flight or for a silence is pushed to when that can change,
    so what a sweep costs follows what it has to send, not how many alerts exist.
    ``flush`` ignores ``group_wait`` and ``group_interval`` (a demo, ``alerts test``).
    """
    muter = Muter(session, inhibit=config.inhibit, now=now)
    disabled = {(e.channel, e.target) for e in session.exec(select(DisabledEndpoint)).all()}
    planned = 0
    for gid, rows in _due_groups(session, now=now, flush=flush).items():
        if (gid[0], gid[1]) in disabled:
            for d in rows:
                d.state, d.last_error = "dead", "endpoint disabled after 410 Gone"
                session.add(d)
            continue
        flight = _in_flight(session, gid)
        if flight is not None:
            # looked at again when that message can have gone (a success also releases it)
            _wait(rows, max(flight.next_attempt_at, flight.lease_until or now, now), session)
            continue
        log = _log(session, gid)
        ready = _choose(session, rows, log, muter)
        _wait([d for d in rows if d.state == "pending" and d.last_error and
               all(d is not r for r, _ in ready)], now + MUTE_RECHECK, session)
        if not ready:
            continue
        timers = Timers(**(ready[0][0].payload.get("timers") or {}))
        if log is None or log.last_planned_at is None:
            due = min(d.created_at for d, _ in ready) + timedelta(seconds=timers.group_wait)
        else:
            due = log.last_planned_at + timedelta(seconds=timers.group_interval)
        if due > now and not flush:
            _wait([d for d, _ in ready], due, session)
            continue
        events = [messages.event(a, d.payload.get("labels") or a.labels, event=d.event, public_url=config.public_url)
                  for d, a in ready]
        first = ready[0][0].payload
        group_labels = dict(first.get("group_labels") or {})
        ids = [d.id for d, _ in ready]
        session.commit()  # what was decided about the other groups stands whatever happens next
        # take the rows with a conditional UPDATE: a second notifier running at the same
        # time finds them taken and plans nothing, so no event is sent twice
        taken = session.exec(update(Delivery).where(col(Delivery.id).in_(ids), Delivery.state == "pending")  # type: ignore[call-overload]
                             .values(state="batched", last_error=None)).rowcount
        if taken != len(ids):
            session.rollback()
            continue
        _freeze(session, gid, events=events, reason=_reason(session, log, events), group_labels=group_labels,
                delivery_ids=ids, now=now)  # type: ignore[arg-type]
        log = log or NotificationLog(channel=gid[0], target=gid[1], group_key=gid[2])
        log.group_labels, log.route = group_labels, str(first.get("route") or "")
        log.repeat_interval, log.last_planned_at = timers.repeat_interval, now
        session.add(log)
        session.commit()
        planned += 1
    session.commit()
    return planned + _plan_repeats(session, muter=muter, now=now, disabled=disabled, public_url=config.public_url)


def release_group(session: Session, n: Notification) -> None:
    """The group's message in flight has gone (sent or given up): its waiting rows are due."""
    session.exec(update(Delivery).where(  # type: ignore[call-overload]
        Delivery.state == "pending", Delivery.channel == n.channel, Delivery.target == n.target,
        Delivery.group_key == n.group_key).values(plan_after=None))


def _plan_repeats(session: Session, *, muter: Muter, now: datetime, disabled: set[tuple[str, str]],
                  public_url: str = "") -> int:
    """Alerts still firing, told last more than ``repeat_interval`` ago: say so again."""
    planned = 0
    for log in session.exec(select(NotificationLog).where(col(NotificationLog.repeat_due_at) <= now)).all():
        told = _told_others(session, log, set())
        if not told or log.last_sent_at is None or (log.channel, log.target) in disabled:
            log.repeat_due_at = None if not told or log.last_sent_at is None else now + MUTE_RECHECK
            session.add(log)
            session.commit()
            continue
        gid = (log.channel, log.target, log.group_key)
        if _in_flight(session, gid) is not None:
            continue  # its send records a new repeat time
        # a repeat names every alert still firing: the one read of the whole list, once
        # per repeat interval
        alerts = session.exec(select(Alert).join(NotificationFiring, col(NotificationFiring.fingerprint)
                                                 == Alert.fingerprint)
                              .where(NotificationFiring.log_id == log.id, Alert.state == "firing")
                              .order_by(col(Alert.id))).all()
        still = {a.fingerprint for a in alerts}
        gone = told_firing(session, log) - still
        if gone:
            # resolved without a notice (route without send_resolved): forget them here
            session.exec(delete(NotificationFiring).where(  # type: ignore[call-overload]
                NotificationFiring.log_id == log.id, col(NotificationFiring.fingerprint).in_(sorted(gone))))
            session.commit()
        events = []
        for a in alerts:
            labels = alert_labels(session, a)
            if a.kind in EVENT_KINDS | QUIET_RESOLVE_KINDS or muter.reason(a, labels):
                continue
            events.append(messages.event(a, labels, event="firing", repeat=True, public_url=public_url))
        if not events:  # all muted now: looked at again in a minute
            log.repeat_due_at = now + MUTE_RECHECK if still else None
            session.add(log)
            session.commit()
            continue
        # the same guard for repeats: only the notifier that moves last_planned_at plans one
        moved = session.exec(update(NotificationLog).where(  # type: ignore[call-overload]
            NotificationLog.id == log.id, NotificationLog.last_planned_at == log.last_planned_at)
            .values(last_planned_at=now)).rowcount
        if moved != 1:
            session.rollback()
            continue
        _freeze(session, gid, events=events, reason="repeat", group_labels=dict(log.group_labels),
                delivery_ids=[], now=now)
        session.commit()
        planned += 1
    return planned


def record_sent(session: Session, n: Notification, *, now: datetime) -> None:
    """The notification log after a successful send: when, why, and what is firing now."""
    gid = (n.channel, n.target, n.group_key)
    log = _log(session, gid)
    if log is None:
        log = NotificationLog(channel=n.channel, target=n.target, group_key=n.group_key)
        session.add(log)
        session.flush()  # its id, for its firing rows
    firing: dict[str, bool] = {}  # fingerprint → told firing after this message (the last event wins)
    for e in n.events:
        if e["event"] == "firing" and e["kind"] not in EVENT_KINDS | QUIET_RESOLVE_KINDS:
            firing[e["fingerprint"]] = True
        elif e["event"] == "firing":
            # events and reminders are told once but never repeated; resolved
            # notices of reminders are not sent either
            continue
        else:
            firing[e["fingerprint"]] = False
    # only this message's alerts are read and written, however many the group told before
    now_firing = {fp for fp, on in firing.items() if on}
    known = told_firing(session, log, now_firing)
    session.add_all([NotificationFiring(log_id=log.id, fingerprint=fp)  # type: ignore[arg-type]
                     for fp, on in firing.items() if on and fp not in known])
    ended = sorted(fp for fp, on in firing.items() if not on)
    if ended:
        session.exec(delete(NotificationFiring).where(  # type: ignore[call-overload]
            NotificationFiring.log_id == log.id, col(NotificationFiring.fingerprint).in_(ended)))
    log.last_sent_at, log.last_reason, log.last_message_id = now, n.reason, n.message_id
    log.repeat_due_at = now + timedelta(seconds=log.repeat_interval) \
        if now_firing or _told_others(session, log, set()) else None
    log.notifications += 1
    session.add(log)
