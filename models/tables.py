"""The database tables: what gkwatch knows and the state of every unit of work.

Agencies publish on portals; a crawl run visits a portal and finds documents; each
distinct content (or publication date) of a document is a version; a version that
parses becomes a report; validation and the deadline policy write findings; findings
fire alerts; alerts are delivered through the delivery outbox.

Classes follow one pattern: ``XBase`` holds the fields a user supplies, ``XCreate``
is what an import accepts, ``XPublic`` what the API returns, ``X`` the table.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint

from ground import clock
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC now, from the service's one clock (``ground.clock``); every timestamp in
    the database is UTC."""
    return clock.now()


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back aware datetimes (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def _ts(now: bool = False) -> Any:
    if now:
        return Field(default_factory=utcnow, sa_type=UTCDateTime)
    return Field(default=None, sa_type=UTCDateTime)


def _json(default: Any = None) -> Any:
    factory = (lambda: list(default)) if isinstance(default, list) else (
        (lambda: dict(default)) if isinstance(default, dict) else None)
    if factory is not None:
        return Field(default_factory=factory, sa_column=Column(JSON, nullable=False))
    return Field(default=None, sa_column=Column(JSON, nullable=True))


# --- agencies and portals ---------------------------------------------------------------

class AgencyBase(SQLModel):
    name: str = Field(index=True, unique=True, max_length=200)
    kind: str = Field(default="部门", max_length=20,
                      description="本级政府 / 部门 / 乡镇街道 — decides the default deadline")
    region: str = Field(default="", max_length=100, index=True)
    deadline_override: Optional[str] = Field(
        default=None, max_length=5, description="MM-DD overriding the policy for this agency")


class AgencyCreate(AgencyBase):
    parent: Optional[str] = None


class Agency(AgencyBase, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    parent_id: Optional[int] = Field(default=None, foreign_key="agency.id")
    created_at: datetime = _ts(now=True)


class AgencyPublic(AgencyBase):
    id: int
    parent_id: Optional[int]


class Portal(SQLModel, table=True):
    """An agency's annual-report column: where to look and which hosts to trust."""

    id: Optional[int] = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    list_urls: list[str] = _json([])
    allowed_hosts: list[str] = _json([])
    options: dict[str, Any] = _json({})
    crawl_interval_hours: float = 24.0
    next_crawl_at: Optional[datetime] = _ts()
    last_crawl_at: Optional[datetime] = _ts()
    first_crawled_at: Optional[datetime] = _ts()
    consecutive_failures: int = 0
    enabled: bool = True


class CrawlRun(SQLModel, table=True):
    """One visit of a portal; also the unit of work of the crawl queue."""

    id: Optional[int] = Field(default=None, primary_key=True)
    portal_id: int = Field(foreign_key="portal.id", index=True)
    state: str = Field(default="pending", max_length=12, index=True)  # pending/running/done/failed
    lease_until: Optional[datetime] = _ts()
    attempts: int = 0
    started_at: Optional[datetime] = _ts()
    finished_at: Optional[datetime] = _ts()
    pages: int = 0
    documents_new: int = 0
    documents_changed: int = 0
    error: Optional[str] = None


# --- documents --------------------------------------------------------------------------

class Document(SQLModel, table=True):
    """A URL that holds (or may hold) an annual report: a page or an attachment."""

    id: Optional[int] = Field(default=None, primary_key=True)
    url: str = Field(index=True, unique=True, max_length=2000)
    portal_id: Optional[int] = Field(default=None, foreign_key="portal.id", index=True)
    agency_id: Optional[int] = Field(default=None, foreign_key="agency.id", index=True)
    entry_url: str = Field(default="", max_length=2000)
    parent_url: Optional[str] = Field(default=None, max_length=2000)
    kind: str = Field(default="page", max_length=12)
    title: str = ""
    year: Optional[int] = Field(default=None, index=True)
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    last_status: Optional[int] = None
    last_error: Optional[str] = None
    first_seen_at: datetime = _ts(now=True)
    last_seen_at: datetime = _ts(now=True)
    current_version_id: Optional[int] = None


class DocumentVersion(SQLModel, table=True):
    """One content (and set of publication dates) of a document; the unit of work of the
    process queue (extract → parse → validate)."""

    __table_args__ = (UniqueConstraint("document_id", "sha256", "dates_key"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    sha256: str = Field(max_length=64, index=True)
    dates_key: str = Field(default="", max_length=200, description="best date, to notice re-dating")
    size: int = 0
    content_type: str = ""
    snapshot: str = ""
    headers: dict[str, Any] = _json({})
    dates: list[dict[str, Any]] = _json([])
    published_at: Optional[datetime] = _ts()
    fetched_at: datetime = _ts(now=True)
    state: str = Field(default="pending", max_length=12, index=True)  # pending/running/done/failed
    attempts: int = 0
    lease_until: Optional[datetime] = _ts()
    last_error: Optional[str] = None
    previous_version_id: Optional[int] = None


class Report(SQLModel, table=True):
    """The canonical report (contract gkwatch.report/1) parsed from one version."""

    id: Optional[int] = Field(default=None, primary_key=True)
    agency_id: Optional[int] = Field(default=None, foreign_key="agency.id", index=True)
    year: Optional[int] = Field(default=None, index=True)
    version_id: int = Field(foreign_key="documentversion.id", unique=True)
    format_version: Optional[str] = None
    published_at: Optional[datetime] = _ts()
    data: dict[str, Any] = _json({})
    created_at: datetime = _ts(now=True)


class Finding(SQLModel, table=True):
    """One failing, to-review or not-assessable check of a report, or a publication finding."""

    id: Optional[int] = Field(default=None, primary_key=True)
    agency_id: Optional[int] = Field(default=None, foreign_key="agency.id", index=True)
    year: Optional[int] = Field(default=None, index=True)
    version_id: Optional[int] = Field(default=None, foreign_key="documentversion.id", index=True)
    report_id: Optional[int] = Field(default=None, foreign_key="report.id", index=True)
    rule: str = Field(max_length=20, index=True)
    severity: str = Field(max_length=10)
    status: str = Field(default="fail", max_length=16)
    where: dict[str, Any] = _json({})
    expected: Any = _json()
    actual: Any = _json()
    message_zh: str = ""
    message_en: str = ""
    # status "review": the reason and the doubtful cells with their candidate readings
    review: Optional[dict[str, Any]] = _json()
    created_at: datetime = _ts(now=True)

    @classmethod
    def stored(cls, finding: Mapping[str, Any], *, agency_id: int | None, year: int | None,
               version_id: int | None, report_id: int | None = None) -> "Finding":
        """The row of a finding built by ``ground.contracts.new_finding`` (checked there),
        for the document version (and report) it was found in."""
        return cls(agency_id=agency_id, year=year, version_id=version_id, report_id=report_id,
                   rule=finding["rule"], severity=finding["severity"], status=finding["status"],
                   where=dict(finding.get("where") or {}), expected=finding.get("expected"),
                   actual=finding.get("actual"), message_zh=finding["message_zh"],
                   message_en=finding["message_en"], review=finding.get("review"))


class AgencyYear(SQLModel, table=True):
    """The verdict for one agency and report year; the unit of work of evaluation."""

    __table_args__ = (UniqueConstraint("agency_id", "year"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    year: int
    status: str = Field(default="pending", max_length=12)  # pending/on_time/late/missing
    deadline: Optional[datetime] = _ts()
    published_at: Optional[datetime] = _ts()
    report_id: Optional[int] = None
    rules_failed: list[str] = _json([])
    numbers_pending: bool = Field(
        default=False, description="a document of the year is found but not processed yet: the status "
                                   "stands on its dates, the numbers are still to come")
    evaluated_at: Optional[datetime] = _ts()
    state: str = Field(default="pending", max_length=12, index=True)  # pending/running/done
    attempts: int = 0
    lease_until: Optional[datetime] = _ts()
    last_error: Optional[str] = None


# --- alerts and deliveries -------------------------------------------------------------

class Alert(SQLModel, table=True):
    """An alert with a stable identity (fingerprint of its labels), firing or resolved."""

    id: Optional[int] = Field(default=None, primary_key=True)
    fingerprint: str = Field(max_length=64, unique=True, index=True)
    kind: str = Field(max_length=20, index=True)
    agency_id: Optional[int] = Field(default=None, foreign_key="agency.id", index=True)
    year: Optional[int] = None
    rule: Optional[str] = Field(default=None, max_length=20)
    labels: dict[str, Any] = _json({})
    severity: str = "warning"
    state: str = Field(default="firing", max_length=10, index=True)  # firing/resolved
    generation: int = 1
    summary_zh: str = ""
    summary_en: str = ""
    starts_at: datetime = _ts(now=True)
    ends_at: Optional[datetime] = _ts()
    updated_at: datetime = _ts(now=True)


class Delivery(SQLModel, table=True):
    """The outbox: one notification of one alert event to one channel target.

    Written in the same transaction as the alert change; the unit of work of the
    notify queue. ``message_id`` stays the same across retries (webhook-id).
    """

    __table_args__ = (UniqueConstraint("alert_id", "generation", "event", "channel", "target"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    generation: int = 1
    event: str = Field(max_length=10)  # firing/resolved
    channel: str = Field(max_length=20)
    target: str = Field(max_length=500)
    message_id: str = Field(max_length=64)
    payload: dict[str, Any] = _json({})
    #: the receiver's group (route and group_by labels): the planner takes a group at once
    group_key: str = Field(default="", max_length=500, index=True)
    #: not looked at again before this (its group waits for a timer, a message in flight or
    #: a silence): a sweep reads what is due, not every pending row
    plan_after: Optional[datetime] = Field(default=None, sa_type=UTCDateTime, index=True)
    state: str = Field(default="pending", max_length=10, index=True)  # pending/running/sent/dead
    attempts: int = 0
    next_attempt_at: datetime = _ts(now=True)
    lease_until: Optional[datetime] = _ts()
    last_error: Optional[str] = None
    sent_at: Optional[datetime] = _ts()
    created_at: datetime = _ts(now=True)
