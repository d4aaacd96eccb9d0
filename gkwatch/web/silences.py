"""Silences as the dashboard sees them: list, create and expire rows of the ``Silence``
table (``models/alerting.py``), which ``alerts/mute.py`` reads at send time."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from sqlmodel import Session, col, select

from models.alerting import Silence


class SilenceStore(Protocol):
    def list(self, session: Session) -> list[dict[str, Any]]:
        """Every silence, newest first, as :class:`gkwatch.web.schemas.SilenceOut` dicts."""

    def create(self, session: Session, *, matchers: dict[str, str], ends_at: datetime, comment: str,
               created_by: str) -> dict[str, Any]:
        """Store a silence active from now until ``ends_at``."""

    def expire(self, session: Session, *, silence_id: int) -> dict[str, Any] | None:
        """End a silence now; None when there is no such silence."""


class TableSilences:
    """Over a SQLModel ``Silence`` table with ``matchers`` (JSON), ``starts_at``, ``ends_at``,
    ``comment`` and ``created_by`` columns."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def _out(self, row: Any) -> dict[str, Any]:
        now = datetime.now(timezone.utc)
        starts, ends = getattr(row, "starts_at", None), getattr(row, "ends_at", None)
        active = (starts is None or starts <= now) and (ends is None or ends > now)
        return {"id": row.id, "matchers": {str(k): str(v) for k, v in (getattr(row, "matchers", None) or {}).items()},
                "starts_at": starts, "ends_at": ends, "comment": getattr(row, "comment", "") or "",
                "created_by": getattr(row, "created_by", "") or "", "active": active}

    def list(self, session: Session) -> list[dict[str, Any]]:
        rows = session.exec(select(self.model).order_by(col(self.model.id).desc())).all()
        return [self._out(r) for r in rows]

    def create(self, session: Session, *, matchers: dict[str, str], ends_at: datetime, comment: str,
               created_by: str) -> dict[str, Any]:
        row = self.model(matchers=dict(matchers), starts_at=datetime.now(timezone.utc), ends_at=ends_at,
                         comment=comment, created_by=created_by)
        session.add(row)
        # committed here: the request's session commits only after the response is sent,
        # and the page the browser is redirected to must already list it
        session.commit()
        return self._out(row)

    def expire(self, session: Session, *, silence_id: int) -> dict[str, Any] | None:
        row = session.get(self.model, silence_id)
        if row is None:
            return None
        now = datetime.now(timezone.utc)
        if row.ends_at is None or row.ends_at > now:
            row.ends_at = now
            session.add(row)
            session.commit()  # as in create
        return self._out(row)


def get_store() -> SilenceStore:
    """The store the dashboard uses."""
    return TableSilences(Silence)


#: the durations the silence button on an alert offers, hours → label
SILENCE_HOURS = {2: "2 小时 2 h", 24: "1 天 1 day", 24 * 7: "7 天 7 days", 24 * 30: "30 天 30 days"}


def ends_in(hours: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(hours=hours)
