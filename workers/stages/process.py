"""Process one document version: extract → parse → validate, store report and findings."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, delete, select

from alerts.policy import tables_audited
from ground import contracts
from ground.catalogue import publication_finding
from ground.contracts import new_finding
from ground.errors import DocumentError
from models import Agency, Document, DocumentVersion, Finding, Report
import workers.parse
from workers.pipeline import check_report, diff_reports, unparsed_finding
from workers.validate import validate_pair
from workers.validate.labels import cell_en, cell_zh


def _previous_report(session: Session, *, agency_id: int | None, year: int | None) -> dict[str, Any] | None:
    # a pre-2019 report has no national tables to carry over from
    if agency_id is None or year is None or not tables_audited(year - 1):
        return None
    row = session.exec(select(Report).where(Report.agency_id == agency_id, Report.year == year - 1)
                       .order_by(col(Report.id).desc())).first()
    return row.data if row else None


def detect_changes(session: Session, *, version: DocumentVersion, report: dict[str, Any],
                   url: str) -> list[dict[str, Any]]:
    """P-CHANGED findings: a re-dated report, or numbers that differ from the last parse.

    Raw bytes alone are not enough: portals re-render pages with view counters.
    """
    if version.previous_version_id is None:
        return []
    prev_report = session.exec(select(Report).where(Report.version_id == version.previous_version_id)).first()
    out = date_change(session, version=version, url=url)
    cells = diff_reports(prev_report.data, report) if prev_report is not None else []
    if cells:
        # cells named as the form names them (表三“（一）予以公开”行“自然人”列), not by key and index
        shown = "；".join(f"{cell_zh(c['table'], c['row'], c['column'])} {c['old']}→{c['new']}" for c in cells[:5])
        shown_en = "; ".join(f"{cell_en(c['table'], c['row'], c['column'])} {c['old']}→{c['new']}"
                             for c in cells[:5])
        more = f" …(+{len(cells) - 5})" if len(cells) > 5 else ""
        out.append(publication_finding("P-CHANGED", "numbers",
                                       where={"url": url, "change": "content", "cells": cells[:50]},
                                       actual=len(cells), count=len(cells), shown=shown, shown_en=shown_en,
                                       more=more))
    return out


def date_change(session: Session, *, version: DocumentVersion, url: str) -> list[dict[str, Any]]:
    """P-CHANGED for a re-dated report: the best publication date differs from the last version's."""
    prev = session.get(DocumentVersion, version.previous_version_id) if version.previous_version_id else None
    if prev is None or not prev.dates_key or not version.dates_key or prev.dates_key == version.dates_key:
        return []
    return [publication_finding("P-CHANGED", "redated", where={"url": url, "change": "date"},
                                expected=prev.dates_key, actual=version.dates_key,
                                before=prev.dates_key[:16], after=version.dates_key[:16], url=url)]


def date_findings(version: DocumentVersion, *, url: str) -> list[dict[str, Any]]:
    """P-DATES: the page's publication dates (meta, header, byline, list, URL) disagree."""
    by_day: dict[str, list[str]] = {}
    for d in version.dates or []:
        if d.get("value"):
            by_day.setdefault(str(d["value"])[:10], []).append(str(d.get("source")))
    if len(by_day) < 2:
        return []
    shown = "，".join(f"{'/'.join(srcs)} {day}" for day, srcs in sorted(by_day.items()))
    return [publication_finding("P-DATES", "fail", where={"url": url, "dates": version.dates},
                                expected=version.dates_key[:10] or None, actual=sorted(by_day), shown=shown)]


