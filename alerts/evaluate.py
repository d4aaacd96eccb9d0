"""Evaluate one agency and report year: publication status, failing rules, alerts.

Publication (on time, late, missing) is judged on the documents found for the year,
whether or not they could be parsed or are processed yet; the numbers come from the
newest parsed report. The verdict is stored in ``AgencyYear``; the alerts that follow
from it are synced through :func:`alerts.lifecycle.sync_alerts` in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import defer
from sqlmodel import Session, col, or_, select

from alerts.config import AlertsConfig
from alerts.lifecycle import AlertSpec, sync_alerts
from alerts.policy import BEIJING, DeadlinePolicy, tables_audited
from alerts.routes import Route
from ground.catalogue import CATALOGUE
from models import Agency, AgencyYear, Document, DocumentVersion, Finding, Portal, Report, utcnow
from models.review import counts, decisions_for

STATUS_ZH = {"on_time": "按时发布", "late": "逾期发布", "missing": "未发布", "pending": "未到期限",
             "inconsistent": "数据不一致"}


def _bj(dt: datetime | None) -> str:
    return dt.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if dt else "—"


#: version states whose processing is over (a ``failed`` one has its P-UNPARSED finding)
PROCESSED = ("done", "failed")


def _report_versions(session: Session, agency_id: int, year: int) -> list[tuple[Report, DocumentVersion, Document]]:
    rows = session.exec(
        select(Report, DocumentVersion, Document)
        .where(Report.agency_id == agency_id, Report.year == year)
        .where(Report.version_id == DocumentVersion.id, DocumentVersion.document_id == Document.id)
        # the report's numbers are not needed here (its findings are): not decoded per evaluation
        .options(defer(Report.data))  # type: ignore[arg-type]
        .order_by(col(DocumentVersion.fetched_at), col(DocumentVersion.id))).all()
    return list(rows)  # type: ignore[arg-type]


@dataclass
class Found:
    """What was found for one agency-year, whatever became of its processing.

    Publication is judged on these documents, not on the parsed reports: a report that
    cannot be parsed, or is still waiting in the process queue, is published all the same.
    """

    versions: list[tuple[DocumentVersion, Document]] = field(default_factory=list)  # oldest first
    unparsed: list[tuple[Finding, Document]] = field(default_factory=list)
    parsed: bool = False  # a document's newest processed version gave a report

    @property
    def first(self) -> tuple[datetime, Document] | None:
        """The first publication (its date, or when it was first seen) and its document."""
        dated = [(v.published_at or d.first_seen_at, d) for v, d in self.versions]
        return min(dated, key=lambda pair: pair[0]) if dated else None

    @property
    def waiting(self) -> bool:
        """A version is still pending or running (or waits for its retry)."""
        return any(v.state not in PROCESSED for v, _ in self.versions)


def found_documents(session: Session, agency_id: int, year: int) -> Found:
    """The documents classified as this agency's report of ``year`` that have content.

    A document counts by the crawler's classification (``Document.year``) or, when the
    crawler could not tell the year, by the year of the report parsed from it. A URL that
    never answered with content (no version) is not a publication anyone can read.
    """
    by_report = select(DocumentVersion.document_id).where(
        Report.version_id == DocumentVersion.id, Report.agency_id == agency_id, Report.year == year)
    rows = session.exec(
        select(DocumentVersion, Document).where(DocumentVersion.document_id == Document.id)
        .where(Document.agency_id == agency_id)
        .where(or_(Document.year == year, col(Document.id).in_(by_report)))
        .order_by(col(DocumentVersion.fetched_at), col(DocumentVersion.id))).all()
    found = Found(versions=list(rows))  # type: ignore[arg-type]
    judged = _judged_versions(found.versions)
    if not judged:
        return found
    ids = [v.id for v, _ in judged]
    found.parsed = session.exec(select(Report.id).where(col(Report.version_id).in_(ids))).first() is not None
    docs = {v.id: d for v, d in judged}
    found.unparsed = [(f, docs[f.version_id]) for f in session.exec(  # type: ignore[index]
        select(Finding).where(col(Finding.version_id).in_(ids), Finding.rule == "P-UNPARSED")
        .order_by(col(Finding.version_id))).all()]
    return found


def _judged_versions(versions: list[tuple[DocumentVersion, Document]]) -> list[tuple[DocumentVersion, Document]]:
    """Per document, the version whose parse stands: the current one once processed,
    else the newest processed one (so a P-UNPARSED does not flap while a new version of
    the same page waits in the queue)."""
    out: dict[int, tuple[DocumentVersion, Document]] = {}
    for v, d in versions:  # oldest first: a later processed version replaces an earlier one
        if v.state in PROCESSED and (d.id not in out or out[d.id][0].id != d.current_version_id):
            out[d.id] = (v, d)  # type: ignore[index]
    return list(out.values())


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


def publication_alert(rule: str, agency_id: int | None, year: int | None, *, context: dict[str, Any],
                      extra: dict[str, Any] | None = None, **params: Any) -> AlertSpec:
    """The alert of a publication rule: its severity and texts (``alert``, which may name
    the ``year``) from the catalogue."""
    entry = CATALOGUE[rule]
    zh, en = entry.text("alert", year=year, **params)
    return AlertSpec(rule, agency_id, year, entry.severity, zh, en, rule=rule, extra=dict(extra or {}),
                     context=context)


def evaluate_portals(session: Session, *, agency: Agency, config: AlertsConfig, now: datetime) -> None:
    """P-UNREACHABLE for each portal of the agency that failed N crawls in a row."""
    ctx = {"agency": agency.name, "region": agency.region, "agency_kind": agency.kind}
    desired = []
    for portal in session.exec(select(Portal).where(Portal.agency_id == agency.id)).all():
        if portal.enabled and portal.consecutive_failures >= config.unreachable_after:
            url = (portal.list_urls or [""])[0]
            desired.append(publication_alert(
                "P-UNREACHABLE", agency.id, None, extra={"portal_id": portal.id}, context=ctx,
                agency=agency.name, url=url, failures=portal.consecutive_failures))
    sync_alerts(session, scope={"agency_id": agency.id, "year": None, "context": ctx},
                desired=desired, routes=list(config.routes), now=now)


def evaluate_agency_year(session: Session, *, agency_id: int, year: int, policy: DeadlinePolicy | None = None,
                         routes: list[Route] | None = None, now: datetime | None = None,
                         config: AlertsConfig | None = None, unit: AgencyYear | None = None,
                         commit: bool = True) -> AgencyYear:
    """Compute and store the verdict, and fire or resolve the alerts it implies.

    ``config`` (see :func:`alerts.config.load_config`) carries the policy, routes,
    reminder, backfill and P-UNREACHABLE settings; ``policy``/``routes`` alone use the
    defaults for the rest. ``unit``: the agency-year row already loaded (the evaluate
    unit's), so it is not read again. ``commit=False`` flushes only: the caller commits
    the verdict together with its own work (the evaluate unit, with the end of its lease).
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
    found = found_documents(session, agency_id, year)
    # Lateness is judged on the first publication of any document found (parsed or not,
    # processed or not); the newest parsed version decides the numbers.
    first = found.first
    first_pub, first_doc = first if first else (None, None)
    versions = _report_versions(session, agency_id, year)
    latest = versions[-1][0] if versions else None
    status = policy.status(deadline=deadline, published_at=first_pub, found=first is not None, now=now)
    failing: list[Finding] = []
    dismissed: dict[str, str] = {}
    if latest is not None and tables_audited(year):  # a pre-2019 report's tables are never judged
        # an admin's decision stands for this version: dismissed findings no longer count,
        # findings waiting for a person count once confirmed (models/review.py)
        decided = decisions_for(session, [latest.version_id])
        failing = [f for f in session.exec(select(Finding).where(
            Finding.report_id == latest.id, col(Finding.status).in_(["fail", "review"]),
            Finding.severity == "error")).all()
            if counts(decided.get((latest.version_id, f.rule)), f.status)]
        dismissed = {rule: "检查结果已被管理员驳回 finding dismissed by an admin"
                     for (_, rule), d in decided.items() if d == "dismissed"}
    row = unit if unit is not None and (unit.agency_id, unit.year) == (agency_id, year) else None
    row = row or session.exec(select(AgencyYear).where(AgencyYear.agency_id == agency_id,
                                                       AgencyYear.year == year)).first() \
        or AgencyYear(agency_id=agency_id, year=year)
    row.status, row.deadline, row.published_at = status, deadline, first_pub
    row.report_id = latest.id if latest else None
    row.rules_failed = sorted({f.rule for f in failing})
    row.numbers_pending = found.waiting
    row.evaluated_at = now
    session.add(row)

    ctx: dict[str, Any] = {"agency": agency.name, "region": agency.region, "agency_kind": agency.kind}
    if versions:  # what a notification links to: the report page, the source, the snapshot
        report, version, document = versions[-1]
        ctx.update(report_id=report.id, report_version_id=version.id, source_url=document.url)
    elif first_doc is not None:
        ctx["source_url"] = first_doc.url
    backfill = backfill_reason(session, first_doc, first_pub, year=year, now=now, days=config.backfill_days)
    changes = session.exec(select(Finding).where(Finding.agency_id == agency_id, Finding.year == year,
                                                 Finding.rule == "P-CHANGED")).all()
    # versions whose P-CHANGED an admin dismissed: no alert, and its open one resolves quietly
    changed = decisions_for(session, list({f.version_id for f in changes if f.version_id}))
    dismissed_changes = {v for (v, rule), d in changed.items() if rule == "P-CHANGED" and d == "dismissed"}
    desired = _desired_alerts(agency=agency, year=year, status=status, deadline=deadline,
                              published=first_pub, failing=failing, ctx=ctx, changes=list(changes),
                              dismissed_changes=dismissed_changes)
    # an unreadable document or a change after publication that an admin dismissed no
    # longer alerts for that version; its open alert resolves without a notification
    judged = decisions_for(session, list({f.version_id for f, _ in found.unparsed if f.version_id}))
    if found.unparsed and all(judged.get((f.version_id, f.rule)) == "dismissed"  # type: ignore[arg-type]
                              for f, _ in found.unparsed):
        found.unparsed = []
        dismissed["P-UNPARSED"] = "检查结果已被管理员驳回 finding dismissed by an admin"
    desired += _unparsed_alerts(agency=agency, year=year, found=found, ctx=ctx)
    for spec in desired:
        if spec.kind in ("P-LATE", "inconsistent"):
            spec.suppress = backfill
        elif spec.kind == "P-UNPARSED":
            spec.suppress = _unparsed_backfill(session, found, year=year, now=now, days=config.backfill_days)
    if status == "pending" and config.reminder_days and now >= deadline - timedelta(days=config.reminder_days):
        left = max((deadline - now).days, 0)
        desired.append(AlertSpec(
            "reminder", agency_id, year, "info",
            f"提醒：{agency.name} 尚未发布{year}年度政府信息公开工作年度报告，期限 {_bj(deadline)}（剩余 {left} 天）",
            f"reminder: {agency.name} has not published its {year} annual report; due {_bj(deadline)} "
            f"({left} days left)", rule="reminder", context=ctx))
    sync_alerts(session, scope={"agency_id": agency_id, "year": year, "context": ctx, "dismissed": dismissed,
                                "dismissed_events": dismissed_changes},
                desired=desired, routes=routes, now=now)
    if commit:
        session.commit()
    else:  # a failing write raises here, inside the caller's error handling
        session.flush()
    return row


def _unparsed_backfill(session: Session, found: Found, *, year: int, now: datetime,
                       days: int) -> str | None:
    if not found.unparsed:
        return None
    _, doc = found.unparsed[0]
    dates = [v.published_at or d.first_seen_at for v, d in found.versions if d.id == doc.id]
    return backfill_reason(session, doc, min(dates), year=year, now=now, days=days)


def _unparsed_alerts(*, agency: Agency, year: int, found: Found, ctx: dict[str, Any]) -> list[AlertSpec]:
    """P-UNPARSED: the year is published but no document of it gave the report tables.

    One alert per agency-year, naming the pages to read by hand. Before 2019 there is no
    national layout, so nothing is expected to parse; when another document of the year
    parsed (a page and its scanned attachment) the numbers are audited and all is well.
    """
    if not found.unparsed or found.parsed or not tables_audited(year):
        return []
    urls = list(dict.fromkeys(d.url for _, d in found.unparsed))
    shown = "、".join(urls[:3]) + (f" 等 {len(urls)} 个文档" if len(urls) > 3 else "")
    shown_en = ", ".join(urls[:3]) + (f" and {len(urls) - 3} more" if len(urls) > 3 else "")
    why_zh, why_en = found.unparsed[0][0].message_zh, found.unparsed[0][0].message_en
    return [publication_alert("P-UNPARSED", agency.id, year, context=ctx, agency=agency.name,
                              shown_zh=shown, shown_en=shown_en, why_zh=why_zh, why_en=why_en)]


def _desired_alerts(*, agency: Agency, year: int, status: str, deadline: datetime,
                    published: datetime | None, failing: list[Finding], ctx: dict[str, Any],
                    changes: list[Finding], dismissed_changes: set[int]) -> list[AlertSpec]:
    name, aid = agency.name, agency.id
    out: list[AlertSpec] = []
    if status == "missing":
        out.append(publication_alert("P-MISSING", aid, year, context=ctx, agency=name,
                                     deadline=_bj(deadline)))
    elif status == "late":
        out.append(publication_alert("P-LATE", aid, year, context=ctx, agency=name,
                                     published=_bj(published), deadline=_bj(deadline)))
    for rule in sorted({f.rule for f in failing}):
        first = next(f for f in failing if f.rule == rule)
        out.append(AlertSpec("inconsistent", aid, year, "error",
                             f"{name} {year}年度报告数据不一致（{rule}）：{first.message_zh}",
                             f"{name} {year} report is inconsistent ({rule}): {first.message_en}",
                             rule=rule, context=ctx))
    for f in changes:
        if f.version_id in dismissed_changes:
            continue
        out.append(publication_alert("P-CHANGED", aid, year, extra={"version_id": f.version_id}, context=ctx,
                                     agency=name, finding_zh=f.message_zh, finding_en=f.message_en))
    return out
