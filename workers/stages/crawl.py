"""Crawl due portals in batches: claim many runs, crawl them in one child process
(:mod:`crawler.batch`: portals of one host one after the other, hosts in parallel), then
ingest each run's items into its own portal, exactly as a crawl of one."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, text
from sqlmodel import Session, select

from crawler.run import portal_items, run_batch
from crawler.spec import portal_hosts
from ground.errors import CrawlError
from models import CrawlRun, Document, DocumentVersion, Portal, utcnow
from models.lease import LEASED, claim_many, finish
from workers.stages.ingest import IngestResult, ingest_items

log = logging.getLogger("gkwatch.crawl")


def portal_spec(session: Session, portal: Portal, settings: Any) -> dict[str, Any]:
    """The spider's input: where to start, what to trust, what is already known."""
    known: dict[str, dict[str, Any]] = {}
    docs = session.exec(select(Document).where(Document.portal_id == portal.id)).all()
    attachments: dict[str, list[str]] = {}
    for doc in docs:
        if doc.parent_url:
            attachments.setdefault(doc.parent_url, []).append(doc.url)
    for doc in docs:
        version = session.get(DocumentVersion, doc.current_version_id) if doc.current_version_id else None
        if version is None:
            continue  # never stored (an error page): fetch it afresh
        # attachments are re-checked even when their page answers 304
        known[doc.url] = {"etag": doc.etag, "last_modified": doc.last_modified, "sha256": version.sha256,
                          "attachments": attachments.get(doc.url, [])}
    opts = portal.options or {}
    return {"portal_id": portal.id, "list_urls": portal.list_urls, "allowed_hosts": portal.allowed_hosts,
            "link_patterns": opts.get("link_patterns", []),
            "page_budget": opts.get("page_budget", settings.crawl_page_budget),
            "byte_budget": opts.get("byte_budget", settings.crawl_byte_budget),
            "download_delay": opts.get("download_delay", settings.crawl_download_delay),
            "obey_robots": opts.get("obey_robots", settings.crawl_obey_robots), "known": known,
            # how the column's list is read (crawler/kinds), when the portal says
            **{k: opts[k] for k in ("list_kind", "render", "api", "browser") if opts.get(k)}}


def schedule_crawl(session: Session, *, portal_id: int) -> int:
    """The portal's open crawl run, or a new pending one (the unit of work of the crawl
    queue). A portal that is still due on the next tick, or after a restart, keeps its one
    open run instead of piling up more: a portal is crawled once per schedule."""
    open_run = session.exec(select(CrawlRun.id).where(
        CrawlRun.portal_id == portal_id, CrawlRun.state.in_(("pending", "running", "rerun")))  # type: ignore[attr-defined]
        .order_by(CrawlRun.id)).first()
    if open_run is not None:
        return open_run
    run = CrawlRun(portal_id=portal_id)
    session.add(run)
    session.commit()
    return run.id  # type: ignore[return-value]


def due_portals(session: Session, *, now: datetime) -> list[int]:
    rows = session.exec(select(Portal).where(Portal.enabled == True)).all()  # noqa: E712
    return [p.id for p in rows if p.next_crawl_at is None or p.next_crawl_at <= now]  # type: ignore[misc]


@dataclass
class Skipped:
    """The batch's time budget ran out before this run's turn: it is pending again."""

    reason: str


#: what one run of a batch came to: found and ingested, failed (recorded in its row),
#: not started, or an unexpected error its unit must retry
Outcome = IngestResult | CrawlError | Skipped | Exception


def run_hosts(session: Session, run_ids: list[int]) -> dict[int, frozenset[str]]:
    rows = session.exec(select(CrawlRun.id, Portal.list_urls, Portal.allowed_hosts)
                        .where(CrawlRun.portal_id == Portal.id).where(CrawlRun.id.in_(run_ids))).all()  # type: ignore[union-attr]
    return {int(rid): portal_hosts(urls or [], hosts or []) for rid, urls, hosts in rows}


def claim_crawl_batch(session: Session, *, run_id: int, settings: Any, lease_seconds: int,
                      now: datetime | None = None) -> list[int]:
    """Claim ``run_id`` and up to ``crawl_batch_portals - 1`` other pending, due crawl runs
    (oldest first) for one batch; ``[]`` when ``run_id`` itself is not claimable (another
    batch has it, or it is done).

    A run whose portal shares a host with a run leased by another batch is left for later:
    that host is being crawled elsewhere, and politeness is per host. On PostgreSQL the
    choice is made under an advisory lock, so two crawl workers choosing at once cannot
    both take one host; SQLite serialises writers anyway.
    """
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(18018)"))  # type: ignore[call-overload]
    if claim_many(session, CrawlRun, [run_id], lease_seconds=lease_seconds, now=now) != [run_id]:
        session.commit()
        return []
    want = max(0, int(settings.crawl_batch_portals) - 1)
    if want:
        leased = list(session.exec(select(CrawlRun.id).where(
            CrawlRun.state.in_(LEASED), CrawlRun.lease_until >= now, CrawlRun.id != run_id)))  # type: ignore[attr-defined]
        busy = frozenset().union(*run_hosts(session, leased).values()) if leased else frozenset()
        pending = list(session.exec(select(CrawlRun.id).where(
            CrawlRun.state == "pending", CrawlRun.id != run_id,
            or_(CrawlRun.lease_until.is_(None), CrawlRun.lease_until <= now))  # type: ignore[union-attr]
            .order_by(CrawlRun.id).limit(want * 4 + 100)))
        hosts = run_hosts(session, pending)
        chosen = [r for r in pending if not (hosts.get(r, frozenset()) & busy)][:want]
        others = claim_many(session, CrawlRun, chosen, lease_seconds=lease_seconds, now=now)
    else:
        others = []
    session.commit()
    return [run_id, *others]


