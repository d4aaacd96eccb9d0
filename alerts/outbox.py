"""Deliver what the outbox holds: plan due messages (:mod:`alerts.notify`), then send each
frozen :class:`models.Notification` once, with retries, exponential backoff and jitter,
``Retry-After`` and 410 Gone kept in the database rather than in a worker's memory."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from alerts import messages
from alerts.channels import Channel, Message, get_channel
from alerts.config import AlertsConfig, load_config
from alerts.notify import plan, record_sent, release_group
from ground.errors import ConfigError, DeliveryError, EndpointGone
from models import Delivery, DisabledEndpoint, Notification, utcnow
from models.lease import backoff as lease_backoff
from models.lease import claim

#: retries double from 30 s up to 10 min (``GKWATCH_NOTIFY_RETRY_BASE_SECONDS`` /
#: ``…_MAX_SECONDS``): a receiver back after an outage of days gets its backlog within
#: minutes (and the first success releases the rest at once, see send_one)
BASE_DELAY, MAX_DELAY = 30.0, 600.0


def backoff(attempts: int, *, retry_after: float | None = None, base: float = BASE_DELAY,
            cap: float = MAX_DELAY) -> float:
    """Seconds to wait before the next try (:func:`models.lease.backoff`); a receiver's
    ``Retry-After`` wins (within a day)."""
    if retry_after is not None:
        return min(max(retry_after, 1.0), 24 * 3600.0)
    return lease_backoff(attempts, base=base, cap=cap)


@dataclass
class DeliveryReport:
    """Messages sent, rescheduled and given up in one call of :func:`deliver_due`."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    planned: int = 0


class SweepChannels:
    """The channels of one sweep, made at their first send and closed at its end: the
    sends of a sweep share what a channel keeps open (an SMTP connection, a webhook
    receiver's keep-alive connection)."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self._made: dict[str, Channel] = {}

    def get(self, kind: str) -> Channel:
        """The sweep's channel of ``kind`` (:class:`ConfigError` for an unknown kind)."""
        ch = self._made.get(kind)
        if ch is None:
            ch = self._made[kind] = get_channel(kind, self.settings)
        return ch

    def __enter__(self) -> "SweepChannels":
        return self

    def __exit__(self, *exc: object) -> None:
        for ch in self._made.values():
            ch.close()
        self._made.clear()


def deliver_due(session: Session, *, settings: Any, now: datetime | None = None,
                lease_seconds: int | None = None, flush: bool = False,
                config: AlertsConfig | None = None) -> DeliveryReport:
    """Plan the messages that are due, then send every due message once; failures are
    rescheduled, never dropped (until ``retry_hours`` have passed)."""
    fixed_now = now
    config = config or load_config(settings)
    # a claim is recorded before the send: a sender that dies after sending leaves the
    # row claimed, and it is sent again (same message id) once this short lease is over
    lease_seconds = lease_seconds or int(getattr(settings, "notify_lease_seconds", 60))
    report = DeliveryReport()
    with SweepChannels(settings) as channels:
        # A sent message frees its group, whose newer events waited behind it: plan again
        # then, rather than leave them to the next tick (a queue worker may have none soon).
        for _ in range(10):
            now = fixed_now or utcnow()
            report.planned += plan(session, config=config, now=now, flush=flush)
            sent_before = report.sent
            # pending and due, or claimed by a worker that died (its lease ran out)
            due = session.exec(select(Notification.id).where(or_(
                and_(Notification.state == "pending", Notification.next_attempt_at <= now),
                and_(Notification.state == "running", Notification.lease_until < now)))  # type: ignore[operator]
                .order_by(col(Notification.id))).all()
            for nid in due:
                if claim(session, Notification, nid, lease_seconds=lease_seconds, now=now):  # type: ignore[arg-type]
                    send_one(session, nid, settings=settings, config=config, now=now,  # type: ignore[arg-type]
                             report=report, channels=channels)
            if report.sent == sent_before:
                break
    return report


