"""What passes between the crawl and the ingest stage is defined once, checked once and
serialises itself: the crawled item (one JSON line) and the portal spec (for the child)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from crawler.items import DocumentItem, ListPageItem, document_item, item_from_json, list_page_item
from crawler.pipelines import SnapshotJsonLinesPipeline
from crawler.spec import PortalSpec, load_spec
from ground.errors import ConfigError


# --- a crawled item ------------------------------------------------------------------

def test_the_crawled_item_line_is_what_ingest_reads(tmp_path: Path) -> None:
    body = "2024年政府信息公开工作年度报告".encode()
    doc = document_item("http://a.gov.cn/nb/1.html", entry_url="http://a.gov.cn/nb/1.html", parent_url=None,
                        title="2024年年报", year=2024, kind="page", status=200,
                        headers={"ETag": "x", "X-Other": "dropped"}, dates=[{"source": "meta", "value": "2025-01-20"}],
                        published_at="2025-01-20T00:00:00+08:00", body=body)
    doc.final_url = "http://a.gov.cn/nb/1b.html"
    lst = list_page_item("http://a.gov.cn/nb/", status=200, body=b"<html></html>")
    pipe = SnapshotJsonLinesPipeline(str(tmp_path / "s"), str(tmp_path / "o.jsonl"))
    pipe.open_spider()
    pipe.process_item(doc)
    pipe.process_item(lst)
    pipe.close_spider()
    lines = (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()
    wire = [json.loads(line) for line in lines]
    assert list(wire[0]) == ["type", "url", "entry_url", "parent_url", "title", "year", "kind",
                             "content_type", "status", "sha256", "size", "snapshot", "fetched_at",
                             "headers", "dates", "published_at", "attachments", "not_modified", "error",
                             "list_url", "list_date", "final_url"]
    assert list(wire[1]) == ["type", "url", "status", "sha256", "size", "fetched_at", "headers", "error"]
    assert wire[0]["sha256"] == hashlib.sha256(body).hexdigest() and Path(wire[0]["snapshot"]).read_bytes() == body
    assert wire[0]["headers"] == {"ETag": "x"} and "body" not in wire[0]
    back = [item_from_json(line) for line in lines]
    assert isinstance(back[0], DocumentItem) and isinstance(back[1], ListPageItem)
    assert back[0] == doc and back[1] == lst  # the bytes are not part of the item's value
    assert back[0].to_json() == lines[0]


@pytest.mark.parametrize("bad", [{"type": "document"}, {"type": "photo", "url": "http://a/"},
                                 {"type": "document", "url": "http://a/", "kind": "zip"},
                                 {"type": "document", "url": "http://a/", "year": "2024"},
                                 {"type": "list_page", "url": "http://a/", "status": True}])
def test_a_bad_item_is_refused_when_read(bad: dict) -> None:
    with pytest.raises(ValueError):
        item_from_json(bad)


def test_an_older_or_newer_line_reads_with_defaults() -> None:
    item = item_from_json({"type": "document", "url": "http://a/", "sha256": "ab", "novel": 1})
    assert isinstance(item, DocumentItem)
    assert (item.kind, item.dates, item.headers, item.not_modified) == ("page", [], {}, False)


# --- a portal spec -------------------------------------------------------------------

def test_a_portal_spec_serialises_itself_for_the_child() -> None:
    spec = load_spec({"list_urls": ["http://a.gov.cn/nb/"], "link_patterns": [r"/nb/\d+\.html$"],
                      "known": {"http://a.gov.cn/nb/1.html": {"etag": "x"}}, "download_delay": 0})
    again = PortalSpec.from_json(spec.to_json())
    assert again == spec and again.to_dict() == spec.to_dict()
    assert again.rules.detail[0].pattern == r"/nb/\d+\.html$"  # the portal's own pattern first


def test_a_spec_file_that_is_not_a_spec_is_a_config_error() -> None:
    for text in ("[]", "{}", '{"list_urls": ["http://a/"], "nonsense": 1}', "not json"):
        with pytest.raises(ConfigError):
            PortalSpec.from_json(text)
