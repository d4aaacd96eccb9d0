"""Evaluate one agency and report year: publication status, failing rules, alerts.

The verdict is stored in ``AgencyYear``; the alerts that follow from it are synced
through :func:`alerts.lifecycle.sync_alerts` in the same transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from alerts.lifecycle import AlertSpec, sync_alerts
from alerts.policy import BEIJING, DeadlinePolicy
from alerts.routes import Route
from models import Agency, AgencyYear, Document, DocumentVersion, Finding, Report, utcnow

STATUS_ZH = {"on_time": "按时发布", "late": "逾期发布", "missing": "未发布", "pending": "未到期限",
             "inconsistent": "数据不一致"}


def _bj(dt: datetime | None) -> str:
    return dt.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if dt else "—"


def _report_versions(session: Session, agency_id: int, year: int) -> list[tuple[Report, DocumentVersion, Document]]:
    rows = session.exec(
        select(Report, DocumentVersion, Document)
        .where(Report.agency_id == agency_id, Report.year == year)
        .where(Report.version_id == DocumentVersion.id, DocumentVersion.document_id == Document.id)
        .order_by(col(DocumentVersion.fetched_at), col(DocumentVersion.id))).all()
    return list(rows)  # type: ignore[arg-type]


def evaluate_agency_year(session: Session, *, agency_id: int, year: int, policy: DeadlinePolicy,
                         routes: list[Route], now: datetime | None = None) -> AgencyYear:
    """Compute and store the verdict, and fire or resolve the alerts it implies."""
    now = now or utcnow()
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise LookupError(f"agency {agency_id} does not exist")
    deadline = policy.deadline(year=year, kind=agency.kind, region=agency.region,
                               agency_override=agency.deadline_override)
    versions = _report_versions(session, agency_id, year)
    # Lateness is judged on the first publication; the newest version decides the numbers.
    first_pub = min((v.published_at or d.first_seen_at for _, v, d in versions), default=None)
    latest = versions[-1][0] if versions else None
    status = policy.status(deadline=deadline, published_at=first_pub, found=bool(versions), now=now)
    failing: list[Finding] = []
    if latest is not None:
        failing = list(session.exec(select(Finding).where(
            Finding.report_id == latest.id, Finding.status == "fail", Finding.severity == "error")).all())
    row = session.exec(select(AgencyYear).where(AgencyYear.agency_id == agency_id,
                                                AgencyYear.year == year)).first() \
        or AgencyYear(agency_id=agency_id, year=year)
    row.status, row.deadline, row.published_at = status, deadline, first_pub
    row.report_id = latest.id if latest else None
    row.rules_failed = sorted({f.rule for f in failing})
    row.evaluated_at = now
    session.add(row)

    ctx = {"agency": agency.name, "region": agency.region, "agency_kind": agency.kind}
    desired = _desired_alerts(session, agency=agency, year=year, status=status, deadline=deadline,
                              published=first_pub, failing=failing, has_report=bool(versions), ctx=ctx)
    sync_alerts(session, scope={"agency_id": agency_id, "year": year, "context": ctx},
                desired=desired, routes=routes, now=now)
    session.commit()
    return row


def _desired_alerts(session: Session, *, agency: Agency, year: int, status: str, deadline: datetime,
                    published: datetime | None, failing: list[Finding], has_report: bool,
                    ctx: dict[str, Any]) -> list[AlertSpec]:
    name, aid = agency.name, agency.id
    out: list[AlertSpec] = []
    if status == "missing":
        out.append(AlertSpec("P-MISSING", aid, year, "error",
                             f"{name} 未在 {_bj(deadline)} 前发布{year}年度政府信息公开工作年度报告",
                             f"{name} has not published its {year} annual report by {_bj(deadline)}",
                             rule="P-MISSING", context=ctx))
    elif status == "late":
        out.append(AlertSpec("P-LATE", aid, year, "error",
                             f"{name} {year}年度报告于 {_bj(published)} 发布，晚于期限 {_bj(deadline)}",
                             f"{name} published its {year} report on {_bj(published)}, after {_bj(deadline)}",
                             rule="P-LATE", context=ctx))
    for rule in sorted({f.rule for f in failing}):
        first = next(f for f in failing if f.rule == rule)
        out.append(AlertSpec("inconsistent", aid, year, "error",
                             f"{name} {year}年度报告数据不一致（{rule}）：{first.message_zh}",
                             f"{name} {year} report is inconsistent ({rule}): {first.message_en}",
                             rule=rule, context=ctx))
    for f in session.exec(select(Finding).where(Finding.agency_id == aid, Finding.year == year,
                                                Finding.rule == "P-CHANGED")).all():
        out.append(AlertSpec("P-CHANGED", aid, year, "warning", f"{name}：{f.message_zh}",
                             f"{name}: {f.message_en}", rule="P-CHANGED",
                             extra={"version_id": f.version_id}, context=ctx))
    if not has_report:
        unparsed = session.exec(select(Finding).where(Finding.agency_id == aid, Finding.year == year,
                                                      Finding.rule == "P-UNPARSED")).first()
        if unparsed is not None:
            out.append(AlertSpec("P-UNPARSED", aid, year, "warning", f"{name}：{unparsed.message_zh}",
                                 f"{name}: {unparsed.message_en}", rule="P-UNPARSED", context=ctx))
    return out