def message_for(n: Notification) -> Message:
    return Message(target=n.target, message_id=n.message_id, subject=n.subject,
                   text=messages.text(n.events, reason=n.reason),
                   html=messages.html_body(n.events, subject_line=n.subject, reason=n.reason),
                   events=n.events, reason=n.reason)


def send_one(session: Session, nid: int, *, settings: Any, config: AlertsConfig, now: datetime,
             report: DeliveryReport, channels: SweepChannels) -> None:
    """Send one claimed notification over the sweep's ``channels`` and record the outcome
    (commits)."""
    n = session.get(Notification, nid)
    assert n is not None
    session.refresh(n)
    try:
        channels.get(n.channel).send(message_for(n))
    except EndpointGone as exc:
        _give_up(session, n, str(exc), report=report)
        _disable(session, n, str(exc))
    except ConfigError as exc:
        _give_up(session, n, str(exc), report=report)
    except DeliveryError as exc:
        if now - n.created_at >= timedelta(hours=config.retry_hours):
            _give_up(session, n, f"gave up after {n.attempts} attempts: {exc}", report=report)
        else:
            n.state, n.lease_until, n.last_error = "pending", None, str(exc)[:2000]
            n.next_attempt_at = now + timedelta(seconds=backoff(
                n.attempts, retry_after=exc.retry_after, base=getattr(settings, "notify_retry_base_seconds", BASE_DELAY),
                cap=getattr(settings, "notify_retry_max_seconds", MAX_DELAY)))
            _rows(session, n, state="batched", error=n.last_error)
            report.failed += 1
    else:
        n.state, n.sent_at, n.lease_until, n.last_error = "sent", utcnow(), None, None
        _rows(session, n, state="sent", error=None, sent_at=n.sent_at)
        record_sent(session, n, now=now)
        report.sent += 1
        _receiver_is_back(session, n, now=now)
        release_group(session, n)
    session.add(n)
    session.commit()


def _receiver_is_back(session: Session, n: Notification, *, now: datetime) -> None:
    """A send to this target worked: what waits for it in backoff is due now, not after
    the rest of its (possibly long) backoff."""
    for other in session.exec(select(Notification).where(
            Notification.channel == n.channel, Notification.target == n.target,
            Notification.state == "pending", Notification.next_attempt_at > now)).all():  # type: ignore[operator]
        other.next_attempt_at = now
        session.add(other)


def _rows(session: Session, n: Notification, *, state: str, error: str | None,
          sent_at: datetime | None = None) -> None:
    """The outcome on the message's outbox rows: one UPDATE for all of them (a digest of
    a burst holds thousands)."""
    if not n.delivery_ids:
        return
    values: dict[str, Any] = {"state": state, "last_error": error}
    if sent_at:
        values["sent_at"] = sent_at
    session.exec(update(Delivery).where(col(Delivery.id).in_(n.delivery_ids)).values(**values))  # type: ignore[call-overload]


def _give_up(session: Session, n: Notification, error: str, *, report: DeliveryReport) -> None:
    n.state, n.lease_until, n.last_error = "dead", None, error[:2000]
    _rows(session, n, state="dead", error=n.last_error)
    report.dead += 1
    release_group(session, n)


def _disable(session: Session, n: Notification, reason: str) -> None:
    """410 Gone: stop sending to this endpoint, and drop what still waits for it."""
    if session.exec(select(DisabledEndpoint).where(DisabledEndpoint.channel == n.channel,
                                                   DisabledEndpoint.target == n.target)).first() is None:
        session.add(DisabledEndpoint(channel=n.channel, target=n.target, reason=reason[:2000]))
    for other in session.exec(select(Notification).where(
            Notification.channel == n.channel, Notification.target == n.target,
            Notification.state == "pending")).all():
        other.state, other.last_error = "dead", "endpoint disabled after 410 Gone"
        session.add(other)