def crawl_runs(session: Session, *, run_ids: list[int], settings: Any,
               now: datetime | None = None) -> dict[int, Outcome]:
    """Crawl the claimed runs in one batch child process, then record each run on its own:
    its items ingested into its portal (``IngestResult``), or its failure (the portal's
    failure streak grows; ``CrawlError``), or back to pending when the batch's time ran out
    (``Skipped``). An error while recording one run is returned for its unit to retry and
    does not touch the others. Raises only when the child process cannot be started."""
    now = now or utcnow()
    crawls = settings.data_dir.resolve() / "crawls"
    crawls.mkdir(parents=True, exist_ok=True)
    portals: list[dict[str, Any]] = []
    for rid in run_ids:
        run = session.get(CrawlRun, rid)
        portal = session.get(Portal, run.portal_id) if run else None
        if run is None or portal is None:
            continue
        run.started_at = now
        session.add(run)
        portals.append({"key": str(rid), "spec": portal_spec(session, portal, settings),
                        "out": str(crawls / f"run-{rid}.jsonl")})
    session.commit()
    results, figures = run_batch(portals, snapshot_dir=settings.effective_snapshot_dir,
                                 out_path=crawls / "batch.jsonl", concurrency=settings.crawl_batch_concurrency,
                                 time_budget=settings.crawl_batch_seconds, timeout=settings.crawl_child_timeout)
    log.info("crawl batch of %s portal(s): %s", len(portals), figures, extra={"batch": figures})
    outcomes: dict[int, Outcome] = {}
    for rid in run_ids:
        row = results.get(str(rid))
        try:
            outcomes[rid] = IngestResult() if row is None else _record(session, rid, row, now=now)
        except Exception as exc:  # noqa: BLE001 - this run's unit retries it; the others go on
            session.rollback()
            outcomes[rid] = exc
    return outcomes


def _record(session: Session, run_id: int, row: dict[str, Any], *, now: datetime) -> Outcome:
    run = session.get(CrawlRun, run_id)
    portal = session.get(Portal, run.portal_id) if run else None
    if run is None or portal is None:
        return IngestResult()
    if row.get("skipped"):
        finish(session, CrawlRun, run_id, state="pending")
        return Skipped(str(row.get("error") or "not started"))
    items = portal_items(row) if row.get("ok") else []
    error = None if row.get("ok") else str(row.get("error") or "crawl failed")
    lists = [it for it in items if it.get("type") == "list_page"]
    if error is None and not any(200 <= (it.get("status") or 0) < 300 for it in lists):
        # not one list page answered (server down, column gone): the portal failed, and
        # nothing it reported can stand for "no reports published"
        why = next((it.get("error") for it in lists if it.get("error")), None) or "no list page fetched"
        error = f"no list page could be fetched: {why}"
    url = (portal.list_urls or [None])[0]
    if error is not None:
        portal.consecutive_failures += 1
        run.state, run.error, run.finished_at, run.lease_until = "failed", error[:2000], utcnow(), None
        portal.next_crawl_at = now + timedelta(hours=min(portal.crawl_interval_hours, 1.0))
        session.add_all([portal, run])
        session.commit()
        return CrawlError(error, url=url)
    result = ingest_items(session, portal=portal, items=items, now=now)
    # a list page that could not be fetched (refused, 404, robots.txt) is no page read;
    # the run keeps why, for the portal health page and `gkwatch crawl` (a portal none of
    # whose list pages answered failed above, and its failure streak grew)
    run.pages = sum(1 for it in lists if not it.get("error"))
    list_errors = [f"{it.get('url')}: {it['error']}" for it in lists if it.get("error")]
    run.error = "; ".join(list_errors)[:2000] if list_errors else None
    run.documents_new, run.documents_changed = len(result.new_versions) - result.changed, result.changed
    run.state, run.finished_at, run.lease_until = "done", utcnow(), None
    portal.consecutive_failures = 0
    portal.first_crawled_at = portal.first_crawled_at or now
    portal.last_crawl_at = now
    portal.next_crawl_at = now + timedelta(hours=portal.crawl_interval_hours)
    session.add_all([portal, run])
    session.commit()
    return result


def crawl_portal(session: Session, *, run_id: int, settings: Any,
                 now: datetime | None = None) -> IngestResult:
    """Run one claimed (or unclaimed: tests, the CLI) crawl as a batch of one; on failure
    the portal's failure streak grows and :class:`CrawlError` is raised."""
    outcome = crawl_runs(session, run_ids=[run_id], settings=settings, now=now)[run_id]
    if isinstance(outcome, (CrawlError, Exception)):
        raise outcome
    if isinstance(outcome, Skipped):
        raise CrawlError(f"crawl not started: {outcome.reason}")
    return outcome
