"""Tables of the notification side of alerting: silences, the notification log, the
per-group messages that are actually sent, and endpoints disabled by a 410.

``Delivery`` (in ``tables.py``) stays the outbox of alert *events* per receiver, written
in the same transaction as the alert change. The notifier groups pending deliveries of
one receiver and group into one ``Notification`` (a frozen message with a stable id,
retried with backoff), and the ``NotificationLog`` remembers per receiver and group what
was last sent, when and why — the record the timers and the repeat interval work from —
and ``NotificationFiring`` which alerts it last told that receiver are firing.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.tables import UTCDateTime, _json, _ts


class Silence(SQLModel, table=True):
    """Mutes every alert whose labels match ``matchers`` between ``starts_at`` and ``ends_at``."""

    id: Optional[int] = Field(default=None, primary_key=True)
    matchers: dict[str, Any] = _json({})
    comment: str = ""
    created_by: str = Field(default="", max_length=100)
    starts_at: datetime = _ts(now=True)
    ends_at: datetime = _ts(now=True)
    created_at: datetime = _ts(now=True)


class Notification(SQLModel, table=True):
    """One message to one receiver for one group; the unit of work of delivery.

    The content is frozen when it is planned, so every retry sends the same body under
    the same ``message_id`` (the ``webhook-id``), and receivers can de-duplicate.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    target: str = Field(max_length=500)
    group_key: str = Field(max_length=500, index=True)
    message_id: str = Field(max_length=64, unique=True)
    reason: str = Field(default="", max_length=40)
    subject: str = ""
    events: list[dict[str, Any]] = _json([])
    delivery_ids: list[int] = _json([])
    state: str = Field(default="pending", max_length=10, index=True)  # pending/running/sent/dead
    attempts: int = 0
    next_attempt_at: datetime = _ts(now=True)
    lease_until: Optional[datetime] = _ts()
    last_error: Optional[str] = None
    created_at: datetime = _ts(now=True)
    sent_at: Optional[datetime] = _ts()


class NotificationLog(SQLModel, table=True):
    """Per receiver and group: what was last sent, when, and why."""

    __table_args__ = (UniqueConstraint("channel", "target", "group_key"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    target: str = Field(max_length=500)
    group_key: str = Field(max_length=500)
    group_labels: dict[str, Any] = _json({})
    route: str = Field(default="", max_length=100)
    repeat_interval: float = 4 * 3600.0
    last_planned_at: Optional[datetime] = _ts()
    last_sent_at: Optional[datetime] = _ts()
    last_reason: str = Field(default="", max_length=40)
    last_message_id: str = Field(default="", max_length=64)
    # the alerts the receiver was last told are firing: NotificationFiring rows, one per
    # alert, so a send writes what changed rather than the whole list (a burst's group
    # holds tens of thousands)
    notifications: int = 0
    #: when the alerts still firing are told again (None: nothing to repeat); indexed, so a
    #: sweep reads the groups due for a repeat, not every group ever notified
    repeat_due_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime, index=True)


class NotificationFiring(SQLModel, table=True):
    """One alert the receiver of a group was last told is firing (its resolved notice
    removes it): what a resolved event is checked against, and what a repeat names."""

    __table_args__ = (UniqueConstraint("log_id", "fingerprint"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    log_id: int = Field(foreign_key="notificationlog.id")
    fingerprint: str = Field(max_length=64)


class DisabledEndpoint(SQLModel, table=True):
    """A receiver that answered 410 Gone: nothing more is sent to it until re-enabled."""

    __table_args__ = (UniqueConstraint("channel", "target"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    target: str = Field(max_length=500)
    reason: str = ""
    disabled_at: datetime = _ts(now=True)
