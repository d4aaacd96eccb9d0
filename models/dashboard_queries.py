"""Read-only queries for the dashboard, the JSON API and the exports.

Every function takes an explicit session and returns plain dicts and lists (JSON-ready
apart from datetimes), so the web layer never touches the ORM objects directly.
"""
from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from models.review import FindingDecision
from models.review_queries import follow_ups
from models.tables import (Agency, AgencyYear, Alert, Delivery, Document, DocumentVersion,
                           Finding, Report)

#: the verdicts a matrix cell can show, in the order of the legend
STATUSES = ("on_time", "late", "missing", "inconsistent", "changed", "pending")


def verdict(ay: AgencyYear, changed: bool = False) -> str:
    """The status shown to people: a published report failing an error rule is inconsistent;
    one edited or re-dated after publication (P-CHANGED) is changed, whether it came out on
    time or late (the ``publication`` field keeps which)."""
    if ay.status in ("on_time", "late"):
        if ay.rules_failed:
            return "inconsistent"
        if changed:
            return "changed"
    return ay.status


def changed_years(session: Session, agency_ids: list[int] | None = None) -> set[tuple[int, int]]:
    """(agency id, year) pairs with a P-CHANGED finding: the report changed after publication."""
    query = select(Finding.agency_id, Finding.year, Finding.version_id).where(Finding.rule == "P-CHANGED")
    if agency_ids is not None:
        query = query.where(col(Finding.agency_id).in_(agency_ids))
    found = session.exec(query).all()
    # a change an admin dismissed (a view counter, a typo fixed) is no change
    dismissed = {v for v, r in session.exec(select(FindingDecision.version_id, FindingDecision.rule).where(
        FindingDecision.rule == "P-CHANGED", FindingDecision.decision == "dismissed")).all()} if found else set()
    return {(a, y) for a, y, v in found if a is not None and y is not None and v not in dismissed}


def _agency_dict(a: Agency) -> dict[str, Any]:
    return {"id": a.id, "name": a.name, "kind": a.kind, "region": a.region,
            "parent_id": a.parent_id, "deadline_override": a.deadline_override}


def filter_options(session: Session) -> dict[str, list[Any]]:
    """The values the matrix filters offer: regions, agency kinds and report years."""
    agencies = session.exec(select(Agency)).all()
    years = session.exec(select(AgencyYear.year).distinct()).all()
    return {"regions": sorted({a.region for a in agencies if a.region}),
            "kinds": sorted({a.kind for a in agencies if a.kind}),
            "years": sorted(set(years)), "statuses": list(STATUSES)}


def audit_rows(session: Session, *, year: int | None = None, region: str | None = None,
               kind: str | None = None, status: str | None = None,
               q: str | None = None) -> list[dict[str, Any]]:
    """One row per agency-year: verdict, dates, failing rules and the report's address.

    ``q`` matches part of the agency name; ``status`` is a verdict from :data:`STATUSES`.
    """
    query = select(AgencyYear, Agency).where(AgencyYear.agency_id == Agency.id)
    if year is not None:
        query = query.where(AgencyYear.year == year)
    if region:
        query = query.where(Agency.region == region)
    if kind:
        query = query.where(Agency.kind == kind)
    if q:
        query = query.where(col(Agency.name).contains(q))
    pairs = session.exec(query.order_by(col(Agency.id), col(AgencyYear.year))).all()
    report_ids = [ay.report_id for ay, _ in pairs if ay.report_id]
    urls: dict[int, str] = {}
    if report_ids:
        for rid, url in session.exec(
                select(Report.id, Document.url).where(col(Report.id).in_(report_ids),
                                                      Report.version_id == DocumentVersion.id,
                                                      DocumentVersion.document_id == Document.id)).all():
            urls[rid] = url  # type: ignore[index]
    changed = changed_years(session, list({a.id for _, a in pairs if a.id is not None}))
    follow = follow_ups(session, list({a.id for _, a in pairs if a.id is not None}))
    rows = []
    for ay, agency in pairs:
        is_changed = (agency.id, ay.year) in changed
        shown = verdict(ay, is_changed)
        if status and shown != status:
            continue
        rows.append({"agency_id": agency.id, "agency": agency.name, "region": agency.region,
                     "kind": agency.kind, "year": ay.year, "status": shown, "publication": ay.status,
                     "deadline": ay.deadline, "published_at": ay.published_at,
                     "rules_failed": list(ay.rules_failed), "report_id": ay.report_id,
                     "report_url": urls.get(ay.report_id) if ay.report_id else None,
                     "numbers_pending": ay.numbers_pending, "evaluated_at": ay.evaluated_at,
                     "changed": is_changed, "follow_up": follow.get((agency.id, ay.year))})  # type: ignore[arg-type]
    return rows


