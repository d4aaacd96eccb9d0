"""Response and request bodies of the JSON API (they make its OpenAPI description)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from pydantic import BaseModel, Field


class Error(BaseModel):
    detail: str


class Health(BaseModel):
    status: str = Field(description="ok when the database answers")
    database: str


class Me(BaseModel):
    role: str = Field(description="read or admin")
    via: str = Field(description="token, cookie or local")


class StatusRow(BaseModel):
    """One agency-year of the audit: the row a 政务公开办 sends upward."""

    agency_id: int
    agency: str
    region: str
    kind: str
    year: int
    status: str = Field(description="on_time / late / missing / inconsistent / changed / pending")
    publication: str = Field(description="the publication verdict alone (on_time / late / missing / pending)")
    changed: bool = Field(default=False, description="the report was edited or re-dated after publication (P-CHANGED)")
    follow_up: Optional[dict[str, Any]] = Field(
        default=None, description="the office's follow-up: state notified (已通知整改) / fixed (已整改) / "
                                  "none_needed (无需整改), note, updated_by, updated_at")
    deadline: Optional[datetime]
    published_at: Optional[datetime]
    rules_failed: list[str]
    report_id: Optional[int]
    report_url: Optional[str]
    evaluated_at: Optional[datetime]


class FilterOptions(BaseModel):
    regions: list[str]
    kinds: list[str]
    years: list[int]
    statuses: list[str]


class AgencyOut(BaseModel):
    id: int
    name: str
    kind: str
    region: str
    parent_id: Optional[int]
    deadline_override: Optional[str]


class YearOut(BaseModel):
    year: int
    status: str
    publication: str
    changed: bool = False
    follow_up: Optional[dict[str, Any]] = None
    deadline: Optional[datetime]
    published_at: Optional[datetime]
    rules_failed: list[str]
    report_id: Optional[int]
    evaluated_at: Optional[datetime]


class VersionOut(BaseModel):
    id: int
    document_id: int
    sha256: str
    size: int
    content_type: str
    dates: list[dict[str, Any]] = Field(description="publication dates found, each with its source")
    published_at: Optional[datetime]
    fetched_at: datetime
    state: str
    last_error: Optional[str]
    previous_version_id: Optional[int]
    report_id: Optional[int]
    has_snapshot: bool


class DocumentOut(BaseModel):
    id: int
    url: str
    kind: str
    title: str
    year: Optional[int]
    parent_url: Optional[str]
    first_seen_at: datetime
    last_seen_at: datetime
    current_version_id: Optional[int]
    last_error: Optional[str]
    versions: list[VersionOut]


class FindingOut(BaseModel):
    id: int
    rule: str
    severity: str
    status: str
    where: dict[str, Any] = Field(description="table/row/column of the failing cell, or the document")
    expected: Any = None
    actual: Any = None
    message_zh: str
    message_en: str
    review: Optional[dict[str, Any]] = Field(
        default=None, description="status review (待人工核对): reason_zh/reason_en and the doubtful cells "
                                  "with their candidate readings")
    year: Optional[int]
    version_id: Optional[int]
    report_id: Optional[int]
    created_at: datetime


class AgencyDetail(BaseModel):
    agency: AgencyOut
    parent: Optional[AgencyOut]
    years: list[YearOut]
    documents: list[DocumentOut]
    findings: list[FindingOut]


class DocumentRef(BaseModel):
    id: int
    url: str
    title: str
    kind: str
    year: Optional[int]


class ReportOut(BaseModel):
    id: int
    year: Optional[int]
    format_version: Optional[str]
    published_at: Optional[datetime]
    created_at: datetime
    data: dict[str, Any] = Field(description="the canonical report, contract gkwatch.report/1")
    findings: list[FindingOut]
    publication_findings: list[FindingOut] = Field(
        default=[], description="findings on the document version itself: P-CHANGED (edited or re-dated "
                                "after publication), P-DATES")
    agency: Optional[AgencyOut]
    version: Optional[VersionOut]
    document: Optional[DocumentRef]
    versions: list[VersionOut] = Field(description="every version of the same document")


class CellChange(BaseModel):
    table: str
    row: str
    column: Any
    old: Any = None
    new: Any = None


class ReportDiff(BaseModel):
    report_id: int
    version_id: int
    against_version_id: Optional[int] = Field(description="the older version compared; null if none parsed")
    changes: list[CellChange]


class DeliveryOut(BaseModel):
    id: int
    generation: int
    event: str
    channel: str
    target: str
    state: str
    attempts: int
    sent_at: Optional[datetime]
    last_error: Optional[str]
    created_at: datetime


class AlertOut(BaseModel):
    id: int
    fingerprint: str
    kind: str
    rule: Optional[str]
    agency_id: Optional[int]
    agency: Optional[str]
    year: Optional[int]
    severity: str
    state: str
    generation: int
    labels: dict[str, Any]
    summary_zh: str
    summary_en: str
    starts_at: datetime
    ends_at: Optional[datetime]
    updated_at: datetime
    deliveries: list[DeliveryOut]


class SilenceOut(BaseModel):
    id: int
    matchers: dict[str, str] = Field(description="alert labels that must all match (e.g. kind, agency_id)")
    starts_at: Optional[datetime]
    ends_at: Optional[datetime]
    comment: str
    created_by: str
    active: bool


class SilenceIn(BaseModel):
    matchers: dict[str, str] = Field(min_length=1, description="alert labels to match, e.g. {\"kind\": \"P-LATE\"}")
    hours: float = Field(gt=0, le=24 * 366, description="how long the silence lasts from now")
    comment: str = Field("", max_length=500)
