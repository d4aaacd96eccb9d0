"""One function per unit of work: claim its lease, run its stage, release, and return
the follow-up work. Celery tasks and the in-process runner both call these, so the two
modes behave the same; the database row is the source of truth, the message only a hint.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from models import AgencyYear, CrawlRun, DocumentVersion, utcnow
from models.db import session_scope
from models.lease import claim, finish

log = logging.getLogger("gkwatch.units")

#: a follow-up: (stage name, unit id)
Work = tuple[str, int]


def mark_evaluation(session: Session, *, agency_id: int, year: int) -> int:
    """Ask for an agency-year to be (re-)evaluated; returns its unit id."""
    row = session.exec(select(AgencyYear).where(AgencyYear.agency_id == agency_id,
                                                AgencyYear.year == year)).first()
    if row is None:
        row = AgencyYear(agency_id=agency_id, year=year)
    if row.state != "running":
        row.state = "pending"
    session.add(row)
    session.commit()
    return row.id  # type: ignore[return-value]


def report_years(now: datetime) -> list[int]:
    """The report years still worth watching at ``now`` (Beijing time): last year's
    report is due in the first months of this year, and the year before stays visible."""
    from alerts.policy import BEIJING

    year = now.astimezone(BEIJING).year
    return [year - 2, year - 1]


def mark_due_evaluations(settings: Any, *, now: datetime | None = None,
                         years: list[int] | None = None) -> list[Work]:
    """Every agency's open report years, marked for evaluation (deadlines pass silently)."""
    from models import Agency

    years = years or report_years(now or utcnow())
    with session_scope(settings.effective_database_url) as s:
        ids = [a.id for a in s.exec(select(Agency)).all()]
        return [("evaluate", mark_evaluation(s, agency_id=a, year=y)) for a in ids for y in years]  # type: ignore[arg-type]


def run_crawl_unit(settings: Any, run_id: int) -> list[Work]:
    from gkwatch.errors import CrawlError
    from workers.stages.crawl import crawl_portal

    with session_scope(settings.effective_database_url) as s:
        if not claim(s, CrawlRun, run_id, lease_seconds=int(settings.crawl_timeout) + 60):
            return []
        try:
            result = crawl_portal(s, run_id=run_id, settings=settings)
        except CrawlError as exc:
            log.warning("crawl run %s failed: %s", run_id, exc)
            return []
        run = s.get(CrawlRun, run_id)
        follow: list[Work] = [("process", v) for v in result.new_versions]
        if run is not None and not result.new_versions:
            from models import Portal

            portal = s.get(Portal, run.portal_id)
            for year in sorted(result.years):
                if portal is not None:
                    follow.append(("evaluate", mark_evaluation(s, agency_id=portal.agency_id, year=year)))
        return follow


def run_process_unit(settings: Any, version_id: int) -> list[Work]:
    from workers.stages.process import process_version

    with session_scope(settings.effective_database_url) as s:
        if not claim(s, DocumentVersion, version_id, lease_seconds=settings.lease_seconds):
            return []
        try:
            agency_id, year = process_version(s, version_id=version_id)
        except Exception as exc:
            s.rollback()
            version = s.get(DocumentVersion, version_id)
            final = version is not None and version.attempts > settings.task_max_retries
            finish(s, DocumentVersion, version_id, state="failed" if final else "pending",
                   error=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        finish(s, DocumentVersion, version_id)
        if agency_id is None or year is None:
            return []
        return [("evaluate", mark_evaluation(s, agency_id=agency_id, year=year))]


def run_evaluate_unit(settings: Any, unit_id: int, *, now: datetime | None = None) -> list[Work]:
    from alerts.evaluate import evaluate_agency_year
    from alerts.policy import DeadlinePolicy
    from alerts.routes import default_routes

    with session_scope(settings.effective_database_url) as s:
        if not claim(s, AgencyYear, unit_id, lease_seconds=settings.lease_seconds):
            return []
        row = s.get(AgencyYear, unit_id)
        assert row is not None
        evaluate_agency_year(s, agency_id=row.agency_id, year=row.year,
                             policy=DeadlinePolicy(grace_days=settings.grace_days),
                             routes=default_routes(settings), now=now or utcnow())
        finish(s, AgencyYear, unit_id)
        return [("deliver", 0)]


def run_deliver_unit(settings: Any, _unit: int = 0, *, now: datetime | None = None) -> list[Work]:
    from alerts.outbox import deliver_due

    with session_scope(settings.effective_database_url) as s:
        rep = deliver_due(s, settings=settings, now=now)
        if rep.sent or rep.failed or rep.dead:
            log.info("deliveries: %s sent, %s to retry, %s dead", rep.sent, rep.failed, rep.dead)
    return []


UNITS = {"crawl": run_crawl_unit, "process": run_process_unit,
         "evaluate": run_evaluate_unit, "deliver": run_deliver_unit}
