"""Prometheus metrics read from the source of truth: the database and Redis.

Counts come from the tables at scrape time rather than from in-process counters, so
that every process (the web app, beat, each worker on each host) reports the same
figures, whatever prefork child or host did the work, and a restart loses nothing.
Aggregate them with ``max`` across instances, not ``sum``.

Every family is prefixed ``gkwatch_``; the families and their labels are listed in
:data:`FAMILIES` (docs/operations.md shows the alerting rules built on them).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import case, func
from sqlmodel import select

from models import AgencyYear, Alert, CrawlRun, DocumentVersion, Notification, Portal, Report
from models.db import session_scope
from models.lease import lease_counts
from workers.queues import queue_depths
from workers.units import STAGES

log = logging.getLogger("gkwatch.metrics")

#: exposition content type (text format 0.0.4)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

#: name → (type, help); names of counters without the ``_total`` suffix
FAMILIES: dict[str, tuple[str, str]] = {
    "gkwatch_up": ("gauge", "1 when the database answered this scrape"),
    "gkwatch_redis_up": ("gauge", "1 when Redis answered (absent on embedded defaults)"),
    "gkwatch_documents_processed": ("counter", "document versions extracted, parsed and validated"),
    "gkwatch_reports": ("counter", "canonical reports parsed"),
    "gkwatch_units": ("gauge", "units of work per stage and state (pending, waiting, leased, expired, done, …)"),
    "gkwatch_crawl_errors": ("counter", "crawl runs that failed for good"),
    "gkwatch_portals_failing": ("gauge", "enabled portals whose last crawl failed"),
    "gkwatch_portals_unreachable": ("gauge", "enabled portals failing at least alerts_unreachable_after times in a row"),
    "gkwatch_portals": ("gauge", "enabled portals"),
    "gkwatch_agency_years": ("gauge", "verdicts per status (on_time, late, missing, pending)"),
    "gkwatch_alerts_firing": ("gauge", "alerts firing, per kind"),
    "gkwatch_delivery_failures": ("counter", "notifications given up (dead), per channel"),
    "gkwatch_deliveries_retrying": ("gauge", "notifications that failed at least once and wait for a retry"),
    "gkwatch_notifications_sent": ("counter", "notifications delivered, per channel"),
    "gkwatch_queue_depth": ("gauge", "messages waiting in each Celery queue (Redis list length)"),
    "gkwatch_scrape_duration_seconds": ("gauge", "time this scrape spent reading the database and Redis"),
}


#: alert kinds always exported (as 0 when none fires); others appear when they fire
ALERT_KINDS = ("P-MISSING", "P-LATE", "P-CHANGED", "P-UNPARSED", "P-UNREACHABLE", "inconsistent", "reminder")


def _family(name: str, labels: list[str] | None = None) -> Any:
    kind, doc = FAMILIES[name]
    cls = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
    return cls(name, doc, labels=labels or [])


class GkwatchCollector(Collector):
    """Reads the counts at each scrape; a database or Redis outage turns into
    ``gkwatch_up 0`` / ``gkwatch_redis_up 0`` instead of a failed scrape."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def describe(self) -> list[Any]:
        return []  # no describe-time database access when registering

    def collect(self) -> Iterator[Any]:
        started = time.monotonic()
        up = _family("gkwatch_up")
        try:
            families = self._database_families()
        except Exception as exc:  # reported as a value; a failed scrape would hide gkwatch_up
            log.warning("metrics: database unreachable: %s", exc)
            families = []
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
        yield up
        yield from families
        if self.settings.redis_url:
            yield from self._redis_families()
        took = _family("gkwatch_scrape_duration_seconds")
        took.add_metric([], time.monotonic() - started)
        yield took

    def _database_families(self) -> list[Any]:
        out: list[Any] = []
        with session_scope(self.settings.effective_database_url) as s:
            def count(model: Any, *where: Any) -> int:
                return int(s.exec(select(func.count()).select_from(model).where(*where)).one())

            docs = _family("gkwatch_documents_processed")
            docs.add_metric([], count(DocumentVersion, DocumentVersion.state == "done"))
            reports = _family("gkwatch_reports")
            reports.add_metric([], count(Report))
            out += [docs, reports]

            units = _family("gkwatch_units", ["stage", "state"])
            for stage, model in _unit_models().items():
                # the usual states are always there (as 0), so that series do not appear and vanish
                final = ("sent", "dead") if stage == "notify" else ("done", "failed")
                counts = {st: 0 for st in ("pending", "running", *final)} | lease_counts(s, model)
                for state, n in sorted(counts.items()):
                    units.add_metric([stage, state], n)
            out.append(units)

            errors = _family("gkwatch_crawl_errors")
            errors.add_metric([], count(CrawlRun, CrawlRun.state == "failed"))
            enabled = Portal.enabled == True  # noqa: E712 - SQL expression
            portals = _family("gkwatch_portals")
            portals.add_metric([], count(Portal, enabled))
            failing = _family("gkwatch_portals_failing")
            failing.add_metric([], count(Portal, enabled, Portal.consecutive_failures > 0))
            unreachable = _family("gkwatch_portals_unreachable")
            unreachable.add_metric([], count(Portal, enabled, Portal.consecutive_failures
                                             >= self.settings.alerts_unreachable_after))
            out += [errors, portals, failing, unreachable]

            verdicts = _family("gkwatch_agency_years", ["status"])
            for status, n in s.exec(select(AgencyYear.status, func.count()).group_by(AgencyYear.status)).all():
                verdicts.add_metric([status], int(n))
            firing = _family("gkwatch_alerts_firing", ["kind"])
            kinds = {k: 0 for k in ALERT_KINDS} | {k: int(n) for k, n in s.exec(
                select(Alert.kind, func.count()).where(Alert.state == "firing").group_by(Alert.kind)).all()}
            for kind, n in sorted(kinds.items()):
                firing.add_metric([kind], n)
            out += [verdicts, firing]
            out += _delivery_families(s)
        return out

    def _redis_families(self) -> Iterator[Any]:
        up = _family("gkwatch_redis_up")
        depth = _family("gkwatch_queue_depth", ["queue"])
        try:
            depths = queue_depths(self.settings.redis_url)
        except Exception as exc:
            log.warning("metrics: Redis unreachable: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for queue, n in sorted(depths.items()):
            depth.add_metric([queue], n)
        yield up
        yield depth


def _unit_models() -> dict[str, Any]:
    """The stages' tables, and the outbox's messages under ``notify``."""
    return {st.name: st.table for st in STAGES.values() if st.table is not None} | {"notify": Notification}


def _delivery_families(s: Any) -> list[Any]:
    """Delivery outcomes per channel, from the notifications the outbox sends."""
    dead = _family("gkwatch_delivery_failures", ["channel"])
    sent = _family("gkwatch_notifications_sent", ["channel"])
    retrying = _family("gkwatch_deliveries_retrying", ["channel"])
    tried = func.sum(case((Notification.attempts > 0, 1), else_=0))
    rows = s.exec(select(Notification.channel, Notification.state, func.count(), tried)
                  .group_by(Notification.channel, Notification.state)).all()
    totals: dict[tuple[str, str], int] = {}
    for channel, state, n, n_tried in rows:
        if state in ("dead", "sent"):
            totals[(channel, state)] = totals.get((channel, state), 0) + int(n)
        elif state == "pending":  # pending after a failed attempt: waiting for its retry
            totals[(channel, "retrying")] = totals.get((channel, "retrying"), 0) + int(n_tried or 0)
    channels = sorted({c for c, _ in totals})
    for channel in channels:
        dead.add_metric([channel], totals.get((channel, "dead"), 0))
        sent.add_metric([channel], totals.get((channel, "sent"), 0))
        retrying.add_metric([channel], totals.get((channel, "retrying"), 0))
    return [dead, sent, retrying]


def build_registry(settings: Any, *, process: bool = True) -> CollectorRegistry:
    """A registry with the gkwatch collector, plus this process's CPU and memory."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(GkwatchCollector(settings))
    if process:
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
    return registry


def render(registry: CollectorRegistry) -> bytes:
    """The text exposition of ``registry``."""
    return generate_latest(registry)