def _version_dict(v: DocumentVersion, report_id: int | None) -> dict[str, Any]:
    return {"id": v.id, "document_id": v.document_id, "sha256": v.sha256, "size": v.size,
            "content_type": v.content_type, "dates": list(v.dates), "published_at": v.published_at,
            "fetched_at": v.fetched_at, "state": v.state, "last_error": v.last_error,
            "previous_version_id": v.previous_version_id, "report_id": report_id,
            "has_snapshot": bool(v.snapshot)}


def _finding_dict(f: Finding) -> dict[str, Any]:
    return {"id": f.id, "rule": f.rule, "severity": f.severity, "status": f.status,
            "where": dict(f.where or {}), "expected": f.expected, "actual": f.actual,
            "message_zh": f.message_zh, "message_en": f.message_en, "review": f.review, "year": f.year,
            "version_id": f.version_id, "report_id": f.report_id, "created_at": f.created_at}


def documents_of(session: Session, *, agency_id: int) -> list[dict[str, Any]]:
    """The agency's documents, newest year first, each with its versions (oldest first)."""
    docs = session.exec(select(Document).where(Document.agency_id == agency_id)
                        .order_by(col(Document.year).desc(), col(Document.id))).all()
    if not docs:
        return []
    versions = session.exec(select(DocumentVersion)
                            .where(col(DocumentVersion.document_id).in_([d.id for d in docs]))
                            .order_by(col(DocumentVersion.id))).all()
    reports = dict(session.exec(select(Report.version_id, Report.id)
                                .where(col(Report.version_id).in_([v.id for v in versions]))).all()) \
        if versions else {}
    by_doc: dict[int, list[dict[str, Any]]] = {}
    for v in versions:
        by_doc.setdefault(v.document_id, []).append(_version_dict(v, reports.get(v.id)))
    return [{"id": d.id, "url": d.url, "kind": d.kind, "title": d.title, "year": d.year,
             "parent_url": d.parent_url, "first_seen_at": d.first_seen_at, "last_seen_at": d.last_seen_at,
             "current_version_id": d.current_version_id, "last_error": d.last_error,
             "versions": by_doc.get(d.id, [])} for d in docs]  # type: ignore[arg-type]


