"""What the upward report needs beyond the audit rows: per agency-year the failing checks
with their cells, the changes after publication, and the evidence (the version checked,
its SHA-256 and fetch time). Plain dicts, like models/dashboard_queries.py."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from models.dashboard_queries import audit_rows
from models.tables import DocumentVersion, Finding, Report


def _finding(f: Finding) -> dict[str, Any]:
    return {"id": f.id, "rule": f.rule, "severity": f.severity, "status": f.status,
            "where": dict(f.where or {}), "expected": f.expected, "actual": f.actual,
            "message_zh": f.message_zh, "message_en": f.message_en, "version_id": f.version_id,
            "created_at": f.created_at}


def upward_rows(session: Session, **filters: Any) -> list[dict[str, Any]]:
    """The audit rows (:func:`models.dashboard_queries.audit_rows`, same filters), each with
    ``failed`` (the report's failing and review findings), ``changes`` (P-CHANGED findings
    of the agency-year) and ``evidence`` (sha256, fetched_at, version id of the report)."""
    rows = audit_rows(session, **filters)
    report_ids = [r["report_id"] for r in rows if r["report_id"]]
    agency_ids = list({r["agency_id"] for r in rows})
    failed: dict[int, list[dict[str, Any]]] = {}
    evidence: dict[int, dict[str, Any]] = {}
    if report_ids:
        for f in session.exec(select(Finding).where(col(Finding.report_id).in_(report_ids),
                                                    col(Finding.status).in_(["fail", "review"]))
                              .order_by(col(Finding.id))).all():
            failed.setdefault(f.report_id, []).append(_finding(f))  # type: ignore[arg-type]
        for rid, v in session.exec(select(Report.id, DocumentVersion)
                                   .where(col(Report.id).in_(report_ids),
                                          Report.version_id == DocumentVersion.id)).all():
            evidence[rid] = {"version_id": v.id, "sha256": v.sha256, "fetched_at": v.fetched_at,  # type: ignore[index]
                             "has_snapshot": bool(v.snapshot)}
    changes: dict[tuple[int, int], list[dict[str, Any]]] = {}
    if agency_ids:
        for f in session.exec(select(Finding).where(Finding.rule == "P-CHANGED",
                                                    col(Finding.agency_id).in_(agency_ids))
                              .order_by(col(Finding.id))).all():
            changes.setdefault((f.agency_id, f.year), []).append(_finding(f))  # type: ignore[arg-type]
    for r in rows:
        rid = r["report_id"]
        r["failed"] = failed.get(rid, []) if rid else []
        r["changes"] = changes.get((r["agency_id"], r["year"]), [])
        r["evidence"] = evidence.get(rid) if rid else None
    return rows
