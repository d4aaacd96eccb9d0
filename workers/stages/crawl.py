"""Crawl one portal: run the spider in its own process, then ingest what it found."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from crawler.run import run_crawl
from ground.errors import CrawlError
from models import CrawlRun, Document, DocumentVersion, Portal, utcnow
from workers.stages.ingest import IngestResult, ingest_items


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


def crawl_portal(session: Session, *, run_id: int, settings: Any,
                 now: datetime | None = None) -> IngestResult:
    """Run one claimed crawl; on failure the portal's failure streak grows."""
    now = now or utcnow()
    run = session.get(CrawlRun, run_id)
    portal = session.get(Portal, run.portal_id) if run else None
    if run is None or portal is None:
        return IngestResult()
    run.started_at = now
    spec = portal_spec(session, portal, settings)
    snapshots = settings.effective_snapshot_dir
    out = settings.data_dir.resolve() / "crawls" / f"run-{run_id}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        items = run_crawl(spec, snapshot_dir=snapshots, out_path=out, timeout=settings.crawl_timeout)
    except CrawlError as exc:
        portal.consecutive_failures += 1
        run.state, run.error, run.finished_at = "failed", str(exc)[:2000], utcnow()
        portal.next_crawl_at = now + timedelta(hours=min(portal.crawl_interval_hours, 1.0))
        session.add_all([portal, run])
        session.commit()
        raise
    result = ingest_items(session, portal=portal, items=items, now=now)
    # a list page that could not be fetched (refused, 404, robots.txt) is no page read: a
    # portal none of whose list pages answer grows its failure streak (P-UNREACHABLE),
    # and the run keeps why, for the portal health page and `gkwatch crawl`
    lists = [it for it in items if it.get("type") == "list_page"]
    run.pages = sum(1 for it in lists if not it.get("error"))
    list_errors = [f"{it.get('url')}: {it['error']}" for it in lists if it.get("error")]
    run.error = "; ".join(list_errors)[:2000] if list_errors else None
    run.documents_new, run.documents_changed = len(result.new_versions) - result.changed, result.changed
    run.state, run.finished_at = "done", utcnow()
    portal.consecutive_failures = 0 if run.pages else portal.consecutive_failures + 1
    portal.first_crawled_at = portal.first_crawled_at or now
    portal.last_crawl_at = now
    portal.next_crawl_at = now + timedelta(hours=portal.crawl_interval_hours)
    session.add_all([portal, run])
    session.commit()
    return result