def agency_detail(session: Session, *, agency_id: int) -> dict[str, Any] | None:
    """An agency with its verdicts over the years, its documents and their versions, and
    the publication findings (changes, unparsed documents) recorded against it."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        return None
    parent = session.get(Agency, agency.parent_id) if agency.parent_id else None
    years = session.exec(select(AgencyYear).where(AgencyYear.agency_id == agency_id)
                         .order_by(col(AgencyYear.year).desc())).all()
    findings = session.exec(select(Finding).where(Finding.agency_id == agency_id,
                                                  col(Finding.report_id).is_(None))
                            .order_by(col(Finding.id).desc())).all()
    changed = changed_years(session, [agency_id])
    follow = follow_ups(session, [agency_id])
    return {"agency": _agency_dict(agency), "parent": _agency_dict(parent) if parent else None,
            "years": [{"year": ay.year, "status": verdict(ay, (agency_id, ay.year) in changed),
                       "publication": ay.status, "changed": (agency_id, ay.year) in changed,
                       "follow_up": follow.get((agency_id, ay.year)),
                       "deadline": ay.deadline, "published_at": ay.published_at,
                       "rules_failed": list(ay.rules_failed), "report_id": ay.report_id,
                       "numbers_pending": ay.numbers_pending, "evaluated_at": ay.evaluated_at}
                      for ay in years],
            "documents": documents_of(session, agency_id=agency_id),
            "findings": [_finding_dict(f) for f in findings]}


def report_detail(session: Session, *, report_id: int) -> dict[str, Any] | None:
    """A report with its canonical data, its findings, the version and document it came
    from, and the other versions of that document (to diff against)."""
    report = session.get(Report, report_id)
    if report is None:
        return None
    version = session.get(DocumentVersion, report.version_id)
    document = session.get(Document, version.document_id) if version else None
    agency = session.get(Agency, report.agency_id) if report.agency_id else None
    findings = session.exec(select(Finding).where(Finding.report_id == report_id)
                            .order_by(col(Finding.id))).all()
    # publication findings of the same version (P-CHANGED, P-DATES) carry no report id, yet
    # they are what an auditor must see on the report: it changed after publication
    published = session.exec(select(Finding).where(Finding.version_id == report.version_id,
                                                   col(Finding.report_id).is_(None))
                             .order_by(col(Finding.id))).all() if report.version_id else []
    versions = documents_of(session, agency_id=document.agency_id) if document and document.agency_id else []
    siblings = next((d["versions"] for d in versions if document and d["id"] == document.id), [])
    return {"id": report.id, "year": report.year, "format_version": report.format_version,
            "published_at": report.published_at, "created_at": report.created_at,
            "data": dict(report.data or {}), "findings": [_finding_dict(f) for f in findings],
            "publication_findings": [_finding_dict(f) for f in published],
            "agency": _agency_dict(agency) if agency else None,
            "version": _version_dict(version, report.id) if version else None,
            "document": {"id": document.id, "url": document.url, "title": document.title,
                         "kind": document.kind, "year": document.year} if document else None,
            "versions": siblings}


def report_data_of_version(session: Session, *, version_id: int) -> dict[str, Any] | None:
    """The canonical report parsed from one version, if it parsed."""
    report = session.exec(select(Report).where(Report.version_id == version_id)).first()
    return dict(report.data or {}) if report else None


def snapshot_of(session: Session, *, version_id: int) -> dict[str, Any] | None:
    """Where the raw bytes of a version are stored, and their content type."""
    v = session.get(DocumentVersion, version_id)
    if v is None or not v.snapshot:
        return None
    return {"path": v.snapshot, "sha256": v.sha256, "content_type": v.content_type}


def alert_log(session: Session, *, state: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Alerts, most recently changed first, each with its deliveries."""
    query = select(Alert)
    if state:
        query = query.where(Alert.state == state)
    alerts = session.exec(query.order_by(col(Alert.updated_at).desc(), col(Alert.id).desc())
                          .limit(limit)).all()
    if not alerts:
        return []
    names = dict(session.exec(select(Agency.id, Agency.name)).all())
    deliveries = session.exec(select(Delivery).where(col(Delivery.alert_id).in_([a.id for a in alerts]))
                              .order_by(col(Delivery.id))).all()
    by_alert: dict[int, list[dict[str, Any]]] = {}
    for d in deliveries:
        by_alert.setdefault(d.alert_id, []).append(
            {"id": d.id, "generation": d.generation, "event": d.event, "channel": d.channel,
             "target": d.target, "state": d.state, "attempts": d.attempts, "sent_at": d.sent_at,
             "last_error": d.last_error, "created_at": d.created_at})
    return [{"id": a.id, "fingerprint": a.fingerprint, "kind": a.kind, "rule": a.rule,
             "agency_id": a.agency_id, "agency": names.get(a.agency_id) if a.agency_id else None,
             "year": a.year, "severity": a.severity, "state": a.state, "generation": a.generation,
             "labels": dict(a.labels or {}), "summary_zh": a.summary_zh, "summary_en": a.summary_en,
             "starts_at": a.starts_at, "ends_at": a.ends_at, "updated_at": a.updated_at,
             "deliveries": by_alert.get(a.id, [])} for a in alerts]  # type: ignore[arg-type]


def alert_evidence(session: Session, alerts: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Per alert id: what its row links to — the report of its agency-year, the source
    page and the version whose snapshot was checked (a P-CHANGED alert names its own)."""
    pairs = {(a["agency_id"], a["year"]) for a in alerts if a.get("agency_id") and a.get("year")}
    if not pairs:
        return {}
    agency_ids = list({p[0] for p in pairs})
    found = session.exec(select(AgencyYear.agency_id, AgencyYear.year, Report.id, Report.version_id, Document.url)
                         .where(col(AgencyYear.agency_id).in_(agency_ids), AgencyYear.report_id == Report.id,
                                Report.version_id == DocumentVersion.id,
                                DocumentVersion.document_id == Document.id)).all()
    by_year = {(a, y): {"report_id": r, "version_id": v, "source_url": u} for a, y, r, v, u in found}
    # an agency-year with no parsed report (missing, unreadable): its first document found
    docs = session.exec(select(Document.agency_id, Document.year, Document.url, Document.current_version_id)
                        .where(col(Document.agency_id).in_(agency_ids)).order_by(col(Document.id))).all()
    for a, y, url, current in docs:
        by_year.setdefault((a, y), {"report_id": None, "version_id": current, "source_url": url})  # type: ignore[index]
    out: dict[int, dict[str, Any]] = {}
    for alert in alerts:
        ev = dict(by_year.get((alert.get("agency_id"), alert.get("year")), {}))  # type: ignore[arg-type]
        if (alert.get("labels") or {}).get("version_id"):
            ev["version_id"] = alert["labels"]["version_id"]
        if ev:
            out[alert["id"]] = ev
    return out
