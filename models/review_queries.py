"""The review queue and the follow-up states as plain dicts (like models/dashboard_queries.py), and
the two writes an admin makes: decide on a finding, set an agency-year's follow-up."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, or_, select

from models.review import DECISIONS, FOLLOW_UPS, FindingDecision, FollowUp
from models.tables import Agency, Finding, utcnow

#: findings of a document version (not of its report tables) that the queue offers
VERSION_RULES = ("P-CHANGED", "P-UNPARSED")


def _decision_dict(d: FindingDecision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"id": d.id, "decision": d.decision, "note": d.note, "decided_by": d.decided_by,
            "decided_at": d.decided_at, "version_id": d.version_id, "rule": d.rule, "finding_id": d.finding_id}


def review_queue(session: Session, *, state: str = "open", limit: int = 500) -> list[dict[str, Any]]:
    """Findings a person should look at: every ``review`` finding and every failing error
    finding of a report, every P-CHANGED and P-UNPARSED finding of a version, with its agency, year and the decision taken (if any).
    ``state``: ``open`` (no decision yet), ``decided`` or ``all``."""
    of_report = col(Finding.report_id).is_not(None) & or_(
        Finding.status == "review", (Finding.status == "fail") & (Finding.severity == "error"))
    # a change after publication and an unreadable document are warnings of a version
    # (no report id), yet an office decides on them too: a view counter is no edit
    of_version = col(Finding.version_id).is_not(None) & col(Finding.rule).in_(VERSION_RULES) \
        & (Finding.status == "fail")
    query = (select(Finding, Agency).where(Finding.agency_id == Agency.id).where(or_(of_report, of_version))
             .order_by(col(Finding.id).desc()))
    pairs = session.exec(query).all()
    versions = list({f.version_id for f, _ in pairs if f.version_id})
    decided = {(d.version_id, d.rule): d for d in session.exec(
        select(FindingDecision).where(col(FindingDecision.version_id).in_(versions))).all()} if versions else {}
    out = []
    for f, agency in pairs:
        d = decided.get((f.version_id, f.rule))  # type: ignore[arg-type]
        if (state == "open" and d is not None) or (state == "decided" and d is None):
            continue
        out.append({"id": f.id, "rule": f.rule, "severity": f.severity, "status": f.status,
                    "where": dict(f.where or {}), "message_zh": f.message_zh, "message_en": f.message_en,
                    "review": f.review, "agency_id": agency.id, "agency": agency.name, "year": f.year,
                    "report_id": f.report_id, "version_id": f.version_id, "decision": _decision_dict(d)})
        if len(out) >= limit:
            break
    return out


def decide(session: Session, *, finding_id: int, decision: str, note: str, by: str) -> dict[str, Any] | None:
    """Record (or change) the decision on a finding's rule for its document version.
    Returns the decision with the agency-year to evaluate again; None if no such finding."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}")
    f = session.get(Finding, finding_id)
    if f is None or f.version_id is None:
        return None
    row = session.exec(select(FindingDecision).where(FindingDecision.version_id == f.version_id,
                                                     FindingDecision.rule == f.rule)).first()
    row = row or FindingDecision(version_id=f.version_id, rule=f.rule)
    row.agency_id, row.year, row.finding_id = f.agency_id, f.year, f.id
    row.decision, row.note, row.decided_by, row.decided_at = decision, note, by, utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)
    return {**_decision_dict(row), "agency_id": f.agency_id, "year": f.year}  # type: ignore[dict-item]


def set_follow_up(session: Session, *, agency_id: int, year: int, state: str, note: str,
                  by: str) -> dict[str, Any]:
    if state not in FOLLOW_UPS:
        raise ValueError(f"state must be one of {FOLLOW_UPS}")
    row = session.exec(select(FollowUp).where(FollowUp.agency_id == agency_id, FollowUp.year == year)).first()
    row = row or FollowUp(agency_id=agency_id, year=year, state=state)
    row.state, row.note, row.updated_by, row.updated_at = state, note, by, utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)
    return follow_up_dict(row)


def follow_up_dict(row: FollowUp) -> dict[str, Any]:
    return {"agency_id": row.agency_id, "year": row.year, "state": row.state, "note": row.note,
            "updated_by": row.updated_by, "updated_at": row.updated_at}


def follow_ups(session: Session, agency_ids: list[int]) -> dict[tuple[int, int], dict[str, Any]]:
    if not agency_ids:
        return {}
    rows = session.exec(select(FollowUp).where(col(FollowUp.agency_id).in_(agency_ids))).all()
    return {(r.agency_id, r.year): follow_up_dict(r) for r in rows}
