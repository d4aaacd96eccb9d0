"""Ingest: turn the crawler's JSON-lines items into documents and versions.

A document is a URL; a version is one content and one best publication date of it.
New content or a new date of a document already seen makes a new version, with both
snapshots kept; processing the version decides whether it is a P-CHANGED.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from crawler.items import CrawledItem, DocumentItem, item_from_json
from models import Document, DocumentVersion, Portal, utcnow


@dataclass
class IngestResult:
    """What one crawl changed: versions to process, and agency-years to re-evaluate."""

    new_versions: list[int] = field(default_factory=list)
    changed: int = 0
    unchanged: int = 0
    failures: list[str] = field(default_factory=list)
    years: set[int] = field(default_factory=set)


def parse_ts(value: str | None) -> datetime | None:
    """ISO 8601 → aware datetime (the crawler always writes an offset)."""
    if not value:
        return None
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return dt


def _inherit_dates(items: list[CrawledItem]) -> None:
    """Attachments carry the publication dates of the page that links them."""
    pages = {it.url: it for it in items if isinstance(it, DocumentItem) and it.kind == "page"}
    for it in items:
        if not isinstance(it, DocumentItem) or it.kind != "attachment":
            continue
        parent = pages.get(it.parent_url or it.entry_url or "")
        if parent and not it.published_at:
            it.published_at = parent.published_at
            it.dates = parent.dates or []
        if parent and not it.year:
            it.year = parent.year
        if parent and not it.title:
            it.title = parent.title or ""


def ingest_items(session: Session, *, portal: Portal, items: Iterable[Mapping[str, Any] | CrawledItem],
                 now: datetime | None = None) -> IngestResult:
    """Record every document item of one crawl; return what needs processing.

    ``items`` are the crawl's JSON objects (:func:`crawler.run.run_crawl`) or items; each
    is read through :func:`crawler.items.item_from_json`, checked there once."""
    now = now or utcnow()
    result = IngestResult()
    crawled = [item_from_json(it) for it in items]
    _inherit_dates(crawled)
    docs = _known_documents(session, [it.url for it in crawled if isinstance(it, DocumentItem)])
    recorded: list[tuple[int, Document]] = []  # new versions and their documents, for the order below
    for it in crawled:
        if not isinstance(it, DocumentItem):
            continue
        doc = docs.get(it.url)
        fresh = doc is None  # a URL never seen has no versions to compare with
        if doc is None:
            doc = docs[it.url] = Document(url=it.url, portal_id=portal.id, agency_id=portal.agency_id,
                                          first_seen_at=now)
        doc.entry_url = it.entry_url or it.url
        doc.parent_url = it.parent_url
        doc.kind = it.kind or "page"
        doc.title = it.title or doc.title
        doc.year = it.year or doc.year
        doc.last_status = it.status
        doc.last_error = it.error
        doc.last_seen_at = now
        headers = it.headers or {}
        doc.etag = headers.get("ETag") or headers.get("etag") or doc.etag
        doc.last_modified = headers.get("Last-Modified") or headers.get("last-modified") or doc.last_modified
        session.add(doc)
        session.flush()
        if it.not_modified:  # 304: the stored version is still current
            result.unchanged += 1
            continue
        if it.error or not it.sha256:
            result.failures.append(f"{it.url}: {it.error or 'no content'}")
            continue
        version = _record_version(session, doc=doc, item=it, now=now, result=result, fresh=fresh)
        if version is not None:
            recorded.append((version.id, doc))  # type: ignore[arg-type]
        if version is not None and doc.year:
            result.years.add(doc.year)
    session.commit()
    # older reports first, so that cross-year rules find last year's report in place (the
    # documents' years as committed, from the rows in hand)
    years = {vid: (d.year or 0) for vid, d in recorded}
    result.new_versions.sort(key=lambda vid: (years.get(vid, 0), vid))
    return result


#: URLs per read of the documents already known (well under any database's parameter limit)
_URL_CHUNK = 500


def _known_documents(session: Session, urls: list[str]) -> dict[str, Document]:
    """The documents of these URLs that exist, by URL: one read per chunk of URLs instead
    of one per item."""
    wanted = list(dict.fromkeys(urls))
    out: dict[str, Document] = {}
    for i in range(0, len(wanted), _URL_CHUNK):
        out.update((d.url, d) for d in session.exec(
            select(Document).where(col(Document.url).in_(wanted[i:i + _URL_CHUNK]))).all())
    return out


def _record_version(session: Session, *, doc: Document, item: DocumentItem, now: datetime,
                    result: IngestResult, fresh: bool = False) -> DocumentVersion | None:
    """A new version of ``doc`` from ``item``, or None when its content and date are known
    (``fresh``: the document was created by this ingest, so it has no versions yet)."""
    published = parse_ts(item.published_at)
    dates_key = published.isoformat() if published else ""
    current = session.get(DocumentVersion, doc.current_version_id) if doc.current_version_id else None
    if current is not None and current.sha256 == item.sha256 and current.dates_key == dates_key:
        result.unchanged += 1
        return None
    same = None if fresh else session.exec(select(DocumentVersion).where(
        DocumentVersion.document_id == doc.id, DocumentVersion.sha256 == item.sha256,
        DocumentVersion.dates_key == dates_key)).first()
    if same is not None:  # flipped back to an earlier version: point at it, nothing new to parse
        doc.current_version_id = same.id
        session.add(doc)
        return None
    version = DocumentVersion(
        document_id=doc.id, sha256=item.sha256, dates_key=dates_key, size=item.size or 0,
        content_type=item.content_type or "", snapshot=item.snapshot or "",
        headers=item.headers or {}, dates=item.dates or [], published_at=published,
        fetched_at=parse_ts(item.fetched_at) or now,
        previous_version_id=current.id if current else None)
    session.add(version)
    session.flush()
    if current is not None:
        # Whether the change matters (numbers or date) is decided after parsing, in
        # workers/stages/process.py: raw bytes of a page also change with view counters.
        result.changed += 1
    doc.current_version_id = version.id
    session.add(doc)
    result.new_versions.append(version.id)  # type: ignore[arg-type]
    return version
