"""The JSON-lines item contract between the crawler and the lead's ingestion.

Two item types, plain dicts so that they serialise as they are::

    {"type": "list_page", "url", "status", "sha256", "size", "fetched_at", "headers", "error"}
    {"type": "document", "url", "entry_url", "parent_url", "title", "year", "kind",
     "content_type", "status", "sha256", "size", "snapshot", "fetched_at", "headers",
     "dates", "published_at", "attachments", "not_modified", "error",
     "list_url", "list_date"}         (+ "final_url" when an on-host redirect moved a page)

``dates`` is a list of ``{"source", "value"}`` (see :mod:`crawler.dates`); a list date
printed without a year also carries ``"raw"`` (the printed text) and ``"year_from"``
("page", "url" or "report": what gave it its year).

While an item travels through Scrapy it may carry the raw bytes under ``_body``; the
snapshot pipeline stores them, fills ``sha256``/``size``/``snapshot`` and removes the key.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

LIST_PAGE_KEYS = ("type", "url", "status", "sha256", "size", "fetched_at", "headers", "error")
DOCUMENT_KEYS = ("type", "url", "entry_url", "parent_url", "title", "year", "kind",
                 "content_type", "status", "sha256", "size", "snapshot", "fetched_at",
                 "headers", "dates", "published_at", "attachments", "not_modified", "error",
                 "list_url", "list_date")

#: response headers worth keeping (conditional GET and provenance)
KEPT_HEADERS = ("ETag", "Last-Modified", "Content-Type", "Content-Length", "Date", "Server",
                "Location")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def pick_headers(headers: Mapping[str, Any]) -> dict[str, str]:
    """The kept headers as ``str`` (Scrapy gives bytes lists; tests give plain dicts)."""
    lowered = {str(k.decode() if isinstance(k, bytes) else k).lower(): v for k, v in headers.items()}
    out: dict[str, str] = {}
    for name in KEPT_HEADERS:
        v = lowered.get(name.lower())
        if v is None:
            continue
        if isinstance(v, (list, tuple)):
            v = v[0] if v else None
        if isinstance(v, bytes):
            v = v.decode("latin-1")
        if v is not None:
            out[name] = str(v)
    return out


def list_page_item(url: str, *, status: int | None, headers: Mapping[str, Any] | None = None,
                   body: bytes | None = None, error: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "list_page", "url": url, "status": status, "sha256": None, "size": None,
        "fetched_at": now_iso(), "headers": pick_headers(headers or {}), "error": error,
    }
    if body is not None:
        item["_body"] = body
    return item


def document_item(url: str, *, entry_url: str, parent_url: str | None, title: str | None,
                  year: int | None, kind: str, status: int | None,
                  content_type: str | None = None, headers: Mapping[str, Any] | None = None,
                  dates: list[dict[str, str]] | None = None, published_at: str | None = None,
                  attachments: list[str] | None = None, not_modified: bool = False,
                  error: str | None = None, body: bytes | None = None,
                  list_url: str | None = None, list_date: str | None = None,
                  known_sha256: str | None = None) -> dict[str, Any]:
    if kind not in ("page", "attachment"):
        raise ValueError(f"kind must be 'page' or 'attachment', not {kind!r}")
    item: dict[str, Any] = {
        "type": "document", "url": url, "entry_url": entry_url, "parent_url": parent_url,
        "title": title, "year": year, "kind": kind, "content_type": content_type,
        "status": status, "sha256": known_sha256 if not_modified else None, "size": None,
        "snapshot": None, "fetched_at": now_iso(), "headers": pick_headers(headers or {}),
        "dates": list(dates or []), "published_at": published_at,
        "attachments": list(attachments or []), "not_modified": not_modified, "error": error,
        "list_url": list_url, "list_date": list_date,
    }
    if body is not None:
        item["_body"] = body
    return item
