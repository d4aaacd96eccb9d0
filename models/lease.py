"""Claiming units of work with a lease, so that every unit is done once even when a
worker dies, a message is lost or delivered twice.

A unit (a crawl run, a document version, an agency-year, a delivery) is a row with
``state`` and ``lease_until``. A worker claims it with one conditional UPDATE: only a
``pending`` row, or a ``running`` row whose lease has expired, can be claimed. A second
delivery of the same message finds the row ``running`` (lease valid) or ``done`` and does
nothing — that is what makes the tasks idempotent.

``lease_until`` on a *pending* row means "not before": a unit that failed and waits for
its next attempt (exponential backoff) keeps that wait in the database, not in a broker
countdown, so a retry hours away never sits in Redis.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from models import utcnow

#: leased states: ``rerun`` is ``running`` plus "asked to run again when done"
LEASED = ("running", "rerun")


def backoff(attempts: int, *, base: float, cap: float) -> float:
    """Delay before attempt ``attempts + 1`` of any unit (a stage's or a notification's):
    doubling from ``base``, capped at ``cap``, the upper half jittered so that units that
    failed together do not come back together."""
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _claimable(model: Any, now: datetime) -> Any:
    """pending and due, or leased with an expired lease (its worker vanished)."""
    return or_(and_(model.state == "pending", or_(model.lease_until.is_(None), model.lease_until <= now)),
               and_(model.state.in_(LEASED), model.lease_until < now))


def claim(session: Session, model: Any, unit_id: int, *, lease_seconds: int,
          now: datetime | None = None) -> bool:
    """Take the lease on one unit; ``False`` when it is done, not yet due, or leased."""
    now = now or utcnow()
    stmt = (update(model)
            .where(model.id == unit_id)
            .where(_claimable(model, now))
            .values(state="running", lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=model.attempts + 1))
    claimed = session.exec(stmt).rowcount == 1  # type: ignore[call-overload]
    session.commit()
    return claimed


def claim_many(session: Session, model: Any, unit_ids: list[int], *, lease_seconds: int,
               now: datetime | None = None) -> list[int]:
    """Take the lease on every unit of ``unit_ids`` that is claimable, in one conditional
    UPDATE, without committing (the caller's transaction decides); returns those taken."""
    if not unit_ids:
        return []
    now = now or utcnow()
    stmt = (update(model)
            .where(model.id.in_(unit_ids))
            .where(_claimable(model, now))
            .values(state="running", lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=model.attempts + 1)
            .returning(model.id))
    return sorted(int(i) for i in session.exec(stmt).scalars())  # type: ignore[call-overload]


def _error_values(model: Any, error: str | None) -> dict[str, Any]:
    if hasattr(model, "last_error"):
        return {"last_error": error}
    if hasattr(model, "error"):
        return {"error": error}
    return {}


def rerun_values(model: Any) -> dict[str, Any]:
    """The column values that ask an existing unit to run (again): a finished unit
    becomes ``pending`` (lease and attempts reset), a running one ``rerun``, a pending or
    ``rerun`` one stays as it is. Shared by :func:`request_run` and the upsert of
    ``workers.units.mark_evaluation``, so both ask the same way."""
    finished = model.state.in_(("done", "failed"))
    running = model.state == "running"
    return {"state": case((finished, "pending"), (running, "rerun"), else_=model.state),
            "lease_until": case((finished, None), else_=model.lease_until),
            "attempts": case((finished, 0), else_=model.attempts)}


def request_run(session: Session, model: Any, unit_id: int) -> None:
    """Ask for a unit to run (again): a finished unit becomes ``pending``; a running one
    becomes ``rerun``, so that new input arriving during a run is not lost when it ends.

    One conditional UPDATE (a pending or ``rerun`` unit is left as it is)."""
    session.exec(update(model).where(model.id == unit_id,  # type: ignore[call-overload]
                                     model.state.in_(("done", "failed", "running")))
                 .values(**rerun_values(model)))
    session.commit()


def insert_or_rerun(session: Session, model: Any, *, keys: dict[str, Any], values: dict[str, Any]) -> int:
    """Create the unit identified by ``keys`` (a unique constraint of ``model``) with
    ``values``, or ask the existing one to run again (:func:`rerun_values`); returns its
    id. One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (PostgreSQL and SQLite alike):
    no read first, no savepoint, and two workers racing for the same unit both get it.
    Does not commit."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert = pg_insert
    elif dialect == "sqlite":
        insert = sqlite_insert
    else:  # pragma: no cover - the two databases gkwatch runs on
        raise NotImplementedError(f"insert_or_rerun on {dialect}")
    stmt = insert(model).values(**keys, **values)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=rerun_values(model))
    return int(session.exec(stmt.returning(model.id)).scalar_one())  # type: ignore[call-overload]


def finish(session: Session, model: Any, unit_id: int, *, state: str = "done",
           error: str | None = None) -> bool:
    """Release the lease with a final state (``done``, ``failed``) or back to ``pending``.

    Returns ``True`` when a rerun was asked for meanwhile: the unit is ``pending`` again
    and the caller should send it on.
    """
    if state != "pending":
        # one UPDATE: a ``rerun`` row becomes pending (and says so through RETURNING, the
        # only row that can come out pending), any other takes the final state
        rerun = model.state == "rerun"
        values: dict[str, Any] = {"state": case((rerun, "pending"), else_=state), "lease_until": None,
                                  "attempts": case((rerun, 0), else_=model.attempts)}
        for key, value in _error_values(model, error).items():
            values[key] = case((rerun, getattr(model, key)), else_=value)
        new_state = session.exec(update(model).where(model.id == unit_id)  # type: ignore[call-overload]
                                 .values(**values).returning(model.state)).scalar()
        session.commit()
        return new_state == "pending"
    again = session.exec(update(model).where(model.id == unit_id, model.state == "rerun")  # type: ignore[call-overload]
                         .values(state="pending", lease_until=None, attempts=0)).rowcount == 1
    if not again:
        values = {"state": state, "lease_until": None, **_error_values(model, error)}
        session.exec(update(model).where(model.id == unit_id).values(**values))  # type: ignore[call-overload]
    session.commit()
    return again


def retry_later(session: Session, model: Any, unit_id: int, *, delay: float, error: str,
                now: datetime | None = None) -> None:
    """Put a failed unit back to ``pending``, claimable again after ``delay`` seconds."""
    now = now or utcnow()
    values = {"state": "pending", "lease_until": now + timedelta(seconds=delay), **_error_values(model, error)}
    session.exec(update(model).where(model.id == unit_id).values(**values))  # type: ignore[call-overload]
    session.commit()


def expired(session: Session, model: Any, *, now: datetime | None = None,
            limit: int | None = None) -> list[int]:
    """Units whose worker vanished (lease expired) or that are pending and due."""
    now = now or utcnow()
    query = select(model.id).where(_claimable(model, now)).order_by(model.id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def reclaim_expired(session: Session, model: Any, *, now: datetime | None = None) -> int:
    """Turn ``running`` rows with an expired lease back into ``pending`` rows.

    For units picked up by a sweep that selects ``pending`` rows (the delivery outbox):
    a worker that died mid-send would otherwise leave its rows ``running`` for ever.
    """
    now = now or utcnow()
    stmt = (update(model).where(model.state.in_(LEASED), model.lease_until < now)
            .values(state="pending", lease_until=None))
    n = session.exec(stmt).rowcount  # type: ignore[call-overload]
    session.commit()
    return int(n or 0)


def lease_counts(session: Session, model: Any, *, now: datetime | None = None) -> dict[str, int]:
    """Rows per state, plus ``leased`` (running, lease valid), ``expired`` (running, lease
    gone) and ``waiting`` (pending, in backoff) — the figures ``gkwatch queues`` shows."""
    now = now or utcnow()
    out: dict[str, int] = {s: int(n) for s, n in session.exec(
        select(model.state, func.count()).group_by(model.state)).all()}
    out["leased"] = int(session.exec(select(func.count()).select_from(model).where(
        model.state.in_(LEASED), model.lease_until >= now)).one())
    out["expired"] = int(session.exec(select(func.count()).select_from(model).where(
        model.state.in_(LEASED), model.lease_until < now)).one())
    out["waiting"] = int(session.exec(select(func.count()).select_from(model).where(
        model.state == "pending", model.lease_until > now)).one())
    return out
