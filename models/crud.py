"""Keyword-only data functions over an explicit session."""
from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from models.dashboard_queries import changed_years, verdict
from models.tables import Agency, AgencyCreate, AgencyYear, Alert, Delivery, Portal


def upsert_agency(session: Session, *, data: AgencyCreate) -> Agency:
    """Create the agency, or update it when one of that name exists."""
    agency = session.exec(select(Agency).where(Agency.name == data.name)).first() or Agency(name=data.name)
    agency.kind, agency.region, agency.deadline_override = data.kind, data.region, data.deadline_override
    if data.parent:
        parent = session.exec(select(Agency).where(Agency.name == data.parent)).first()
        agency.parent_id = parent.id if parent else None
    session.add(agency)
    session.flush()
    return agency


def upsert_portal(session: Session, *, agency_id: int, list_urls: list[str], allowed_hosts: list[str],
                  options: dict[str, Any] | None = None, crawl_interval_hours: float = 24.0) -> Portal:
    """One portal per agency and first list URL."""
    portal = next((p for p in session.exec(select(Portal).where(Portal.agency_id == agency_id)).all()
                   if p.list_urls[:1] == list_urls[:1]), None) or Portal(agency_id=agency_id)
    portal.list_urls, portal.allowed_hosts = list(list_urls), list(allowed_hosts)
    portal.options, portal.crawl_interval_hours = dict(options or {}), crawl_interval_hours
    session.add(portal)
    session.flush()
    return portal


def statuses(session: Session, *, year: int | None = None) -> list[dict[str, Any]]:
    """One row per agency-year: publication status and failing error rules."""
    query = select(AgencyYear, Agency).where(AgencyYear.agency_id == Agency.id)
    if year is not None:
        query = query.where(AgencyYear.year == year)
    rows = []
    changed = changed_years(session)
    for ay, agency in session.exec(query.order_by(col(Agency.name), col(AgencyYear.year))).all():
        status = verdict(ay, (agency.id, ay.year) in changed)
        rows.append({"agency": agency.name, "kind": agency.kind, "year": ay.year, "status": status,
                     "publication": ay.status, "rules_failed": list(ay.rules_failed),
                     "published_at": ay.published_at.isoformat() if ay.published_at else None,
                     "deadline": ay.deadline.isoformat() if ay.deadline else None,
                     "numbers_pending": ay.numbers_pending})
    return rows


def delivered_alerts(session: Session) -> list[dict[str, Any]]:
    """Every notification that went out: alert kind, agency, year, channel and event."""
    rows = session.exec(select(Delivery, Alert, Agency)
                        .where(Delivery.alert_id == Alert.id, Alert.agency_id == Agency.id,
                               Delivery.state == "sent")
                        .order_by(col(Delivery.id))).all()
    return [{"kind": a.kind, "rule": a.rule, "agency": ag.name, "year": a.year, "channel": d.channel,
             "event": d.event, "target": d.target} for d, a, ag in rows]
