"""Evaluate one agency and report year: publication status, failing rules, alerts.

The verdict is stored in ``AgencyYear``; the alerts that follow from it are synced
through :func:`alerts.lifecycle.sync_alerts` in the same transaction.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from alerts.config import AlertsConfig
from alerts.lifecycle import AlertSpec, sync_alerts
from alerts.policy import BEIJING, DeadlinePolicy
from alerts.routes import Route
from models import Agency, AgencyYear, Document, DocumentVersion, Finding, Portal, Report, utcnow

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


def backfill_reason(session: Session, document: Document | None, published: datetime | None, *,
                    year: int, now: datetime, days: int) -> str | None:
    """Why an old report found by its portal's first crawl raises no notification, or None.

    Onboarding a portal must not replay its whole history: a report of a year before the
    two years under watch, published more than ``days`` before the first crawl (or
    before ``now`` when the audit date is earlier, as in the demo), is recorded without
    a notification. The years under watch (last year's report and the one before) are
    always notified: they are what the audit is about.
    """
    if days <= 0 or document is None or published is None or document.portal_id is None:
        return None
    if year >= now.astimezone(BEIJING).year - 2:
        return None
    portal = session.get(Portal, document.portal_id)
    first = portal.first_crawled_at if portal else None
    if first is None or document.first_seen_at > first + timedelta(seconds=1):
        return None
    reference = min(first, now)
    if published >= reference - timedelta(days=days):
        return None
    return (f"backfill: published {_bj(published)}, found by the portal's first crawl on {_bj(first)} "
            f"(more than {days} days earlier)")


def evaluate_portals(session: Session, *, agency: Agency, config: AlertsConfig, now: datetime) -> None:
    """P-UNREACHABLE for each portal of the agency that failed N crawls in a row."""
    ctx = {"agency": agency.name, "region": agency.region, "agency_kind": agency.kind}
    desired = []
    for portal in session.exec(select(Portal).where(Portal.agency_id == agency.id)).all():
        if portal.enabled and portal.consecutive_failures >= config.unreachable_after:
            url = (portal.list_urls or [""])[0]
            desired.append(AlertSpec(
                "P-UNREACHABLE", agency.id, None, "warning",
                f"{agency.name} 的门户 {url} 已连续 {portal.consecutive_failures} 次无法抓取",
                f"the portal {url} of {agency.name} failed {portal.consecutive_failures} crawls in a row",
                rule="P-UNREACHABLE", extra={"portal_id": portal.id}, context=ctx))
    sync_alerts(session, scope={"agency_id": agency.id, "year": None, "context": ctx},
                desired=desired, routes=list(config.routes), now=now)


def evaluate_agency_year(session: Session, *, agency_id: int, year: int, policy: DeadlinePolicy | None = None,
                         routes: list[Route] | None = None, now: datetime | None = None,
                         config: AlertsConfig | None = None) -> AgencyYear:
    """Compute and store the verdict, and fire or resolve the alerts it implies.

    ``config`` (see :func:`alerts.config.load_config`) carries the policy, routes,
    reminder, backfill and P-UNREACHABLE settings; ``policy``/``routes`` alone use the
    defaults for the rest.
    """
    now = now or utcnow()
    if config is None:
        config = AlertsConfig(policy=policy or DeadlinePolicy(), routes=tuple(routes or ()))
    elif policy is not None or routes is not None:
        raise TypeError("give either config, or policy and routes")
    policy, routes = config.policy, list(config.routes)
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise LookupError(f"agency {agency_id} does not exist")
    evaluate_portals(session, agency=agency, config=config, now=now)
    deadline = policy.deadline(year=year, kind=agency.kind, region=agency.region,
                               agency_override=agency.deadline_override, agency=agency.name)
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
    first_doc = min(versions, key=lambda r: r[1].published_at or r[2].first_seen_at)[2] if versions else None
    backfill = backfill_reason(session, first_doc, first_pub, year=year, now=now, days=config.backfill_days)
    desired = _desired_alerts(session, agency=agency, year=year, status=status, deadline=deadline,
                              published=first_pub, failing=failing, has_report=bool(versions), ctx=ctx)
    for spec in desired:
        if spec.kind in ("P-LATE", "inconsistent"):
            spec.suppress = backfill
        elif spec.kind == "P-UNPARSED":
            spec.suppress = _unparsed_backfill(session, agency_id, year, now=now, days=config.backfill_days)
    if status == "pending" and config.reminder_days and now >= deadline - timedelta(days=config.reminder_days):
        left = max((deadline - now).days, 0)
        desired.append(AlertSpec(
            "reminder", agency_id, year, "info",
            f"提醒：{agency.name} 尚未发布{year}年度政府信息公开工作年度报告，期限 {_bj(deadline)}（剩余 {left} 天）",
            f"reminder: {agency.name} has not published its {year} annual report; due {_bj(deadline)} "
            f"({left} days left)", rule="reminder", context=ctx))
    sync_alerts(session, scope={"agency_id": agency_id, "year": year, "context": ctx},
                desired=desired, routes=routes, now=now)
    session.commit()
    return row


def _unparsed_backfill(session: Session, agency_id: int, year: int, *, now: datetime,
                       days: int) -> str | None:
    row = session.exec(select(Document, DocumentVersion).where(
        Finding.agency_id == agency_id, Finding.year == year, Finding.rule == "P-UNPARSED",
        Finding.version_id == DocumentVersion.id, DocumentVersion.document_id == Document.id)).first()
    if row is None:
        return None
    doc, version = row
    return backfill_reason(session, doc, version.published_at or doc.first_seen_at, year=year, now=now,
                           days=days)


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
