"""The office's decisions: a person's verdict on a finding (confirmed or dismissed, with a
note, who and when) and the follow-up state of an agency-year (已通知整改 / 已整改 /
无需整改).

A decision is keyed by the document version and the rule, not by the finding's id: the
findings of a version are rewritten when it is processed again, yet a dismissal must hold
for that version ("does not fire again for the same document version"). A new version
of the document has new findings and no decision: it is judged afresh.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from models.tables import _ts

DECISIONS = ("confirmed", "dismissed")
FOLLOW_UPS = ("notified", "fixed", "none_needed")


class FindingDecision(SQLModel, table=True):
    """An admin's verdict on the findings of one rule on one document version."""

    __table_args__ = (UniqueConstraint("version_id", "rule"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="documentversion.id", index=True)
    rule: str = Field(max_length=20)
    agency_id: Optional[int] = Field(default=None, foreign_key="agency.id", index=True)
    year: Optional[int] = None
    finding_id: Optional[int] = Field(default=None, description="the finding the decision was taken on")
    decision: str = Field(max_length=12)  # confirmed / dismissed
    note: str = ""
    decided_by: str = Field(default="", max_length=100)
    decided_at: datetime = _ts(now=True)


class FollowUp(SQLModel, table=True):
    """What the office did about an agency-year: notified, fixed, or nothing needed."""

    __table_args__ = (UniqueConstraint("agency_id", "year"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    year: int
    state: str = Field(max_length=12)  # notified / fixed / none_needed
    note: str = ""
    updated_by: str = Field(default="", max_length=100)
    updated_at: datetime = _ts(now=True)


def decisions_for(session: Session, version_ids: list[int]) -> dict[tuple[int, str], str]:
    """(version id, rule) → ``confirmed`` / ``dismissed`` for these versions."""
    if not version_ids:
        return {}
    rows = session.exec(select(FindingDecision).where(col(FindingDecision.version_id).in_(version_ids))).all()
    return {(d.version_id, d.rule): d.decision for d in rows}


def counts(decision: str | None, status: str) -> bool:
    """Whether a finding counts against the agency: a dismissed one never does; one
    waiting for a person (status ``review``) only once a person confirmed it."""
    if decision == "dismissed":
        return False
    return status == "fail" or (status == "review" and decision == "confirmed")
