"""Claiming units of work with a lease, so that every unit is done once even when a
worker dies, a message is lost or delivered twice.

A unit (a crawl run, a document version, an agency-year, a delivery) is a row with
``state`` and ``lease_until``. A worker claims it with one conditional UPDATE: only a
``pending`` row, or a ``running`` row whose lease has expired, can be claimed. A second
delivery of the same message finds the row ``running`` (lease valid) or ``done`` and does
nothing — that is what makes the tasks idempotent.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import Session

from models import utcnow


def claim(session: Session, model: Any, unit_id: int, *, lease_seconds: int,
          now: datetime | None = None) -> bool:
    """Take the lease on one unit; ``False`` when it is done or leased by someone else."""
    now = now or utcnow()
    stmt = (update(model)
            .where(model.id == unit_id)
            .where(or_(model.state == "pending",
                       and_(model.state == "running", model.lease_until < now)))
            .values(state="running", lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=model.attempts + 1))
    claimed = session.exec(stmt).rowcount == 1  # type: ignore[call-overload]
    session.commit()
    return claimed


def finish(session: Session, model: Any, unit_id: int, *, state: str = "done",
           error: str | None = None) -> None:
    """Release the lease with a final state (``done``, ``failed``) or back to ``pending``."""
    values: dict[str, Any] = {"state": state, "lease_until": None}
    if hasattr(model, "last_error"):
        values["last_error"] = error
    elif hasattr(model, "error"):
        values["error"] = error
    session.exec(update(model).where(model.id == unit_id).values(**values))  # type: ignore[call-overload]
    session.commit()


def expired(session: Session, model: Any, *, now: datetime | None = None) -> list[int]:
    """Units whose worker vanished (lease expired) or that were never picked up."""
    from sqlmodel import select

    now = now or utcnow()
    rows = session.exec(select(model.id).where(
        or_(model.state == "pending", and_(model.state == "running", model.lease_until < now))))
    return list(rows)
