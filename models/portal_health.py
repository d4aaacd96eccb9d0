"""Portal health for the dashboard (issue 17): per portal the last and next crawl, the
last error, how many of its documents could not be fetched (unreachable) or were
forbidden by robots.txt at their last fetch, and how many reports were read from it."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, func, select

from models.tables import Agency, CrawlRun, Document, DocumentVersion, Portal, Report


def _is_robots(error: str) -> bool:
    # the spider names a robots.txt refusal so (crawler/spiders/annual_reports.py)
    return "robots" in error.lower()


def portal_health(session: Session) -> list[dict[str, Any]]:
    """One dict per portal, in agency order."""
    portals = session.exec(select(Portal, Agency).where(Portal.agency_id == Agency.id)
                           .order_by(col(Agency.name), col(Portal.id))).all()
    if not portals:
        return []
    ids = [p.id for p, _ in portals]
    errors: dict[int, dict[str, int]] = {}
    for pid, error in session.exec(select(Document.portal_id, Document.last_error).where(
            col(Document.portal_id).in_(ids), col(Document.last_error).is_not(None))).all():
        bucket = errors.setdefault(pid, {"unreachable": 0, "robots": 0})  # type: ignore[arg-type]
        bucket["robots" if _is_robots(error or "") else "unreachable"] += 1
    reports = reports_read(session, ids)  # type: ignore[arg-type]
    documents = dict(session.exec(select(Document.portal_id, func.count(col(Document.id)))
                                  .where(col(Document.portal_id).in_(ids)).group_by(Document.portal_id)).all())
    runs: dict[int, CrawlRun] = {}
    for run in session.exec(select(CrawlRun).where(col(CrawlRun.portal_id).in_(ids))
                            .order_by(col(CrawlRun.id))).all():
        runs[run.portal_id] = run  # the newest wins
    failed: dict[int, CrawlRun] = {}
    for run in session.exec(select(CrawlRun).where(col(CrawlRun.portal_id).in_(ids),
                                                   col(CrawlRun.error).is_not(None)).order_by(col(CrawlRun.id))).all():
        failed[run.portal_id] = run
    out = []
    for p, agency in portals:
        last, bad = runs.get(p.id), failed.get(p.id)  # type: ignore[arg-type]
        counts = errors.get(p.id, {"unreachable": 0, "robots": 0})  # type: ignore[arg-type]
        out.append({"id": p.id, "agency_id": agency.id, "agency": agency.name, "region": agency.region,
                    "list_urls": list(p.list_urls), "enabled": p.enabled,
                    "last_crawl_at": p.last_crawl_at, "next_crawl_at": p.next_crawl_at,
                    "consecutive_failures": p.consecutive_failures,
                    "last_run_state": last.state if last else None,
                    "last_error": bad.error if bad else None, "last_error_at": (bad.finished_at or bad.started_at)
                    if bad else None, "unreachable": counts["unreachable"], "robots_forbidden": counts["robots"],
                    "documents": documents.get(p.id, 0), "reports": reports.get(p.id, 0)})
    return out


def crawl_run_summary(session: Session, run_id: int) -> dict[str, Any] | None:
    """What one crawl found, for the command line's progress line: the agency, list pages
    read, documents found in this run (new, changed), and the errors of the run and of
    the documents it could not fetch."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        return None
    portal = session.get(Portal, run.portal_id)
    agency = session.get(Agency, portal.agency_id) if portal else None
    seen: list[Document] = []
    if run.started_at is not None:
        seen = list(session.exec(select(Document).where(Document.portal_id == run.portal_id,
                                                        col(Document.last_seen_at) >= run.started_at)).all())
    failed = [d for d in seen if d.last_error]
    return {"run_id": run.id, "portal_id": run.portal_id, "agency": agency.name if agency else "?",
            "state": run.state, "error": run.error, "pages": run.pages,
            "found": len(seen) - len(failed), "new": run.documents_new, "changed": run.documents_changed,
            "failures": [(d.url, d.last_error or "") for d in failed]}


def reports_read(session: Session, portal_ids: list[int]) -> dict[int, int]:
    """Per portal, how many reports were read from its documents (after processing)."""
    if not portal_ids:
        return {}
    return dict(session.exec(select(Document.portal_id, func.count(func.distinct(Report.id)))
                             .where(col(Document.portal_id).in_(portal_ids), DocumentVersion.document_id == Document.id,
                                    Report.version_id == DocumentVersion.id).group_by(Document.portal_id)).all())
