"""Bodies and answers of the review API (issue 17): decisions on findings, follow-ups."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Optional

from pydantic import BaseModel, Field


class DecisionIn(BaseModel):
    decision: Literal["confirmed", "dismissed"] = Field(
        description="confirmed (确认): the finding stands; dismissed (驳回): it no longer counts "
                    "for this document version, and its alert resolves")
    note: str = Field(default="", max_length=2000, description="why (说明)")


class DecisionOut(BaseModel):
    id: int
    decision: str
    note: str
    decided_by: str
    decided_at: datetime
    version_id: int
    rule: str
    finding_id: Optional[int]


class DecisionResult(DecisionOut):
    agency_id: Optional[int]
    year: Optional[int]
    evaluated: bool = Field(description="the agency-year was evaluated again at once (else it is queued)")


class ReviewItem(BaseModel):
    id: int
    rule: str
    severity: str
    status: str
    where: dict[str, Any]
    message_zh: str
    message_en: str
    review: Optional[dict[str, Any]] = None
    agency_id: int
    agency: str
    year: Optional[int]
    report_id: Optional[int]
    version_id: Optional[int]
    decision: Optional[DecisionOut] = None


class FollowUpIn(BaseModel):
    state: Literal["notified", "fixed", "none_needed"] = Field(
        description="notified (已通知整改), fixed (已整改) or none_needed (无需整改)")
    note: str = Field(default="", max_length=2000)


class FollowUpOut(BaseModel):
    agency_id: int
    year: int
    state: str
    note: str
    updated_by: str
    updated_at: datetime
