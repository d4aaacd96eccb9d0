"""The archived pingtan report column, served on 127.0.0.1, crawled through the real
child-process boundary (discover / run_crawl)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterator

import pytest

from crawler.discover import discover
from crawler.run import run_crawl
from crawler.testserver import SiteServer

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
PORTAL = SHARED / "portal" / "pingtan"
pytestmark = pytest.mark.skipif(not (PORTAL / "EXPECTED.json").exists(),
                                reason="shared pingtan archive not present")


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((PORTAL / "EXPECTED.json").read_text(encoding="utf-8"))


@pytest.fixture()
def site() -> Iterator[SiteServer]:
    with SiteServer(root=PORTAL / "site") as srv:
        yield srv


def _iso_minutes(s: str) -> str:
    """"2025-03-10 15:35" → "2025-03-10T15:35:00+08:00"."""
    return s.replace(" ", "T") + (":00" if len(s) == 16 else "T00:00:00") + "+08:00"


def test_discover_finds_every_listed_report(site: SiteServer, expected: dict) -> None:
    result = discover(site.url(expected["column"]), download_delay=0)
    entries = {e["url"]: e for e in result["entries"]}
    want = [e for e in expected["entries"] if e["is_annual_report"]]
    assert set(entries) == {site.url(e["path"]) for e in want}      # nothing else
    for exp in want:
        got = entries[site.url(exp["path"])]
        assert got["year"] == exp["year"]
        assert got["title"] == exp["title"]
        assert got["status"] == 200 and got["error"] is None
        assert got["published_at"] == _iso_minutes(exp["meta_pubdate"])
        sources = {d["source"]: d["value"] for d in got["dates"]}
        assert sources["list"] == _iso_minutes(exp["list_date"])
        assert set(sources) >= {"meta", "byline", "list", "url"}
    # the 2025 report's URL date (13 March) is not its publication date (10 March)
    latest = entries[site.url(want[0]["path"])]
    assert latest["published_at"].startswith("2026-03-10")
    assert {d["source"]: d["value"] for d in latest["dates"]}["url"].startswith("2026-03-13")
    # the crawler stayed in the column: no scripts, images or template pseudo-links fetched
    col = expected["column"]
    assert all(p == "/robots.txt" or p.startswith(col) for p in site.requests), site.requests


def test_missing_and_failing_pages_are_reported_not_dropped(expected: dict) -> None:
    want = [e for e in expected["entries"] if e["is_annual_report"]]
    gone, broken = want[1], want[3]
    routes = {gone["path"]: (404, {"Content-Type": "text/html"}, b"<h1>404</h1>"),
              broken["path"]: (500, {"Content-Type": "text/html"}, b"oops")}
    with SiteServer(root=PORTAL / "site", routes=routes) as srv:
        result = discover(srv.url(expected["column"]), download_delay=0)
    entries = {e["url"]: e for e in result["entries"]}
    assert len(entries) == len(want)
    for exp, status in ((gone, 404), (broken, 500)):
        got = entries[srv.url(exp["path"])]
        assert got["status"] == status and got["error"] == f"HTTP {status}"
        assert got["year"] == exp["year"]
        assert got["published_at"] == _iso_minutes(exp["list_date"])   # list date, page lost
        assert [d["source"] for d in got["dates"]] == ["list", "url"]


def test_run_crawl_snapshots_and_conditional_get(site: SiteServer, expected: dict,
                                                 tmp_path: Path) -> None:
    snaps, out = tmp_path / "snaps", tmp_path / "out.jsonl"
    spec = {"portal_id": 7, "agency": "平潭综合实验区", "list_urls": [site.url(expected["column"])],
            "allowed_hosts": ["127.0.0.1"], "page_budget": 50, "byte_budget": 50_000_000,
            "download_delay": 0, "obey_robots": True, "known": {}}
    items = run_crawl(spec, snapshot_dir=snaps, out_path=out, timeout=120)
    lists = [i for i in items if i["type"] == "list_page"]
    docs = [i for i in items if i["type"] == "document"]
    assert len(lists) == 1 and lists[0]["status"] == 200 and len(docs) == 10
    for it in lists + docs:
        stored = snaps / it["sha256"][:2] / it["sha256"]
        assert stored.read_bytes() and hashlib.sha256(stored.read_bytes()).hexdigest() == it["sha256"]
        assert it["size"] == stored.stat().st_size
    doc = docs[0]
    assert doc["kind"] == "page" and doc["entry_url"] == doc["url"] and doc["parent_url"] is None
    assert doc["snapshot"] == str(snaps / doc["sha256"][:2] / doc["sha256"])
    assert doc["content_type"].startswith("text/html") and doc["not_modified"] is False
    local = PORTAL / "site" / doc["url"].split(str(site.port), 1)[1].lstrip("/")
    assert doc["sha256"] == hashlib.sha256(local.read_bytes()).hexdigest()   # raw bytes

    # second crawl: the lead passes what it knows; unchanged pages answer 304
    spec["known"] = {d["url"]: {"last_modified": d["headers"]["Last-Modified"],
                                "sha256": d["sha256"]} for d in docs}
    again = run_crawl(spec, snapshot_dir=snaps, out_path=out, timeout=120)
    redocs = [i for i in again if i["type"] == "document"]
    assert len(redocs) == 10                                     # earlier lines not returned
    assert all(d["not_modified"] and d["status"] == 304 for d in redocs)
    known_sha = {d["url"]: d["sha256"] for d in docs}
    assert all(d["sha256"] == known_sha[d["url"]] and d["snapshot"] for d in redocs)
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(items) + len(again)