def process_version(session: Session, *, version_id: int,
                    parse: Callable[..., dict[str, Any]] | None = None,
                    seen: dict[str, Any] | None = None) -> tuple[int | None, int | None]:
    """Parse and validate one version; returns the (agency_id, year) to re-evaluate.

    ``parse`` reads the bytes (default :func:`workers.parse.parse_bytes`, looked up at each
    call; the embedded service passes a time-limited child process, :mod:`workers.sandbox`).
    ``seen`` receives ``next_year`` (whether next year's report exists) when it was looked
    up here, so the caller need not ask the database again.

    Re-running it replaces the version's report and findings, so a redelivered task
    changes nothing. A version that cannot be parsed gets a P-UNPARSED finding (never for
    a report year before 2019, whose tables are not audited) and its date findings; its
    publication counts all the same (see :mod:`alerts.evaluate`).
    """
    parse = parse or workers.parse.parse_bytes

    version = session.get(DocumentVersion, version_id)
    if version is None:
        return None, None
    doc = session.get(Document, version.document_id)
    assert doc is not None
    agency = session.get(Agency, doc.agency_id) if doc.agency_id else None
    session.exec(delete(Finding).where(Finding.version_id == version_id))  # type: ignore[call-overload]
    session.exec(delete(Report).where(Report.version_id == version_id))  # type: ignore[call-overload]
    if not tables_audited(doc.year):
        # No national layout before 2019: nothing to parse against, so only the publication
        # (dates, re-dating) is recorded, and such a document is never "unparsed".
        _add_publication_findings(session, version=version, doc=doc, year=doc.year)
        session.commit()
        return doc.agency_id, doc.year
    data = Path(version.snapshot).read_bytes()
    try:
        report = parse(data, filename=doc.url.rsplit("/", 1)[-1] or "index.html",
                       content_type=version.content_type or None)
    except DocumentError as exc:
        # A detail page whose tables live in an attachment is not itself unparsed.
        has_attachments = session.exec(select(Document.id).where(Document.parent_url == doc.url)).first()
        if doc.kind == "attachment" or not has_attachments:
            f = unparsed_finding(exc)
            # the page people must read by hand
            f = new_finding(**{**f, "where": {**f["where"], "url": doc.url}})
            session.add(Finding.stored(f, agency_id=doc.agency_id, year=doc.year, version_id=version_id))
            # published all the same: its dates are audited like those of a parsed report
            # (a page with attachments leaves that to them, they carry its dates)
            _add_publication_findings(session, version=version, doc=doc, year=doc.year)
        session.commit()
        return doc.agency_id, doc.year
    year = doc.year or report.get("year")
    audited = tables_audited(year)  # False only when the year came from the report itself
    findings = check_report(report, previous=_previous_report(session, agency_id=doc.agency_id, year=year),
                            agency_kind=agency.kind if agency else None) if audited else []
    for change in detect_changes(session, version=version, report=report, url=doc.url) + \
            date_findings(version, url=doc.url):
        session.add(Finding.stored(change, agency_id=doc.agency_id, year=year, version_id=version_id))
    # kept even when not audited: the report row is what tells evaluation the year
    row = Report(agency_id=doc.agency_id, year=year, version_id=version_id,
                 format_version=report.get("format_version"), published_at=version.published_at, data=report)
    session.add(row)
    session.flush()
    _store_findings(session, findings, report=row)
    if audited:
        found = refresh_next_year(session, agency_id=doc.agency_id, year=year, report=report)
        if seen is not None:
            seen["next_year"] = found
    session.commit()
    return doc.agency_id, year


def _add_publication_findings(session: Session, *, version: DocumentVersion, doc: Document,
                              year: int | None) -> None:
    """The findings about how a document was published, which need no parsed tables."""
    for f in date_change(session, version=version, url=doc.url) + date_findings(version, url=doc.url):
        session.add(Finding.stored(f, agency_id=doc.agency_id, year=year, version_id=version.id))


def _store_findings(session: Session, findings: list[contracts.Finding], *, report: Report) -> None:
    for f in findings:
        session.add(Finding.stored(f, agency_id=report.agency_id, year=report.year,
                                   version_id=report.version_id, report_id=report.id))


def next_year_report(session: Session, *, agency_id: int | None, year: int | None) -> Report | None:
    """The newest stored report of the following year, if any."""
    if agency_id is None or year is None:
        return None
    return session.exec(select(Report).where(Report.agency_id == agency_id, Report.year == year + 1)
                        .order_by(col(Report.id).desc())).first()


def refresh_next_year(session: Session, *, agency_id: int | None, year: int | None,
                      report: dict[str, Any]) -> bool:
    """Re-run the cross-year rules of next year's report against this one.

    Reports arrive in any order (a back-filled column, parallel workers): when last
    year's report lands after this year's, this year's X-* findings are redone here.
    """
    nxt = next_year_report(session, agency_id=agency_id, year=year)
    if nxt is None:
        return False
    session.exec(delete(Finding).where(Finding.report_id == nxt.id,  # type: ignore[call-overload]
                                       col(Finding.rule).startswith("X-")))
    _store_findings(session, validate_pair(nxt.data, report), report=nxt)
    return True
