"""``discover``: crawl one report column once and say which annual reports it lists.

Used by ``gkwatch discover URL``: nothing is stored (snapshots go to a temporary
directory that is removed afterwards).
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.run import run_crawl
from crawler.spec import load_spec
from ground.errors import CrawlError


def _entries(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per report (detail page or directly linked file), attachments folded in."""
    attachments: dict[str, list[str]] = {}
    for it in items:
        if it.get("type") == "document" and it.get("parent_url"):
            attachments.setdefault(it["entry_url"], []).append(it["url"])
    entries = []
    for it in items:
        if it.get("type") != "document" or it.get("parent_url"):
            continue
        atts = list(it.get("attachments") or [])
        for u in attachments.get(it["url"], []):
            if u not in atts:
                atts.append(u)
        entries.append({
            "title": it.get("title"), "url": it["url"], "year": it.get("year"),
            "published_at": it.get("published_at"), "dates": it.get("dates") or [],
            "attachments": atts, "status": it.get("status"), "error": it.get("error"),
        })
    # newest report first, as list pages show them
    entries.sort(key=lambda e: (e["year"] or 0, e["published_at"] or ""), reverse=True)
    return entries


def discover(url: str, *, allowed_hosts: list[str] | None = None, timeout: float = 120,
             download_delay: float = 1.0, page_budget: int = 100,
             obey_robots: bool = True, byte_budget: int = 50_000_000,
             kind: str = "auto", api: dict[str, Any] | None = None,
             browser: dict[str, int] | None = None) -> dict[str, Any]:
    """Crawl the column at ``url`` once and return ``{"entries": [...], "list_pages": [...]}``.

    Each entry: ``title, url, year, published_at`` (best date, ISO 8601 +08:00),
    ``dates`` (every date found, best first), ``attachments``, ``status`` (HTTP status or
    None) and ``error`` (None, or why the page could not be read).
    ``byte_budget`` caps the bytes downloaded in all (the spider closes once it is spent;
    a single document may not be larger either).
    ``kind`` names the portal kind (:mod:`crawler.kinds`; ``auto`` reads it from the page,
    ``browser`` renders list pages in Chromium, ``jsonapi`` needs the ``api`` mapping).
    Raises :class:`CrawlError` if the crawl itself fails, :class:`ConfigError` for a
    budget that is not a positive integer or a bad kind.
    """
    host = urlsplit(url).hostname
    if not host or urlsplit(url).scheme not in ("http", "https"):
        raise CrawlError("not an http(s) URL", url=url)
    spec = {
        "portal_id": None, "agency": "", "list_urls": [url],
        "allowed_hosts": allowed_hosts or [host], "page_budget": page_budget,
        "byte_budget": byte_budget, "download_delay": download_delay,
        "obey_robots": obey_robots, "known": {},
    }
    if kind == "browser":
        spec["render"] = "browser"
    elif kind != "auto":
        spec["list_kind"] = kind
    if api:
        spec["api"] = api
    if browser:
        spec["browser"] = browser
    checked = load_spec(spec)  # a bad budget is the caller's ConfigError, not a crashed child
    with tempfile.TemporaryDirectory(prefix="gkwatch-discover-") as tmp:
        items = run_crawl(checked, snapshot_dir=Path(tmp) / "snapshots",
                          out_path=Path(tmp) / "items.jsonl", timeout=timeout)
    list_pages = [{"url": it["url"], "status": it.get("status"), "error": it.get("error")}
                  for it in items if it.get("type") == "list_page"]
    if list_pages and all(p["status"] is None or p["status"] >= 400 for p in list_pages) \
            and not any(it.get("type") == "document" for it in items):
        first = list_pages[0]
        raise CrawlError(f"column page unreachable: {first['error'] or first['status']}", url=url)
    return {"entries": _entries(items), "list_pages": list_pages}
